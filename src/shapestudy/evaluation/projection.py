"""Projection onto the renderable set: the nearest render of each image (docs/science.md, Metrics).

The renderable set M is finite, so the nearest render is found by exhaustive search: squared
Euclidean distances over pixels as |a|^2 - 2ab + |b|^2. project() takes one matrix product per chunk
of images; TranslatedTemplates gets the same answer many times faster from the renders being
templates translated (and skips the renders that a bound shows cannot win), and
project_translated() uses it where the renders allow. Images are float32
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
from shapestudy.data.pixels import LEVELS, above, to_unit
from shapestudy.sizes import SEARCH_CHUNK


def flatten(images) -> np.ndarray:
    """Images (n, ...), uint8 or in [0, 1], as a float32 array (n, pixels) in [0, 1]."""
    images = to_unit(images)
    return images.reshape(len(images), -1)


# Decoded pixels below this are set to 0 before they are scored (without_tiny): a sharp sigmoid's
# background leaves 35-47% of an AE's decoded pixels near 1e-20, the product of two of them is
# subnormal, and this CPU computes those many times slower: PRDC's radii of 1,165 AE samples took
# 195-310 ms instead of 12 ms, the nearest-render search 10% longer. No score moved (the same PRDC
# for every sampler of 24 runs, every score of four whole studies the same; benchmarks/RESULTS.md).
TINY_PIXEL = np.float32(2.0**-63)  # the square of anything above it is a normal float32


def without_tiny(images: np.ndarray) -> np.ndarray:
    """Float32 images in [0, 1] with every value below TINY_PIXEL set to 0, in place."""
    # A product with the mask: 8 ms for 10,000 samples, against 37 ms for a masked copy.
    return np.multiply(images, images >= TINY_PIXEL, out=images)


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
    return index, distances_to(a, b, index)


def distances_to(images, renders, index) -> np.ndarray:
    """The Euclidean distance of each image (float32 rows) to its render renders[index[i]] (rows,
    read as to_unit reads them), computed directly; the renders are not gathered."""
    residual = _residuals(images, renders, index, _levels(renders), np.empty(images.shape, dtype=np.float32))
    return np.sqrt(np.einsum("ij,ij->i", residual, residual))


def iou_to(images, renders, index, threshold: float) -> np.ndarray:
    """iou(images, renders[index], threshold) for float32 rows of images and rows of renders,
    without gathering the renders (a sample set's validity: nearest_renders)."""
    # numpy compares a float32 image with a Python float threshold in float32 (NEP 50): as iou does.
    both, either = _overlaps(images, renders, index, _levels(renders), np.float32(threshold))
    return np.where(either == 0, 1.0, both / np.maximum(either, 1))


# The chosen renders are read in place by compiled loops instead of gathered and converted (two
# copies of each chunk for its distances, two more for its IoU): a chunk of 512 samples' distances
# took 0.33-0.36 ms instead of 0.57, its IoU 0.28 instead of 0.71-0.78 (benchmarks/RESULTS.md).
def _levels(renders):
    """What the compiled loops read a render's pixel through: pixels.LEVELS, to_unit's values of
    the uint8 levels, or None for float pixels (to_unit's value is the pixel as a float32)."""
    return LEVELS if np.asarray(renders).dtype == np.uint8 else None


@numba.njit(cache=True)
def _unit(render, j, levels):
    """to_unit's value of pixel j of a render (_levels)."""
    if levels is None:  # decided when the loop is compiled, for the renders' type
        return np.float32(render[j])
    return levels[render[j]]


@numba.njit(cache=True)
def _residuals(images, renders, index, levels, out):
    """out[i] = images[i] - to_unit(renders[index[i]]), the same float32 differences."""
    for i in range(len(index)):
        render = renders[index[i]]
        for j in range(images.shape[1]):
            out[i, j] = images[i, j] - _unit(render, j, levels)
    return out


@numba.njit(cache=True)
def _overlaps(images, renders, index, levels, threshold):
    """Per image, its pixels above `threshold` that are also above it in its render
    renders[index[i]] (iou's intersection) and those above it in either (its union)."""
    both, either = np.empty(len(index), dtype=np.int64), np.empty(len(index), dtype=np.int64)
    for i in range(len(index)):
        render, in_both, in_either = renders[index[i]], 0, 0
        for j in range(images.shape[1]):
            inside, inside_render = images[i, j] > threshold, _unit(render, j, levels) > threshold
            in_both += inside & inside_render
            in_either += inside | inside_render
        both[i], either[i] = in_both, in_either
    return both, either


class _Templates(NamedTuple):
    """The renders as the search reads them. Per template (a shape and size): its first slot, its
    placements (rows x columns), its side, |r|^2, its centroid in its box and its first term; per
    term, a corner of the integral image (row, column) and its sign."""

    first_slot: np.ndarray
    rows: np.ndarray
    columns: np.ndarray
    side: np.ndarray
    norm: np.ndarray
    centre_row: np.ndarray
    centre_column: np.ndarray
    first_term: np.ndarray
    term_row: np.ndarray
    term_column: np.ndarray
    term_sign: np.ndarray


class TranslatedTemplates:
    """Exact nearest-render search for a render set made of binary templates at integer offsets.

    Each render of M is the template of its (shape, size), a size x size box cut from the renders
    themselves, placed with its top-left corner at the render's (x, y). The dot products of an image
    a with every placement of one template are then a cross-correlation, and a binary template is a
    sum of +-1 corners of a's integral image I (I[p, q] = sum of a above row p and left of column
    q): a . r(x, y) = sum of +-I[y + p, x + q] over the template's corners (p, q). So a placement's
    score |r|^2 - 2 a . r costs a dozen or so additions of I's entries, not a product over pixels.

    Most placements need not even that: for an image with pixels in [0, 1], a . r is at most |r|^2
    and at most a's sum over any region holding r (the whole image, the band of rows of r's box, its
    band of columns, the box itself: two to four corners each), so -|r|^2 and |r|^2 - 2 x that sum
    are lower bounds of r's score. A render whose bound exceeds the best score found so far, by
    more than float32 rounding could close, can neither win nor tie, and is skipped. The search
    starts from each template's placement nearest the image's centroid, so that the best score is
    low early.
    Every other render is scored as an exhaustive search would score it (the same sum in the same
    order), and ties go to the lowest render index, so the answer is the exhaustive search's. For
    {0, 1} images every term is an integer below 2^24, so the scores, and the answer, equal
    project()'s; for continuous images the two differ by float rounding only, so only near-ties
    can go either way.

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
        height, width = self._canvas = renders.shape[1:]
        # Every placement of every template is a slot; each template is a row of _Templates' tables.
        rows_of_templates, terms, slot_renders, n_slots = [], [], [], 0
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
            placements = (height - size + 1, width - size + 1)
            pixel_rows, pixel_columns = np.nonzero(template)
            rows_of_templates.append((n_slots, *placements, size, template.sum(),  # |r|^2 in float32
                                      pixel_rows.mean() + 0.5, pixel_columns.mean() + 0.5, len(terms)))
            # The 2-D difference of the zero-padded template: each +-1 entry one term (a +-2 two).
            corners = np.diff(np.diff(np.pad(template, 1), axis=0), axis=1).astype(np.int64)
            terms += [(p, q, np.sign(corners[p, q])) for p, q in zip(*np.nonzero(corners))
                      for _ in range(abs(corners[p, q]))]
            slot_renders.append((n_slots + y * placements[1] + x, members))
            n_slots += placements[0] * placements[1]
        *per_template, first_term = (np.array(column) for column in zip(*rows_of_templates))
        term_row, term_column, term_sign = (np.array(column) for column in zip(*terms))
        self._templates = _Templates(*per_template, np.append(first_term, len(terms)), term_row, term_column,
                                     term_sign.astype(np.float32))
        # Slots that hold no render are skipped; of equal renders, the lowest index holds the slot.
        self._render_of_slot = np.full(n_slots, len(renders))
        for slots, members in slot_renders:
            np.minimum.at(self._render_of_slot, slots, members)
        # How far float32 rounding can move a score or a bound, as margin_base + margin_per_mass x
        # T, T = 2 x the image's sum (no entry of I is larger in magnitude): a score sums |r|^2 and k
        # terms, a bound two to four, and I's entries are sums along a row and a column, so each
        # error is below (k + 4) u (|r|^2 + (k + 4 + height + width) T), u = 2^-24. Doubled for
        # safety: a wider margin skips fewer renders, never a wrong one.
        k = np.diff(self._templates.first_term).max() + 4
        u = 2.0**-24
        self._margin = (2 * u * k * self._templates.norm.max(), 2 * u * k * (k + height + width))

    def project(self, images, chunk: int = SEARCH_CHUNK, bounded: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """project(images, renders), the same contract. `chunk` images at a time, so that their
        distances to the chosen renders are taken while they are in cache. bounded=False skips no
        render by its bound (the exhaustive search): the same answer, for checking. sizes.search_mb counts a
        score per tuple and image, as closest_renders holds them: for this search, which holds no
        scores, an over-estimate of a few MB."""
        a = flatten(images)
        if a.shape[1] != self.renders.shape[1]:
            raise ValueError(f"images have {a.shape[1]} pixels, the renders {self.renders.shape[1]}")
        if not np.isfinite(a).all():
            raise ValueError("images hold non-finite pixels: no nearest render")
        index, distance = np.empty(len(a), dtype=np.int64), np.empty(len(a), dtype=np.float32)
        for start in range(0, len(a), chunk):
            part = a[start : start + chunk]
            nearest = _nearest_slots(part, *self._canvas, self._templates, self._render_of_slot, len(self.renders),
                                     bounded, *self._margin)
            index[start : start + chunk] = nearest
            distance[start : start + chunk] = distances_to(part, self.renders, nearest)
        return index, distance


@numba.njit(cache=True)
def _nearest_slots(images, height, width, templates, render_of_slot, n_renders, bounded, margin_base,
                   margin_per_mass):
    """For each image (a row of pixels), the render of the slot with the least score
    |r|^2 - 2 a . r; ties go to the lowest render index. Renders whose lower bound exceeds the
    best score so far by more than the margin are skipped (TranslatedTemplates); the others are
    scored a row of placements at a time. A compiled loop, one image at a time: its integral image
    stays in the core's first cache."""
    index = np.empty(len(images), dtype=np.int32)
    integral = np.empty((height + 1, width + 1), dtype=np.float32)
    column_sums = np.empty(width, dtype=np.float32)
    scores = np.empty(width, dtype=np.float32)
    for image in range(len(images)):
        in_unit_range = _integral_image(images[image], integral, column_sums)
        whole = integral[height, width]  # -2 x the image's sum
        margin = np.float32(margin_base - margin_per_mass * whole if bounded and in_unit_range else np.inf)
        best, chosen = _first_guess(integral, templates, render_of_slot, n_renders)
        bottom_row = integral[height]
        for t in range(len(templates.first_slot)):
            norm, side, columns = templates.norm[t], templates.side[t], templates.columns[t]
            # With pixels in [0, 1], a . r is at most |r|^2 and at most a's sum.
            if -norm > best + margin or norm + whole > best + margin:
                continue
            # The placements whose band of columns passes: every row's candidates lie among them.
            first, last = 0, columns - 1
            while first <= last and norm + (bottom_row[first + side] - bottom_row[first]) > best + margin:
                first += 1
            while last >= first and norm + (bottom_row[last + side] - bottom_row[last]) > best + margin:
                last -= 1
            for y in range(templates.rows[t]):
                top, bottom = integral[y], integral[y + side]
                if norm + (bottom[width] - top[width]) > best + margin:
                    continue
                lo, hi = first, last
                while lo <= hi and norm + (bottom[lo + side] - top[lo + side] - bottom[lo] + top[lo]) > best + margin:
                    lo += 1
                while hi >= lo and norm + (bottom[hi + side] - top[hi + side] - bottom[hi] + top[hi]) > best + margin:
                    hi -= 1
                if lo > hi:
                    continue
                n = hi + 1 - lo
                scores[:n] = norm
                for term in range(templates.first_term[t], templates.first_term[t + 1]):
                    start = templates.term_column[term] + lo
                    corner = integral[y + templates.term_row[term], start : start + n]
                    sign = templates.term_sign[term]
                    for x in range(n):
                        scores[x] += sign * corner[x]
                slot = templates.first_slot[t] + y * columns + lo
                for x in range(n):
                    best, chosen = _better(scores[x], render_of_slot[slot + x], best, chosen, n_renders)
        index[image] = chosen
    return index


@numba.njit(cache=True)
def _integral_image(image, integral, column_sums) -> bool:
    """Fill integral[p, q] with -2 x the sum of the image (a row of pixels) above row p and left of
    column q: each column summed down the rows, then each row along its columns, in order (the
    same values as products with triangular matrices); whether every pixel lies in [0, 1]."""
    height, width = integral.shape[0] - 1, integral.shape[1] - 1
    integral[0] = 0
    column_sums[:] = 0
    in_unit_range = True
    for p in range(height):
        integral[p + 1, 0] = 0
        for q in range(width):
            value = image[p * width + q]
            in_unit_range &= (value >= 0) & (value <= 1)
            column_sums[q] += np.float32(-2) * value
            integral[p + 1, q + 1] = column_sums[q]
    # Each row's sums along its columns, the rows side by side: a row's sum is a chain of dependent
    # additions, and the rows' chains interleaved took 45% less time than one row after the other
    # (the search's compiled loop 14% less; benchmarks/RESULTS.md). Each entry is the same sum.
    for q in range(1, width):
        for p in range(1, height + 1):
            integral[p, q + 1] += integral[p, q]
    return in_unit_range


@numba.njit(cache=True)
def _first_guess(integral, templates, render_of_slot, n_renders):
    """The best score and render among each template's placement nearest the image's centroid
    (the image's integral image): a low best score to start the bounded search from."""
    height, width = integral.shape[0] - 1, integral.shape[1] - 1
    best, chosen = np.float32(np.inf), n_renders
    whole = integral[height, width]
    if whole >= 0:  # an empty image has no centroid
        return best, chosen
    centre_row = centre_column = 0.0
    for p in range(height):
        centre_row += (p + 0.5) * (integral[p + 1, width] - integral[p, width])
    for q in range(width):
        centre_column += (q + 0.5) * (integral[height, q + 1] - integral[height, q])
    centre_row, centre_column = centre_row / whole, centre_column / whole
    for t in range(len(templates.first_slot)):
        y = min(max(int(np.floor(centre_row - templates.centre_row[t] + 0.5)), 0), templates.rows[t] - 1)
        x = min(max(int(np.floor(centre_column - templates.centre_column[t] + 0.5)), 0), templates.columns[t] - 1)
        score = templates.norm[t]
        for term in range(templates.first_term[t], templates.first_term[t + 1]):
            score += templates.term_sign[term] * integral[y + templates.term_row[term], x + templates.term_column[term]]
        render = render_of_slot[templates.first_slot[t] + y * templates.columns[t] + x]
        best, chosen = _better(score, render, best, chosen, n_renders)
    return best, chosen


@numba.njit(cache=True)
def _better(score, render, best, chosen, n_renders):
    """The best score and its render after considering this one: the lower score, of equal scores
    the lower render index; a slot with no render (n_renders) is no candidate."""
    if render != n_renders and (score < best or (score == best and render < chosen)):
        return score, render
    return best, chosen


def render_search(renders, render_codes, chunk: int = 4096) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """images -> project(images, renders, chunk): through TranslatedTemplates where the renders
    are binary templates translated (the same answer, several times faster), else by brute force.
    Built once, it serves every set of images searched against the same renders."""
    try:
        return TranslatedTemplates(renders, render_codes).project
    except ValueError:
        # Converted once: the search serves many calls (nearest_renders: one per chunk of images).
        return functools.partial(project, renders=flatten(renders), chunk=chunk)


@functools.lru_cache(maxsize=1)
def dataset_search(dataset) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """render_search over a dataset's images (data.Dataset), built once for the dataset object: an
    evaluation job's seeds share the job's dataset (runner.py) and so one search."""
    return render_search(dataset.images, dataset.factor_codes())


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
                    chunk: int = SEARCH_CHUNK, search: Callable | None = None) -> Nearest:
    """`search`: render_search(renders, render_codes, chunk), where it is already built. `chunk`
    samples at a time are searched and scored, while they are in cache."""
    samples, renders = flatten(samples), np.asarray(renders)
    search = search or render_search(renders, render_codes, chunk)
    rows = renders.reshape(len(renders), -1)  # as stored (renders may be a dataset's uint8 images, all of M)
    parts = []
    for start in range(0, len(samples), chunk):
        part = samples[start : start + chunk]
        index, distance = search(part)
        parts.append((index, distance, iou_to(part, rows, index, pixel_threshold) >= iou_threshold))
    return Nearest(*(np.concatenate(column) for column in zip(*parts)))


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
