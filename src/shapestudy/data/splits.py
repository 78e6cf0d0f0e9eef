"""How the tuples of the factor grid are divided into the train, validation and test splits: the
sizes follow from the number of tuples and the fractions alone, so config validation knows them
without rendering anything, and the dataset draws its labels from the same sizes."""

from __future__ import annotations

import numpy as np

SPLITS = ("train", "validation", "test")


def split_sizes(n: int, fractions: dict[str, float]) -> dict[str, int]:
    """Tuples per split: round(fraction * n) for train and validation (each at most what is left),
    the rest for test."""
    train = min(round(fractions["train"] * n), n)
    validation = min(round(fractions["validation"] * n), n - train)
    return {"train": train, "validation": validation, "test": n - train - validation}


def assign_splits(n: int, fractions: dict[str, float], seed: int) -> np.ndarray:
    """Split labels for n tuples, disjoint by tuple, drawn by a seeded permutation."""
    order = np.random.default_rng(seed).permutation(n)
    labels = np.empty(n, dtype=object)
    start = 0
    for split, size in split_sizes(n, fractions).items():
        labels[order[start : start + size]] = split
        start += size
    return labels
