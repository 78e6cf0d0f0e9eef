"""Projection onto the renderable set: the nearest render of each image (STUDY.md 3 and 3.2).

The renderable set M is finite, so the nearest render is found by brute force: squared Euclidean
distances over pixels as |a|^2 - 2ab + |b|^2, one matrix product per chunk of images. Images are
float32 in [0, 1] (any leading shape, flattened per row); for {0, 1} images every term is an integer
below 2^24, so float32 is exact there.
"""

from __future__ import annotations

import numpy as np

from shapestudy.data import FACTORS


def flatten(images) -> np.ndarray:
    """Images (n, ...) as a float32 array (n, pixels)."""
    images = np.asarray(images, dtype=np.float32)
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
    residual = a - b[index]
    return index, np.sqrt(np.einsum("ij,ij->i", residual, residual))


def iou(a, b, threshold: float = 0.5) -> np.ndarray:
    """Per-row IoU of a > threshold and b > threshold; 1.0 where both are empty."""
    a, b = flatten(a) > threshold, flatten(b) > threshold
    intersection = (a & b).sum(axis=1)
    union = (a | b).sum(axis=1)
    return np.where(union == 0, 1.0, intersection / np.maximum(union, 1))


def factor_recovery(reconstructions, true_codes, renders, render_codes, chunk: int = 4096) -> dict:
    """How often the projected tuple of a reconstruction equals its true tuple.

    true_codes and render_codes are (n, 4) factor codes in the order of data.FACTORS (shape index,
    size, x, y), as returned by Dataset.factor_codes(). Returns `factor_recovery` (all four factors
    right), `factor_recovery_<factor>` (each factor alone), the mean projection distance, and
    n_images.
    """
    true_codes, render_codes = np.asarray(true_codes), np.asarray(render_codes)
    index, distance = project(reconstructions, renders, chunk=chunk)
    match = render_codes[index] == true_codes
    scores = {"factor_recovery": float(match.all(axis=1).mean())}
    for column, name in enumerate(FACTORS):
        scores[f"factor_recovery_{name}"] = float(match[:, column].mean())
    scores["mean_projection_distance"] = float(distance.mean())
    scores["n_images"] = len(index)
    return scores
