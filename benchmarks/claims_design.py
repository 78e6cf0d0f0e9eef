"""What the claims' design buys, measured on a finished study (not a pass/fail test): the
correlation of paired seeds (an AE and a VAE of one seed share their initialisation and batch
order) and whether the paired test is narrower; whether the seed variances are alike across the
grid (a pooled variance would need it); the verdicts under each pairing and correction; and the
power table's summary, the seeds that decide 90% of the rows.

    .venv/bin/python benchmarks/claims_design.py --study DIR

DIR is a finished study (its config.yaml and results/scores/). Prints Markdown for
benchmarks/RESULTS.md and writes benchmarks/out/claims_design.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from shapestudy import config as study_config
from shapestudy.data import grid
from shapestudy.evaluation.scores import read as read_score_file
from shapestudy.reporting import claims, formats, statistics, tables

ROOT = Path(__file__).resolve().parents[1]


def current_score_files(folder: Path) -> list[Path]:
    """The score files of a metric's folder that hold the newest scores of their runs. A study
    upgraded in place keeps the files of an older layout (one per point before the evaluation
    jobs were grouped by latent size), which the workflow no longer reads: their runs are all in
    newer files, so they are left out instead of counting those runs twice."""
    newest = {}
    for path in sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime):
        newest.update(dict.fromkeys((section["run"] for section in read_score_file(path)["runs"]), path))
    return sorted(set(newest.values()))


def study_scores(study: Path) -> tuple[dict, claims.Context]:
    config = study_config.validate(yaml.safe_load((study / "config.yaml").read_text()))
    scores = {claim.metric: tables.read_scores(current_score_files(study / "results" / "scores" / claim.metric))
              for claim in claims.CLAIMS.values()}
    context = claims.Context(config["claims"], grid.n_factors(config["data"]["shapes"]), config["figures"]["sigma"],
                             config["evaluation"])
    return scores, context


def pairing(planned: list[claims.Plan]) -> pd.DataFrame:
    """Per two-configuration block: the correlation of its two cells over seeds, and the paired
    and unpaired intervals' half-widths at 95%."""
    rows = []
    for plan in planned:
        for r in range(1, len(plan.weights)):
            plus, minus = np.flatnonzero(plan.weights[r] > 0), np.flatnonzero(plan.weights[r] < 0)
            if len(minus) == 0:
                continue
            a, b = plan.cells.values[plus[0]], plan.cells.values[minus[0]]
            keep = ~np.isnan(a) & ~np.isnan(b)
            widths = {}
            for paired in (False, True):
                c = statistics.contrast(plan.cells.values, plan.cells.point, plan.weights[r:r + 1],
                                        plan.constants[r:r + 1], paired)
                widths[paired] = float(stats.t.ppf(0.975, c.df[0]) * c.se[0])
            correlation = (float(np.corrcoef(a[keep], b[keep])[0, 1])
                           if keep.sum() > 2 and np.std(a[keep]) > 0 and np.std(b[keep]) > 0 else np.nan)
            rows.append({"claim": plan.claim.name, "block": r, "correlation": correlation,
                         "unpaired": widths[False], "paired": widths[True]})
    return pd.DataFrame(rows)


def homogeneity(planned: list[claims.Plan]) -> pd.DataFrame:
    """Per compared score: the spread of the configurations' seed sds, Bartlett's test of equal
    variances across them (Levene's, robust to non-normality, has next to no power with three seeds
    per configuration and is given beside it)."""
    rows, seen = [], set()
    for plan in planned:
        if plan.claim.score in seen:
            continue
        seen.add(plan.claim.score)
        groups = [v[~np.isnan(v)] for v in plan.cells.values if (~np.isnan(v)).sum() > 1]
        sds = np.array([np.std(g, ddof=1) for g in groups])
        usable = [g for g in groups if np.ptp(g) > 0]
        rows.append({"score": plan.claim.score, "cells": len(groups), "sd_min": float(sds.min()),
                     "sd_median": float(np.median(sds)), "sd_max": float(sds.max()),
                     "bartlett_p": float(stats.bartlett(*usable).pvalue),
                     "levene_p": float(stats.levene(*usable, center="median").pvalue)})
    return pd.DataFrame(rows)


