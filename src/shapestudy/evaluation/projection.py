"""Projection onto the renderable set: the nearest render of each image (docs/science.md, Metrics).

The renderable set M is finite, so the nearest render is found by exhaustive search: squared
Euclidean distances over pixels as |a|^2 - 2ab + |b|^2. project() takes one matrix product per chunk
of images; TranslatedTemplates gets the same scores several times faster from the renders being
templates translated, and project_translated() uses it where the renders allow. Images are float32
in [0, 1], or uint8 as a dataset stores them (any leading shape, flattened per row), computed on as
float32 (pixels.to_unit); for {0, 1} images every term is an integer below 2^24, so float32 is exact
there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import numba
import numpy as np

from shapestudy.data.grid import FACTORS
from shapestudy.data.pixels import above, to_unit
from shapestudy.sizes import SEARCH_CHUNK


def flatten(images) -> np.ndarray:
    """Images (n, ...), uint8 or in [0, 1], as a float32 array (n, pixels) in [0, 1]."""
    images = to_unit(images)
    return images.reshape(len(images), -1)


def squared_distances(a, b) -> np.ndarray:
    """Squared Euclidean distances (len(a), len(b)) between the rows of a and b, clipped at 0."""
    a, b = flatten(a), flatten(b)
    distances = a @ b.T
    distances *= -2
    distances += np.einsum("ij,ij->i", b, b)
    distances += np.einsum("ij,ij->i", a, a)[:, None]
    return np.maximum(distances, 0, out=distances)


def project(images, renders, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """The index of each image's nearest render and the Euclidean distance to it.

    `chunk` images at a time bound the memory: a chunk x len(renders) float32 matrix. Ties go to
    the lowest index. The distance is recomputed directly against the chosen render, so it is
    exactly 0 for an image equal to a render.
    """
    a, b = flatten(images), flatten(renders)
    render_norms = np.einsum("ij,ij->i", b, b)
    index = np.empty(len(a), dtype=np.int64)
    for start in range(0, len(a), chunk):
        # |a|^2 is constant along a row, so the argmin needs only |b|^2 - 2ab.
        partial = a[start : start + chunk] @ b.T
        partial *= -2
        partial += render_norms
        index[start : start + chunk] = partial.argmin(axis=1)
    return index, _distances(a, b[index])


def _distances(a, chosen) -> np.ndarray:
    """Euclidean distance of each row of a to the same row of chosen, computed directly."""
    residual = a - chosen
    return np.sqrt(np.einsum("ij,ij->i", residual, residual))



class TranslatedTemplates:
    """Exact nearest-render search for a render set made of binary templates at integer offsets.

    Each render of M is the template of its (shape, size), a size x size box cut from the renders
    themselves, placed with its top-left corner at the render's (x, y). The dot products of an image
    a with every placement of one template are then a cross-correlation, and a binary template is a
    sum of +-1 corners of a's integral image I (I[p, q] = sum of a above row p and left of column
    q): a . r(x, y) = sum of +-I[y + p, x + q] over the template's corners (p, q). So each placement
    costs a dozen or so additions of I's entries, about 50x fewer operations than project()'s
    matrix product, summed and compared in one compiled loop (_nearest_slots).

    Branch and bound: a placement whose score provably exceeds the best found so far is skipped
    unscored, and so is a whole template (_nearest_slots says how). A skipped placement could not
    have won, so the answer is the exhaustive search's: every render has the score |r|^2 - 2 a . r
    that project() minimises, and ties go to the lowest render index. For {0, 1} images every term
    is an integer below 2^24, so the scores, and the answer, equal project()'s; for continuous images
    the two differ by float rounding only, so only near-ties can go either way.

    The constructor checks that the renders are binary and each equals its template placed at its
    (x, y); where not, it raises ValueError (project_translated() then falls back to project()).
    """

    def __init__(self, renders, render_codes):
        # The renders are kept as given (uint8 from a dataset: a quarter of float32's memory); only
        # the templates and the chosen renders are converted (pixels.to_unit).
        renders = np.asarray(renders)
        codes = np.asarray(render_codes)
        if renders.ndim != 3 or codes.shape != (len(renders), len(FACTORS)) or codes.dtype.kind not in "iu":
            raise ValueError(
                f"renders {renders.shape} and render_codes {codes.shape} {codes.dtype}: expected "
                f"(n, height, width) and integer (n, {len(FACTORS)})"
            )
        top = 255 if renders.dtype == np.uint8 else 1  # the stored value of a set pixel
        if not ((renders == 0) | (renders == top)).all():
            raise ValueError(f"renders are not binary: expected pixels in {{0, {top}}}")
        self.renders = renders.reshape(len(renders), -1)
        self.shape = height, width = renders.shape[1:]
        # Every placement of every template is a slot. The kernel (_nearest_slots) reads the
        # templates as flat tables: each template's first slot, placements (rows, columns), box
        # side, |r|^2 and terms (a corner's row and column in the integral image, and its sign).
        first, rows, columns, sizes, norms, term_counts, terms, slot_renders = [], [], [], [], [], [], [], []
        n_slots = 0
        for shape, size in np.unique(codes[:, :2], axis=0):
            members = np.flatnonzero((codes[:, 0] == shape) & (codes[:, 1] == size))
            x, y = codes[members, 2], codes[members, 3]
            if size < 1 or min(x.min(), y.min()) < 0 or x.max() + size > width or y.max() + size > height:
                raise ValueError(f"shape {shape} size {size}: a box falls outside the {height} x {width} canvas")
            box = np.arange(size)
            crops = renders[members[:, None, None], (y[:, None] + box)[:, :, None], (x[:, None] + box)[:, None, :]]
            stored = crops[0]
            # Binary renders are the template placed iff each crop is the template and nothing lies
            # outside the box.
            if (crops != stored).any() or (self.renders[members].sum(axis=1) != stored.sum()).any():
                raise ValueError(f"shape {shape} size {size}: the renders are not one template translated")
            template = to_unit(stored)
            # The 2-D difference of the zero-padded template: each +-1 entry one term (a +-2 two).
            corners = np.diff(np.diff(np.pad(template, 1), axis=0), axis=1).astype(np.int64)
            template_terms = [(p, q, corners[p, q] > 0)
                              for p, q in zip(*np.nonzero(corners)) for _ in range(abs(corners[p, q]))]
            placements = (height - size + 1, width - size + 1)
            slot_renders.append((n_slots + y * placements[1] + x, members))
            first.append(n_slots)
            n_slots += placements[0] * placements[1]
            rows.append(placements[0])
            columns.append(placements[1])
            sizes.append(size)
            norms.append(template.sum())
            term_counts.append(len(template_terms))
            terms += template_terms
        # Slots that hold no render are skipped; of equal renders, the lowest index holds the slot.
        render_of_slot = np.full(n_slots, len(renders))
        for slots, members in slot_renders:
            np.minimum.at(render_of_slot, slots, members)
        # The box sides, and each template's among them: templates of one side share box sums.
        box_sides, side_of = np.unique(np.array(sizes, dtype=np.int64), return_inverse=True)
        term_row, term_column, term_plus = (np.array(column) for column in zip(*terms))
        self._tables = (np.array(first), np.array(rows), np.array(columns), box_sides, side_of,
                        np.array(norms, dtype=np.float32), np.concatenate([[0], np.cumsum(term_counts)]), term_row,
                        term_column, term_plus, render_of_slot)
        self._most_terms = max(term_counts)

    def project(self, images, prune: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """project(images, renders), the same contract. prune=False scores every placement: the
        reference the pruned search is tested against."""
        a = flatten(images)
        if a.shape[1] != self.renders.shape[1]:
            raise ValueError(f"images have {a.shape[1]} pixels, the renders {self.renders.shape[1]}")
        if not np.isfinite(a).all():
            raise ValueError("images hold non-finite pixels: no nearest render")
        # The bounds hold for a >= 0: for images with a negative pixel they are taken of max(a, 0),
        # which bounds a . r as well (copied only then: decoded images lie in [0, 1]).
        negative = a.min(axis=1) < 0
        positive = np.maximum(a, 0) if negative.any() else a
        # How far float32 rounding can move a score or a bound, so that a bound is skipped only when
        # it lies further than this above the best: every number summed is at most 2 sum|a| + |r|^2
        # in size, an integral entry rounds at most height + width times, a score sums at most the
        # most terms of a template and a box bound 4 entries, each rounding by at most 2^-24; twice
        # that (for a 28 x 28 image of 200 pixels set, about 0.2 squared pixel distance).
        height, width = self.shape
        magnitude = 2 * np.abs(a).sum(axis=1, dtype=np.float64) + self._tables[5].max()
        margin = (2 * 2.0**-24 * (self._most_terms + 4) * (height + width + 1) * magnitude if prune
                  else np.full(len(a), np.inf))
        index = _nearest_slots(a.reshape(-1, height, width), positive.reshape(-1, height, width), negative,
                               positive.max(axis=1), positive.sum(axis=1, dtype=np.float64),
                               np.einsum("ij,ij->i", positive, positive, dtype=np.float64), margin.astype(np.float32),
                               self._tables, len(self.renders))
        return index, _distances(a, to_unit(self.renders[index]))


@numba.njit(cache=True)
def _integral(image, out):
    """The integral image of -2 x image into out (height + 1, width + 1): out[p, q] is -2 x the sum
    of the pixels above row p and left of column q, summed down each column, then along each row,
    in order (the -2 is exact: a power of two)."""
    height, width = image.shape
    out[0, :] = 0
    out[:, 0] = 0
    for p in range(height):
        for q in range(width):
            out[p + 1, q + 1] = out[p, q + 1] + np.float32(-2) * image[p, q]
    # Column by column, so that the rows' sums run side by side instead of one after the other.
    for q in range(1, width + 1):
        for p in range(1, height + 1):
            out[p, q] += out[p, q - 1]


@numba.njit(cache=True)
def _score(image, template, y, x, norms, term_start, term_row, term_column, term_plus):
    """|r|^2 - 2 a . r of the template placed at (x, y), from the integral image of -2a: the
    template's terms summed in their order, from |r|^2."""
    score = norms[template]
    for term in range(term_start[template], term_start[template + 1]):
        if term_plus[term]:
            score += image[y + term_row[term], x + term_column[term]]
        else:
            score -= image[y + term_row[term], x + term_column[term]]
    return score


