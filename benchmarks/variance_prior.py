"""How alike are the seed variances across a study's grid? Issue 24 asks to estimate the
within-configuration variance from the whole grid where the variances are alike. Per score of each
table, this fits the scaled inverse-chi-square prior of the cells' variances over seeds by
Smyth's (2004) moments of the log variances, as limma does: its degrees of freedom d0 are what
pooling would add to each cell's n - 1 (d0 = infinity: one common variance; d0 near 0: nothing to
borrow). Twice: around one common variance, and around a log-linear trend in the configuration's
keys and the setting (model, likelihood, latent size, hyper-parameters, sampler or sigma), the
part of the spread that the design explains (limma-trend's idea). Not a pass/fail test.

    .venv/bin/python benchmarks/variance_prior.py --study .

Prints Markdown for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from shapestudy import families

SETTINGS = ("sampler", "sigma")  # the settings that are a table's rows beside the configuration


def inverse_trigamma(y: np.ndarray) -> np.ndarray:
    """x with trigamma(x) = y (Smyth 2004's Newton iteration), for y > 0."""
    x = 0.5 + 1.0 / y
    for _ in range(50):
        x = x + special.polygamma(1, x) * (1 - special.polygamma(1, x) / y) / special.polygamma(2, x)
    return x


def d0_of(spread, trigamma_of_dof) -> np.ndarray:
    """The prior's degrees of freedom from the spread (variance) of the cells' log variances and
    the mean trigamma(d / 2) of their degrees of freedom d: the spread beyond the chi-square's,
    through trigamma's inverse; infinite when there is none."""
    excess = np.asarray(spread - trigamma_of_dof, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(excess > 0, 2 * inverse_trigamma(np.where(excess > 0, excess, 1.0)),
                        np.where(np.isnan(excess), np.nan, np.inf))


def prior_df(log_variances: np.ndarray, residual_dof: int, seeds: int) -> float:
    """d0 from log variances of cells of `seeds` seeds around a fit with `residual_dof`."""
    spread = np.sum((log_variances - log_variances.mean()) ** 2) / residual_dof if residual_dof > 0 else np.nan
    return float(d0_of(spread, special.polygamma(1, (seeds - 1) / 2)))


def design(table: pd.DataFrame) -> np.ndarray:
    """One-hot columns of every key that varies in the table, with an intercept."""
    keys = [k for k in (*families.POINT_KEYS, *SETTINGS) if k in table and table[k].nunique() > 1]
    dummies = pd.get_dummies(table[keys].astype(str), drop_first=True, dtype=float)
    return np.column_stack([np.ones(len(table)), dummies.to_numpy()])


def rows(study: Path):
    for path in sorted((study / "results" / "tables").glob("*.csv")):
        table = pd.read_csv(path)
        for column in [c.removesuffix("_sd") for c in table.columns if c.endswith("_sd")]:
            if column == "converged":
                continue
            seeds = table["n"]
            usable = table[(table[f"{column}_sd"] > 0) & (seeds == seeds.max())]
            if len(usable) < 8:
                continue
            logs = np.log(usable[f"{column}_sd"].to_numpy(float) ** 2)
            x = design(usable)
            fitted = x @ np.linalg.lstsq(x, logs, rcond=None)[0]
            rank = np.linalg.matrix_rank(x)
            trend = prior_df(logs - fitted + (logs - fitted).mean(), len(logs) - rank, int(seeds.max()))
            ratio = np.sqrt(np.exp(np.quantile(logs, 0.9) - np.quantile(logs, 0.1)))
            yield path.stem, column, len(usable), ratio, prior_df(logs, len(logs) - 1, int(seeds.max())), trend


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    print("| table | score | cells | sd p90 / p10 | d0, one variance | d0, around the design's trend |")
    print("|---|---|---|---|---|---|")
    for table, column, cells, ratio, common, trend in rows(args.study):
        print(f"| {table} | {column} | {cells} | {ratio:.1f} | {common:.2f} | {trend:.2f} |")


if __name__ == "__main__":
    main()