def verdicts(scores: dict, context: claims.Context) -> pd.DataFrame:
    """The verdict counts per scope under each pairing and secondary correction (the primary
    family keeps the study's)."""
    rows = []
    for pair in ("unpaired", "paired"):
        for correction in ("holm", "bh"):
            settings = {**context.settings, "pairing": pair, "secondary_correction": correction}
            table = claims.decide_all(scores, claims.Context(settings, context.n_factors, context.sigma,
                                                             context.evaluation))
            for scope, part in table.groupby("scope", sort=False):
                counts = part["verdict"].value_counts()
                rows.append({"pairing": pair, "secondary correction": correction, "scope": scope, "rows": len(part),
                             **{v: int(counts.get(v, 0)) for v in statistics.VERDICTS}})
    return pd.DataFrame(rows)


def simulated(planned: list[claims.Plan], means: list[np.ndarray], rng, studies: int, seeds: int) -> list[np.ndarray]:
    """(studies, U, seeds) values per plan: its cells' `means` plus normal noise of each cell's
    seed sd in the study, independent between cells."""
    values = []
    for plan, mean in zip(planned, means):
        sd = np.nan_to_num(np.nanstd(plan.cells.values, axis=-1, ddof=1))
        values.append(mean[None, :, None] + sd[None, :, None] * rng.standard_normal((studies, len(mean), seeds)))
    return values


def projected(planned: list[claims.Plan], settings: dict, seeds: list[int], studies: int = 200) -> pd.DataFrame:
    """The share of rows decided with n seeds per configuration, were each cell's mean and seed sd
    the truth: studies simulated with normal noise, independent between cells (a run's samplers
    share noise in the study, so the projection is rough where their scores move together), and
    decided by the study's own claims.decide with its corrections."""
    rng = np.random.default_rng(0)
    rows = []
    for n in seeds:
        values = simulated(planned, [np.nanmean(plan.cells.values, axis=-1) for plan in planned], rng, studies, n)
        decided = claims.decide(planned, settings, values)
        undecided = statistics.VERDICTS.index(statistics.UNDECIDED)
        secondary = np.concatenate([d.verdict != undecided for d in decided.secondary], axis=-1)
        primary = decided.primary.verdict != undecided
        rows.append({"seeds": n, "primary decided": float(primary.mean()),
                     "secondary decided": float(secondary.mean()),
                     "all rows decided": float(np.concatenate([primary, secondary], axis=-1).mean())})
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    cells = frame.map(lambda v: f"{v:.3g}" if isinstance(v, float) else str(v))
    return "\n".join(formats.markdown_table(list(frame.columns), cells.itertuples(index=False)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, required=True)
    args = parser.parse_args(argv)
    scores, context = study_scores(args.study.resolve())
    planned = claims.plans(scores, context)
    paired, spread, counts = pairing(planned), homogeneity(planned), verdicts(scores, context)
    table = claims.decide_all(scores, context)
    secondary = table[table["scope"] == claims.SECONDARY]
    result = {"pairing": paired.to_dict("records"), "homogeneity": spread.to_dict("records"),
              "verdicts": counts.to_dict("records"), "seeds_for_90_percent": claims.seeds_for_share(secondary),
              "seeds_for_90_percent_all_rows": claims.seeds_for_share(table)}
    projection = projected(planned, context.settings, [3, 4, 5, 6, 8, 10])
    result["projection"] = projection.to_dict("records")
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "claims_design.json").write_text(json.dumps(result, indent=1))
    print("Paired seeds, per claim (two-configuration blocks): median correlation; blocks where the paired "
          "interval is narrower\n")
    print("| claim | blocks | median correlation | paired narrower | median half-width unpaired | paired |\n"
          "|---|---|---|---|---|---|")
    for claim, rows in paired.groupby("claim", sort=False):
        print(f"| {claim} | {len(rows)} | {rows['correlation'].median():.2f} | "
              f"{int((rows['paired'] < rows['unpaired']).sum())} | {rows['unpaired'].median():.3g} | "
              f"{rows['paired'].median():.3g} |")
    print("\nSeed sds across the configurations of each compared score (tests of equal variances)\n")
    print(markdown(spread))
    print("\nVerdicts per pairing and correction\n")
    print(markdown(counts))
    print("\nShare of the rows decided with n seeds per configuration (simulated from the study's cell means "
          "and seed sds, the study's corrections)\n")
    print(markdown(projection))
    print(f"\nSeeds per configuration at which 90% of the secondary rows reach 80% power: "
          f"{result['seeds_for_90_percent']:g} (all rows: {result['seeds_for_90_percent_all_rows']:g}).")


if __name__ == "__main__":
    main()