@numba.njit(cache=True)
def _box_sums(box, side, out, row_least):
    """-2 x the sum of a over every side x side box, into out[y, x] for the box at (x, y), from the
    integral image of -2a; row_least[y]: the least of row y. Returns the least of all."""
    rows, columns = box.shape[0] - side, box.shape[1] - side
    least = np.float32(np.inf)
    for y in range(rows):
        # Row slices, so that every index is the loop's own (numba then drops its checks).
        top, top_right = box[y, :columns], box[y, side:]
        bottom, bottom_right = box[y + side, :columns], box[y + side, side:]
        row, row_min = out[y, :columns], np.float32(np.inf)
        for x in range(columns):
            row[x] = top[x] - top_right[x] - bottom[x] + bottom_right[x]
            row_min = min(row_min, row[x])
        row_least[y] = row_min
        least = min(least, row_min)
    return least


@numba.njit(cache=True)
def _nearest_slots(images, positive, negative, largest, total, squares, margins, tables, n_renders):
    """For each image, the render of the slot with the least score |r|^2 - 2 a . r, from the
    image's integral image of -2a (_integral); ties go to the lowest render index. `tables`: the
    templates' (TranslatedTemplates.__init__).

    Branch and bound, one image at a time, on lower bounds of the scores that hold for a >= 0
    (`positive`: max(images, 0) where an image has a `negative` pixel, with the `largest` pixel,
    `total` and sum of `squares` per image): a template's score is at least
    |r|^2 - 2 min(|r|^2 max(a), sum(a), |r| |a|), and a placement's at least
    |r|^2 - 2 x (the sum of a over its box) (_box_sums, computed for a box side when a template of
    that side is first visited), so a row's at least the least of its placements', and a
    template's at least the least of all of them. The best score starts at the placement of least
    box bound of the template of least bound. Then the templates in the order of their bounds,
    until one exceeds the best score found, and in each the rows and the placements whose bounds do
    not. Every bound is taken the image's margin lower (`margins`: more than float32 rounding can
    move a score or a bound), so a skipped slot could not have won, and the answer is the
    exhaustive search's."""
    (first_slot, rows, columns, box_sides, side_of, norms, term_start, term_row, term_column, term_plus,
     render_of_slot) = tables
    n, height, width = images.shape
    index = np.full(n, n_renders, dtype=np.int64)
    integral = np.empty((height + 1, width + 1), dtype=np.float32)
    positive_integral = np.empty((height + 1, width + 1), dtype=np.float32)
    box_sums = np.empty((len(box_sides), height, width), dtype=np.float32)
    row_least = np.empty((len(box_sides), height), dtype=np.float32)
    side_least = np.empty(len(box_sides), dtype=np.float32)
    bounds = np.empty(len(norms), dtype=np.float32)
    for i in range(n):
        margin = margins[i]
        _integral(images[i], integral)
        box = integral
        if negative[i]:
            _integral(positive[i], positive_integral)
            box = positive_integral
        for template in range(len(norms)):
            dot = min(norms[template] * largest[i], total[i], np.sqrt(norms[template] * squares[i]))
            bounds[template] = norms[template] - 2 * dot - margin
        order = np.argsort(bounds)
        side_least[:] = np.nan  # not yet computed
        # The seed: the placement of least box bound (holding a render) of the most promising template.
        template = order[0]
        side, placements = side_of[template], columns[template]
        side_least[side] = _box_sums(box, box_sides[side], box_sums[side], row_least[side])
        least, seed_y, seed_x = np.float32(np.inf), 0, 0
        for y in range(rows[template]):
            for x in range(placements):
                holds_render = render_of_slot[first_slot[template] + y * placements + x] < n_renders
                if box_sums[side, y, x] < least and holds_render:
                    least, seed_y, seed_x = box_sums[side, y, x], y, x
        chosen = render_of_slot[first_slot[template] + seed_y * placements + seed_x]
        best = _score(integral, template, seed_y, seed_x, norms, term_start, term_row, term_column, term_plus)
        for template in order:
            if bounds[template] > best:
                break  # in ascending order: no later template can win either
            side, placements = side_of[template], columns[template]
            if np.isnan(side_least[side]):
                side_least[side] = _box_sums(box, box_sides[side], box_sums[side], row_least[side])
            cut = best - norms[template] + margin  # a row or placement of box sums above it is skipped
            if side_least[side] > cut:
                continue
            for y in range(rows[template]):
                if row_least[side, y] > cut:
                    continue
                sums = box_sums[side, y, :placements]
                for x in range(placements):
                    if sums[x] > cut:
                        continue
                    render = render_of_slot[first_slot[template] + y * placements + x]
                    if render == n_renders:
                        continue
                    score = _score(integral, template, y, x, norms, term_start, term_row, term_column, term_plus)
                    if score < best or (score == best and render < chosen):
                        best, chosen = score, render
                        cut = best - norms[template] + margin
        index[i] = chosen
    return index


