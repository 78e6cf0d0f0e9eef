"""A latent space's validity-novelty frontier: its kernel-density samplers (the bandwidth sweep of
evaluation.kde_bandwidths) run from replaying the training codes (the decoder's ceiling, no
novelty) to a smooth density (novel, fewer valid). One sampler is one point between; the frontier
compares latent spaces whatever density is fitted to them: the validity each reaches at a fixed
novelty (claims.frontier_novelty), read off the curve by linear interpolation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shapestudy.evaluation import samplers

SAMPLER = "frontier"  # the sampler column of a derived row: the frontier at the claims' novelty


def curve(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of one model's sweep samplers, in the order of their bandwidths."""
    sweep = rows[rows["sampler"].map(samplers.is_sweep)]
    bandwidths = sweep["sampler"].map(lambda name: samplers.by_name(name).bandwidth).to_numpy()
    return sweep.iloc[np.argsort(bandwidths, kind="stable")]


def validity_at(novelty: np.ndarray, validity: np.ndarray, target: float) -> float:
    """The validity where the curve, in bandwidth order, first reaches `target` novelty, linearly
    interpolated between its two points around it; nan if it never does."""
    for i in range(len(novelty) - 1):
        low, high = novelty[i], novelty[i + 1]
        if min(low, high) <= target <= max(low, high):
            if high == low:
                return float(max(validity[i], validity[i + 1]))
            return float(validity[i] + (target - low) * (validity[i + 1] - validity[i]) / (high - low))
    return np.nan


def at_novelty(frame: pd.DataFrame, target: float, by: list[str]) -> pd.DataFrame:
    """One row per group of `by` (a run) that has a sweep: its `by` keys, sampler = SAMPLER,
    novelty = target and the validity there."""
    rows = []
    for keys, group in frame.groupby(by, sort=False, dropna=False):
        points = curve(group)
        if len(points) < 2:
            continue
        value = validity_at(points["novelty"].to_numpy(float), points["validity"].to_numpy(float), target)
        rows.append({**dict(zip(by, keys)), "sampler": SAMPLER, "novelty": target, "validity": value})
    return pd.DataFrame(rows, columns=[*by, "sampler", "novelty", "validity"])
