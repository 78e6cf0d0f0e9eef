"""Linear contrasts of a study's cells over seeds: estimates, t tests for a difference and for
equivalence, their error control within a family, and the seeds a verdict would need.

A cell is one configuration under one setting (a VAE sampled by its prior, a rate at one sigma);
its values are one score per seed. A comparison is a contrast L = sum_c w_c mean_c - constant
(a VAE's mean minus an AE's, or a mean minus a threshold, or the average of many such
differences). Seeds of different configurations are trained independently, so the variance of L
is a sum over configurations (points) of the variance over seeds of each point's share of the
contrast, sum_{c in point} w_c x_c: the cells of one point (a model's samplers) come from the
same runs and are correlated, and are combined per run before the variance is taken. Degrees of
freedom: Welch-Satterthwaite over the points; or, asked for (a claim's rows held to Holm),
Hsu's conservative n - 1 of the compared configuration with the fewest seeds, which holds its level
whatever the ratio of the variances: with a few seeds per configuration and variances that differ
tenfold, Welch-Satterthwaite's degrees of freedom are liberal at the far-tail levels that Holm asks
of a family of tens of rows (benchmarks/welch_tails.py). The paired form instead takes the
contrast seed by seed (an AE and a VAE of the same seed share their initialisation and batch
order) and has n - 1 degrees of freedom.

Each comparison is two hypotheses: a difference (H0: L = 0, two-sided t) and equivalence within
the smallest effect of interest (H0: |L| >= margin, two one-sided tests). A family's 2R p-values
are adjusted together: Holm's step-down with its multiplier capped at R, because at most one of a
comparison's two hypotheses is true (Shaffer 1986), which keeps the family-wise error at alpha;
Benjamini-Hochberg over the 2R p-values; or none. Verdicts: `equivalent` when the equivalence
p-value is adjusted below alpha (the difference lies inside +-margin, even if it is not 0);
otherwise `supported` (L > 0) or `contradicted` (L < 0) when the difference p-value is; else
`undecided`. Every function takes arrays whose last axis (or last two) is the study's and any
leading axes (simulated studies), so the calibration test runs the same code as the study.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import stats

SUPPORTED, CONTRADICTED, EQUIVALENT, UNDECIDED = "supported", "contradicted", "equivalent", "undecided"
VERDICTS = (SUPPORTED, CONTRADICTED, EQUIVALENT, UNDECIDED)  # their codes are their positions
CORRECTIONS = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no correction"}
CONTROLS = {"holm": "family-wise error", "bh": "false discovery rate", "none": "error per comparison"}
POWER = 0.8  # the power at which the seeds needed are given
MOST_SEEDS = 200  # the seeds searched per configuration; more is reported as "> MOST_SEEDS"


@dataclasses.dataclass
class Contrast:
    """Estimates of R contrasts, with their standard errors and degrees of freedom, and the
    variance over seeds of each point's share of each contrast (..., R, M), which power needs."""

    estimate: np.ndarray
    se: np.ndarray
    df: np.ndarray
    components: np.ndarray
    paired: bool
    conservative: bool = False  # unpaired with Hsu's degrees of freedom: n - 1 of the smallest point


def contrast(values: np.ndarray, point: np.ndarray, weights: np.ndarray, constants: np.ndarray,
             paired: bool = False, conservative: bool = False) -> Contrast:
    """The contrasts `weights @ cell means - constants`; unpaired, with Hsu's degrees of freedom if
    `conservative`, else Welch-Satterthwaite's.

    values: (..., U, S) one score per cell and seed, nan where a point has no run of that seed;
    point: (U,) the index of each cell's point (configuration without its seed);
    weights: (R, U); constants: (R,)."""
    values = np.asarray(values, dtype=np.float64)
    points = int(point.max()) + 1
    seen = ~np.isnan(values)
    filled = np.where(seen, values, 0.0)
    # (M, U) membership; a point's share of contrast r, seed by seed: (..., R, M, S), as one
    # matrix product (R M, U) @ (U, ... S), which simulated studies need fast.
    member = (point[None, :] == np.arange(points)[:, None]).astype(np.float64)
    shares = _per_point(weights[:, None, :] * member[None], filled)
    valid = _per_point(member, seen.astype(np.float64)) > 0  # (..., M, S)
    involved = np.abs(weights) @ member.T > 0  # (R, M)
    if not involved.any(axis=-1).all():
        raise ValueError("a contrast with no cell: every comparison needs a configuration to compare")
    if paired:
        # Seeds every involved point has; the contrast seed by seed.
        common = np.all(valid[..., None, :, :] | ~involved[..., None], axis=-2)  # (..., R, S)
        per_seed = np.where(common, shares.sum(axis=-2), np.nan)
        n = common.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            estimate = np.nanmean(per_seed, axis=-1) - constants
            variance = np.nanvar(per_seed, axis=-1, ddof=1) / n
        df = np.where(n > 1, n - 1.0, np.nan)
        se = np.sqrt(np.where(n > 1, variance, np.nan))
        return Contrast(estimate, se, df, _components(shares, valid), paired=True)
    n = valid.sum(axis=-1)[..., None, :]  # (..., 1, M)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(involved, shares.sum(axis=-1) / n, 0.0).sum(axis=-1) - constants
    return _unpaired(estimate, _components(shares, valid), n, involved, conservative)


