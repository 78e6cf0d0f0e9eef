"""Would moderated variances decide more of the claims' rows, and would they hold the error rates?
Issue 24's next step after benchmarks/variance_prior.py (not a pass/fail test; the study's claims
are unchanged). Each claim's per-configuration rows (difference of two cells, or a cell against a
threshold) are decided as the study decides them, with one change: every cell's variance over
seeds is shrunk towards the prior fitted to the claim's cells by Smyth's (2004) moments (limma's
moderated t), s2~ = (d0 s0^2 + d s^2) / (d0 + d) with d + d0 degrees of freedom, and the row's
Welch-Satterthwaite degrees of freedom are taken over those. Measured on a finished study:
- the rows decided, Welch against moderated, on the study's own scores;
- under the null, simulated with each cell's seed sd as the study observed it (more spread than
  the true sds, so harder on the prior than the study is): the family-wise error per claim under
  Holm, and under Benjamini-Hochberg the share of studies with a false supported or contradicted
  (every row's difference is 0, so an equivalence is no error);
- the share of rows decided at the study's cell means and sds (studies simulated as in
  benchmarks/claims_design.py).

    .venv/bin/python benchmarks/moderated.py --study DIR

Prints Markdown for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from claims_design import simulated, study_scores
from scipy import special
from variance_prior import d0_of

from shapestudy.reporting import claims, statistics

STUDIES = 2000


def prior(variances: np.ndarray, dof: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(d0, s0^2) over the last axis (cells) of variances and their dof (..., U); cells whose
    variance is 0 (a score that does not move between seeds) or unknown are left out of the fit."""
    usable = (variances > 0) & (dof > 0)
    half = np.where(usable, dof, 1.0) / 2
    logs = np.where(usable, np.log(np.where(usable, variances, 1.0)) - special.digamma(half) + np.log(half), np.nan)
    trigamma = np.nanmean(np.where(usable, special.polygamma(1, half), np.nan), axis=-1)
    d0 = d0_of(np.nanvar(logs, axis=-1, ddof=1), trigamma)
    finite = np.isfinite(d0)
    half0 = np.where(finite, d0, 2.0) / 2
    s0 = np.exp(np.nanmean(logs, axis=-1) + np.where(finite, special.digamma(half0) - np.log(half0), 0.0))
    return d0, s0


def moderated_rows(values: np.ndarray, weights: np.ndarray, constants: np.ndarray) -> tuple:
    """(estimate, se, df) of the rows (R, U) from values (..., U, S): cells independent (the two
    cells of a row are different configurations), each with its moderated variance."""
    n = (~np.isnan(values)).sum(axis=-1)
    dof = (n - 1).astype(np.float64)
    means = np.nanmean(values, axis=-1)
    variances = np.nanvar(values, axis=-1, ddof=1)
    d0, s0 = prior(variances, dof)
    d0, s0 = np.asarray(d0)[..., None], np.asarray(s0)[..., None]
    finite = np.isfinite(d0)
    shrunk = np.where(finite, (np.where(finite, d0, 0) * s0 + dof * variances) / (np.where(finite, d0, 0) + dof), s0)
    cell_df = np.where(finite, dof + np.where(finite, d0, 0), np.inf)
    parts = weights**2 * (shrunk / n)[..., None, :]  # (..., R, U)
    variance = parts.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = variance**2 / np.where(weights != 0, parts**2 / cell_df[..., None, :], 0.0).sum(axis=-1)
    estimate = np.einsum("ru,...u->...r", weights, means) - constants
    return estimate, np.sqrt(variance), np.where(np.isfinite(df), df, 1e6)


def decide_rows(planned, settings, values, moderated: bool) -> list[statistics.Decision]:
    """Each plan's secondary rows decided, Welch as the study does or moderated."""
    decisions = []
    for plan, v in zip(planned, values):
        if moderated:
            estimate, se, df = moderated_rows(v, plan.weights[1:], plan.constants[1:])
        else:
            c = statistics.contrast(v, plan.cells.point, plan.weights, plan.constants)
            estimate, se, df = c.estimate[..., 1:], c.se[..., 1:], c.df[..., 1:]
        decisions.append(statistics.decide(estimate, se, df, plan.margin,
                                           claims.correction(settings, claims.SECONDARY), settings["confidence"]))
    return decisions


def null_means(plan: claims.Plan) -> np.ndarray:
    """Cell means at which every row of the plan is exactly 0: thresholds, or one common mean."""
    means = np.zeros(len(plan.cells.point))
    for row, constant in zip(plan.weights[1:], plan.constants[1:]):
        means[np.flatnonzero(row > 0)] = 0.0 if (row < 0).any() else constant
    return means


def decided_share(decisions) -> float:
    code = statistics.VERDICTS.index(statistics.UNDECIDED)
    return float(np.concatenate([d.verdict != code for d in decisions], axis=-1).mean())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, required=True)
    args = parser.parse_args(argv)
    np.seterr(divide="ignore", invalid="ignore")  # cells without seeds (nan) give rows that are nan: undecided
    scores, context = study_scores(args.study.resolve())
    planned = claims.plans(scores, context)
    settings = context.settings
    alpha = 1 - settings["confidence"]
    rows = []
    for moderated in (False, True):
        own = decide_rows(planned, settings, [p.cells.values for p in planned], moderated)
        rng = np.random.default_rng(7)
        at_study = decide_rows(planned, settings, simulated(planned, [np.nanmean(p.cells.values, axis=-1)
                                                                      for p in planned], rng, 200, 3), moderated)
        null_values = simulated(planned, [null_means(p) for p in planned], rng, STUDIES, 3)
        holm = decide_rows(planned, {**settings, "secondary_correction": "holm"}, null_values, moderated)
        bh = decide_rows(planned, {**settings, "secondary_correction": "bh"}, null_values, moderated)
        fwer = [float((d.p_adjusted < alpha).any(axis=-1).mean()) for d in holm]
        directions = [statistics.VERDICTS.index(v) for v in (statistics.SUPPORTED, statistics.CONTRADICTED)]
        false_direction = [np.isin(d.verdict, directions).any(axis=-1).mean() for d in bh]
        rows.append({"variances": "moderated" if moderated else "each cell's (Welch)",
                     "rows decided in the study": f"{decided_share(own):.1%}",
                     "decided at the study's means and sds": f"{decided_share(at_study):.1%}",
                     "Holm FWER per claim under the null, worst": f"{max(fwer):.3f}",
                     "median": f"{np.median(fwer):.3f}",
                     "BH: studies with a false supported or contradicted, worst": f"{max(false_direction):.3f}"})
    frame = pd.DataFrame(rows)
    print("| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns))
    for row in frame.itertuples(index=False):
        print("| " + " | ".join(map(str, row)) + " |")
    print(f"\n{STUDIES} null studies; Monte Carlo bound at alpha "
          f"{alpha:.2f}: {alpha + 3 * np.sqrt(alpha * (1 - alpha) / STUDIES):.3f}. Secondary rows: "
          f"{sum(len(p.weights) - 1 for p in planned)} in {len(planned)} claims.")


if __name__ == "__main__":
    main()