def render_search(renders, render_codes, chunk: int = 4096) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """images -> project(images, renders, chunk): through TranslatedTemplates where the renders
    are binary templates translated (the same answer, several times faster), else by brute force.
    Built once, it serves every set of images searched against the same renders."""
    try:
        return TranslatedTemplates(renders, render_codes).project
    except ValueError:
        return functools.partial(project, renders=renders, chunk=chunk)


def project_translated(images, renders, render_codes, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """project(images, renders, chunk) by the search render_search chooses."""
    return render_search(renders, render_codes, chunk)(images)


def iou(a, b, threshold: float = 0.5) -> np.ndarray:
    """Per-row IoU of a > threshold and b > threshold; 1.0 where both are empty."""
    a, b = (above(np.reshape(x, (len(x), -1)), threshold) for x in (a, b))
    intersection = np.count_nonzero(a & b, axis=1)
    union = np.count_nonzero(a | b, axis=1)
    return np.where(union == 0, 1.0, intersection / np.maximum(union, 1))


class ClosestRenders(NamedTuple):
    """The two most alike renders of M (their indices) and their IoU: a validity threshold above
    it lets a sample be valid for one render only."""

    iou: float
    first: int
    second: int


def closest_renders(renders, pixel_threshold: float = 0.5, chunk: int = SEARCH_CHUNK) -> ClosestRenders:
    """The highest IoU between two distinct renders (thresholded), by exhaustive search."""
    masks = (flatten(renders) > pixel_threshold).astype(np.float32)  # counts below 2^24: exact
    area = masks.sum(axis=1)
    closest = ClosestRenders(0.0, 0, 0)
    for start in range(0, len(masks), chunk):
        intersection = masks[start:start + chunk] @ masks.T
        iou = intersection / (area[start:start + chunk, None] + area[None, :] - intersection)
        rows = np.arange(len(iou))
        iou[rows, start + rows] = 0  # a render and itself
        i, j = np.unravel_index(iou.argmax(), iou.shape)
        if iou[i, j] > closest.iou:
            closest = ClosestRenders(float(iou[i, j]), int(start + i), int(j))
    return closest


class Nearest(NamedTuple):
    """Each sample's nearest render of M (its index), the Euclidean distance to it, and whether
    the sample is valid: IoU with that render at least the threshold, both thresholded."""

    index: np.ndarray
    distance: np.ndarray
    valid: np.ndarray


def nearest_renders(samples, renders, render_codes, iou_threshold: float = 0.9, pixel_threshold: float = 0.5,
                    chunk: int = 4096, search: Callable | None = None) -> Nearest:
    """`search`: render_search(renders, render_codes, chunk), where it is already built."""
    samples = flatten(samples)
    index, distance = (search or render_search(renders, render_codes, chunk))(samples)
    # The chosen renders only, converted (renders may be a dataset's uint8 images, all of M).
    valid = iou(samples, np.asarray(renders)[index], threshold=pixel_threshold) >= iou_threshold
    return Nearest(index, distance, valid)


def factor_recovery(reconstructions, true_codes, renders, render_codes, chunk: int = 4096) -> dict:
    """How often the projected tuple of a reconstruction equals its true tuple.

    true_codes and render_codes are (n, 4) factor codes in the order of data.FACTORS (shape index,
    size, x, y), as returned by Dataset.factor_codes(). Returns `factor_recovery` (all four factors
    right), `factor_recovery_<factor>` (each factor alone) and the mean projection distance.
    """
    index, distance = project_translated(reconstructions, renders, render_codes, chunk=chunk)
    return recovery(index, distance, true_codes, render_codes)


def recovery(index, distance, true_codes, render_codes) -> dict:
    """factor_recovery's scores of images whose nearest renders (index, distance) are known."""
    true_codes, render_codes = np.asarray(true_codes), np.asarray(render_codes)
    match = render_codes[index] == true_codes
    scores = {"factor_recovery": float(match.all(axis=1).mean())}
    for column, name in enumerate(FACTORS):
        scores[f"factor_recovery_{name}"] = float(match[:, column].mean())
    scores["mean_projection_distance"] = float(distance.mean())
    return scores
