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

    Still an exhaustive search over all of M: every render gets the score |r|^2 - 2 a . r that
    project() minimises, and ties go to the lowest render index. For {0, 1} images every term is an
    integer below 2^24, so the scores, and the answer, equal project()'s; for continuous images the
    two differ by float rounding only, so only near-ties can go either way.

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
        height, width = renders.shape[1:]
        # Strictly lower-triangular ones: prefix sums over the rows above, and the columns left;
        # the -2 makes the corner sums -2 a . r directly (exact: a power of two).
        self._prefix_rows = np.tri(height + 1, height, -1, dtype=np.float32) * -2
        self._prefix_columns = np.tri(width + 1, width, -1, dtype=np.float32)
        # Every placement of every template is a slot. The kernel (_nearest_slots) reads the
        # templates as flat tables: each template's first slot, placements (rows, columns), |r|^2
        # and terms (a corner's row and column in the integral image, and its sign).
        first, rows, columns, norms, term_counts, terms, slot_renders = [], [], [], [], [], [], []
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
            norms.append(template.sum())
            term_counts.append(len(template_terms))
            terms += template_terms
        self._first_slot, self._rows, self._columns = np.array(first), np.array(rows), np.array(columns)
        self._norms = np.array(norms, dtype=np.float32)
        self._term_start = np.concatenate([[0], np.cumsum(term_counts)])
        self._term_row, self._term_column, self._term_plus = (np.array(column) for column in zip(*terms))
        # Slots that hold no render are skipped; of equal renders, the lowest index holds the slot.
        self._render_of_slot = np.full(n_slots, len(renders))
        for slots, members in slot_renders:
            np.minimum.at(self._render_of_slot, slots, members)

    def project(self, images, chunk: int = SEARCH_CHUNK) -> tuple[np.ndarray, np.ndarray]:
        """project(images, renders), the same contract. `chunk` images at a time keep their
        integral images in the core's cache (256 and 512 equally fast here). sizes.search_mb counts
        a score per tuple and image, as closest_renders holds them: for this search, which holds
        no scores, an over-estimate of a few MB."""
        a = flatten(images)
        if a.shape[1] != self.renders.shape[1]:
            raise ValueError(f"images have {a.shape[1]} pixels, the renders {self.renders.shape[1]}")
        if not np.isfinite(a).all():
            raise ValueError("images hold non-finite pixels: no nearest render")
        index, distance = np.empty(len(a), dtype=np.int64), np.empty(len(a), dtype=np.float32)
        for start in range(0, len(a), chunk):
            # Each chunk's distances while its images are in cache: the same values as all at once.
            part = a[start : start + chunk]
            nearest = self._nearest(part)
            index[start : start + chunk] = nearest
            distance[start : start + chunk] = _distances(part, to_unit(self.renders[nearest]))
        return index, distance

    def _nearest(self, a: np.ndarray) -> np.ndarray:
        n, height, width = len(a), len(self._prefix_rows) - 1, len(self._prefix_columns) - 1
        # The images last, so that every corner of the integral image is a row of n values.
        columns = np.ascontiguousarray(a.T).reshape(height, width * n)
        above = (self._prefix_rows @ columns).reshape(height + 1, width, n)
        integral = np.matmul(self._prefix_columns, above)  # of -2a: (height + 1, width + 1, n)
        return _nearest_slots(integral, self._first_slot, self._rows, self._columns, self._norms,
                              self._term_start, self._term_row, self._term_column, self._term_plus,
                              self._render_of_slot, len(self.renders))


@numba.njit(cache=True)
def _nearest_slots(integral, first_slot, rows, columns, norms, term_start, term_row, term_column, term_plus,
                   render_of_slot, n_renders):
    """For each image (the last axis of the integral image of -2a), the render of the slot with the
    least score |r|^2 - 2 a . r; ties go to the lowest render index. One pass over the slots, each
    score summed in its template's order of terms from |r|^2 and compared at once: no array of
    scores (a compiled loop; numpy's slice by slice took 2.3x as long, benchmarks/RESULTS.md)."""
    n = integral.shape[2]
    best = np.full(n, np.inf, dtype=np.float32)
    # int32 indices, as wide as the scores, and a comparison without branches: the compiler
    # vectorises the update (10% of the search).
    index = np.full(n, n_renders, dtype=np.int32)
    score = np.empty(n, dtype=np.float32)
    for template in range(len(first_slot)):
        for y in range(rows[template]):
            for x in range(columns[template]):
                render = np.int32(render_of_slot[first_slot[template] + y * columns[template] + x])
                if render == n_renders:
                    continue
                score[:] = norms[template]
                for term in range(term_start[template], term_start[template + 1]):
                    corner = integral[y + term_row[term], x + term_column[term]]
                    if term_plus[term]:
                        for i in range(n):
                            score[i] += corner[i]
                    else:
                        for i in range(n):
                            score[i] -= corner[i]
                for i in range(n):
                    better = (score[i] < best[i]) | ((score[i] == best[i]) & (render < index[i]))
                    best[i] = score[i] if better else best[i]
                    index[i] = render if better else index[i]
    return index


def render_search(renders, render_codes, chunk: int = 4096) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """images -> project(images, renders, chunk): through TranslatedTemplates where the renders
    are binary templates translated (the same answer, several times faster), else by brute force.
    Built once, it serves every set of images searched against the same renders."""
    try:
        return TranslatedTemplates(renders, render_codes).project
    except ValueError:
        # Converted once: the search serves many calls (nearest_renders: one per chunk of images).
        return functools.partial(project, renders=flatten(renders), chunk=chunk)


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
    parts = []
    for start in range(0, len(samples), chunk):
        part = samples[start : start + chunk]
        index, distance = search(part)
        # The chosen renders only, as stored (renders may be a dataset's uint8 images, all of M).
        parts.append((index, distance, iou(part, renders[index], threshold=pixel_threshold) >= iou_threshold))
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
