"""How images are held and computed on. The dataset stores each pixel as a uint8 (0 or 255) and
jobs hold it so, a quarter of float32's memory; code that computes on images reads them as
float32 in [0, 1] through `to_unit`, a batch or a chunk at a time. The conversion is exact: a
level's float32 is the same wherever and in whatever chunks it is converted."""

from __future__ import annotations

import numpy as np

# float32(level) / float32(255) for every level, computed once: JAX's converter gathers from it
# (XLA would turn a division by 255 into a product with its reciprocal, which is 1 ulp off on
# half the levels).
LEVELS = np.arange(256, dtype=np.float32) / np.float32(255)


def to_unit(images) -> np.ndarray:
    """uint8 images as float32 in [0, 1]; images of another type as float32, unchanged in value."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        # numpy's division is correctly rounded, as when LEVELS was made: the same values, and
        # 8x faster than gathering them (0.11 against 0.86 ms for 512 images, benchmarks/RESULTS.md).
        return np.divide(images, np.float32(255), dtype=np.float32)
    return images.astype(np.float32, copy=False)


def above(images, threshold: float) -> np.ndarray:
    """to_unit(images) > threshold, without converting uint8 images: the levels increase, so a
    stored value is above the threshold iff it is at least the first level that is."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        return to_unit(images) > threshold
    over = LEVELS > threshold
    return images >= (np.argmax(over) if over.any() else len(LEVELS))