def _per_point(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """weights (*W, U) applied to values (..., U, S): (..., *W, S)."""
    lead, (units, seeds) = values.shape[:-2], values.shape[-2:]
    flat = np.moveaxis(values, -2, 0).reshape(units, -1)  # (U, ... S)
    out = weights.reshape(-1, units) @ flat  # (prod W, ... S)
    out = out.reshape(*weights.shape[:-1], *lead, seeds)
    return np.moveaxis(out, tuple(range(weights.ndim - 1)), tuple(range(-weights.ndim, -1)))


def _components(shares: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The variance over seeds of each point's share of each contrast: (..., R, M)."""
    n = valid.sum(axis=-1)[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = shares.sum(axis=-1) / n
        squares = np.where(valid[..., None, :, :], (shares - mean[..., None]) ** 2, 0.0).sum(axis=-1)
        return squares / (n - 1)


def _unpaired(estimate, components, n, involved, conservative: bool) -> Contrast:
    """Standard error and degrees of freedom (Hsu's if `conservative`, else Welch-Satterthwaite's)
    from the variance components."""
    with np.errstate(invalid="ignore", divide="ignore"):
        parts = np.where(involved, components / n, 0.0)
        untestable = np.any(involved & ~(n > 1), axis=-1)
        variance = parts.sum(axis=-1)
        if conservative:
            df = np.where(involved, n, np.inf).min(axis=-1) - 1.0
        else:
            denominator = np.where(involved & (n > 1), parts**2 / (n - 1), 0.0).sum(axis=-1)
            df = np.where(denominator > 0, variance**2 / denominator, np.inf)
        se = np.sqrt(variance)
    return Contrast(estimate, np.where(untestable, np.nan, se), np.where(untestable, np.nan, df), components,
                    paired=False, conservative=conservative)


def p_difference(estimate, se, df) -> np.ndarray:
    """Two-sided p-value of the t test of L = 0 (0 for a nonzero estimate without noise)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.abs(estimate) / se
        p = 2 * stats.t.sf(t, df)
    return np.where(se == 0, np.where(estimate != 0, 0.0, 1.0), p)


def p_equivalence(estimate, se, df, margin) -> np.ndarray:
    """p-value of the two one-sided tests of |L| >= margin (the larger of the two)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        low = stats.t.sf((estimate + margin) / se, df)
        high = stats.t.sf((margin - estimate) / se, df)
        p = np.maximum(low, high)
    return np.where(se == 0, np.where(np.abs(estimate) < margin, 0.0, 1.0), p)


def adjust(p: np.ndarray, correction: str, pairs: bool = False) -> np.ndarray:
    """p-values adjusted along the last axis; nan (untestable) stays nan and does not count.
    `pairs`: the last axis holds two hypotheses per comparison of which at most one is true, so
    Holm's multiplier never exceeds the number of comparisons (Shaffer's logical constraint)."""
    p = np.asarray(p, dtype=np.float64)
    if correction == "none":
        return p.copy()
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown claims.correction {correction!r}: expected one of {list(CORRECTIONS)}")
    order = np.argsort(np.where(np.isnan(p), np.inf, p), axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1)
    m = (~np.isnan(p)).sum(axis=-1, keepdims=True)
    rank = np.arange(1, p.shape[-1] + 1)
    with np.errstate(invalid="ignore"):
        if correction == "holm":
            multiplier = m - rank + 1.0
            if pairs:
                multiplier = np.minimum(multiplier, m // 2)
            values = np.fmax.accumulate(np.maximum(multiplier, 1) * ranked, axis=-1)
        else:  # Benjamini-Hochberg's step-up
            values = np.fmin.accumulate((m / rank * ranked)[..., ::-1], axis=-1)[..., ::-1]
    values = np.where(np.isnan(ranked), np.nan, np.minimum(values, 1.0))
    adjusted = np.empty_like(values)
    np.put_along_axis(adjusted, order, values, axis=-1)
    return adjusted


@dataclasses.dataclass
class Decision:
    """A family's verdicts (codes into VERDICTS) with both adjusted p-values and each comparison's
    interval at the level its correction asks of the difference test."""

    verdict: np.ndarray
    p: np.ndarray
    p_adjusted: np.ndarray
    p_equivalence: np.ndarray
    p_equivalence_adjusted: np.ndarray
    level: np.ndarray
    low: np.ndarray
    high: np.ndarray


def decide(estimate, se, df, margin, correction: str, confidence: float) -> Decision:
    """The verdicts of one family, its comparisons on the last axis (a contrast's estimate, standard
    error and degrees of freedom), with a margin per comparison or one for all."""
    alpha = 1 - confidence
    margin = np.broadcast_to(np.asarray(margin, dtype=np.float64), estimate.shape)
    p = p_difference(estimate, se, df)
    p_eq = p_equivalence(estimate, se, df, margin)
    both = adjust(np.concatenate([p, p_eq], axis=-1), correction, pairs=True)
    p_adj, p_eq_adj = both[..., : p.shape[-1]], both[..., p.shape[-1]:]
    verdict = np.full(p.shape, VERDICTS.index(UNDECIDED))
    verdict = np.where(p_adj < alpha, np.where(estimate > 0, VERDICTS.index(SUPPORTED),
                                                np.where(estimate < 0, VERDICTS.index(CONTRADICTED), verdict)),
                       verdict)
    verdict = np.where(p_eq_adj < alpha, VERDICTS.index(EQUIVALENT), verdict)
    tested = (~np.isnan(p)).sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(p > 0, p_adj / p, np.maximum(tested, 1))
        level = confidence if correction == "none" else 1 - alpha / np.maximum(factor, 1)
        half = stats.t.ppf(1 - (1 - level) / 2, df) * se
    level = np.broadcast_to(level, p.shape)
    return Decision(verdict, p, p_adj, p_eq, p_eq_adj, level, estimate - half, estimate + half)


def effect_size(c: Contrast, weights: np.ndarray, point: np.ndarray) -> np.ndarray:
    """The estimate over the root mean square seed sd of the compared configurations (Cohen's d
    for two configurations, the difference in seed sds for a threshold)."""
    points = c.components.shape[-1]
    member = (point[None, :] == np.arange(points)[:, None]).astype(np.float64)
    weight = (weights @ member.T) ** 2  # (R, M): each point's squared net weight
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.nansum(c.components, axis=-1) / weight.sum(axis=-1))
        return np.where(sd > 0, c.estimate / sd, np.nan)


def decision_power(c: Contrast, margin, alpha: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The probability that a comparison is decided (a difference or equivalence) with `seeds`
    per configuration, at per-comparison level `alpha` (two-sided), if its estimate and the seed
    variances were the truth: (R, len(seeds)). Noncentral t; for equivalence the two one-sided
    tests' failures are added (a lower bound)."""
    seeds = np.asarray(seeds, dtype=np.float64)[None, :]
    estimate, margin = c.estimate[:, None], np.broadcast_to(margin, c.estimate.shape)[:, None]
    alpha = np.broadcast_to(alpha, c.estimate.shape)[:, None]
    if c.paired:
        variance = (c.se**2 * (c.df + 1))[:, None] / seeds  # the per-seed variance of the contrast, over n
        df = seeds - 1
    else:
        v = np.nan_to_num(c.components)  # (R, M): each point's per-seed variance
        total, squares = v.sum(axis=-1)[:, None], (v**2).sum(axis=-1)[:, None]
        variance = total / seeds
        with np.errstate(invalid="ignore", divide="ignore"):
            df = seeds - 1 if c.conservative else np.where(squares > 0, (seeds - 1) * total**2 / squares, np.inf)
    se = np.sqrt(variance)
    with np.errstate(invalid="ignore", divide="ignore"):
        critical = stats.t.ppf(1 - alpha / 2, df)
        shift = np.abs(estimate) / se
        difference = stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift)
        one_sided = stats.t.ppf(1 - alpha, df)
        fail = (stats.nct.cdf(one_sided, df, (estimate + margin) / se)
                + stats.nct.cdf(one_sided, df, (margin - estimate) / se))
        equivalence = np.clip(1 - fail, 0, 1)
    power = np.fmax(difference, equivalence)
    return np.where(se == 0, 1.0, power)


def planning_level(correction: str, alpha: float, comparisons: int, decided: int) -> float:
    """The per-comparison level at which one more of a family's comparisons would be decided, the
    level its seeds are planned at. Holm: its first step, alpha / R (at most one of a comparison's
    two hypotheses is true), so Holm decides at least as often. Benjamini-Hochberg over the 2R
    hypotheses: the step-up threshold of the rank after the `decided` ones, alpha (D + 1) / 2R."""
    if correction == "none":
        return alpha
    if correction == "holm":
        return alpha / comparisons
    return alpha * (decided + 1) / (2 * comparisons)


def seeds_needed(c: Contrast, margin, alpha) -> np.ndarray:
    """The fewest seeds per configuration (2..MOST_SEEDS) at which each comparison is decided with
    probability POWER at its level, were its estimate and seed variances the truth; inf beyond,
    nan where the variance is unknown (one seed)."""
    grid = np.arange(2, MOST_SEEDS + 1)
    power = decision_power(c, margin, alpha, grid)
    enough = power >= POWER
    first = np.where(enough.any(axis=-1), grid[np.argmax(enough, axis=-1)], np.inf)
    return np.where(np.isnan(c.se), np.nan, first)
