"""Verdicts against the budget: a finished study, and the same study with its cap raised by a factor
(4 by default) and continued (runs stopped at the cap train on from their saved state; converged runs
are restored). For every row of the claims table, its verdict at each budget; for the headline
numbers (exact factor recovery, KL rate, the best sampler's validity and novelty per model and
likelihood), the change; and each flip with its cause (not a pass/fail test).

    .venv/bin/python benchmarks/budget.py --study DIR [--factor 4]
    .venv/bin/python benchmarks/budget.py --study DIR --before OLD

DIR is a finished study (its config.yaml, results/, .snakemake/). The study is copied to DIR-x4
(file times and Snakemake's records kept), its config's training.max_epochs multiplied, and
`snakemake --cores 2` run there. With --before, nothing runs: the same tables compare OLD, a
finished study of the same config made by the code before a change, with DIR, made after it.
Writes benchmarks/out/budget.json and prints Markdown for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from shapestudy import families
from shapestudy.evaluation import samplers
from shapestudy.reporting import claims

ROOT = Path(__file__).resolve().parents[1]
CLAIM_KEYS = ["claim", "scope", *claims.KEYS, "subject", "quantity"]  # a row of the claims table


def continued_study(study: Path, factor: int) -> tuple[Path, float]:
    """The study copied, its cap raised, and run; and the run's seconds."""
    target = study.with_name(f"{study.name}-x{factor}")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(study, target, symlinks=True)
    config = yaml.safe_load((target / "config.yaml").read_text())
    config["training"]["max_epochs"] *= factor
    (target / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake = Path(sys.executable).with_name("snakemake")
    start = time.perf_counter()
    # This project's workflow on the copy (a study folder need not hold the project).
    subprocess.run([str(snakemake), "--cores", "2", "--quiet", "--snakefile", str(ROOT / "Snakefile"), "--configfile",
                    str(target / "config.yaml"), "--directory", str(target)], cwd=ROOT, check=True)
    return target, time.perf_counter() - start


def runs_of(study: Path) -> pd.DataFrame:
    """Every run's configuration and how its training ended."""
    rows = []
    for path in sorted((study / "results" / "models").glob("*/record.json")):
        record = json.loads(path.read_text())
        rows.append({"run": path.parent.name, **{k: record["config"][k] for k in families.RUN_KEYS},
                     "epochs": record["epochs_run"], "converged": record["converged"],
                     "stop_reason": record["stop_reason"]})
    return pd.DataFrame(rows)


def verdicts(before: Path, after: Path, continued: pd.DataFrame, unchanged: str) -> pd.DataFrame:
    """The claims table's rows with their verdict at each budget, and the cause of each flip
    (`unchanged`: the cause named where no run of the row's configurations trained differently)."""
    first = pd.read_csv(before / "results" / "tables" / "claims.csv")
    second = pd.read_csv(after / "results" / "tables" / "claims.csv")
    both = first.merge(second, on=CLAIM_KEYS, suffixes=("", "_x4"), validate="one_to_one")
    both["flipped"] = both["verdict"] != both["verdict_x4"]
    causes = []
    for _, row in both.iterrows():
        if not row["flipped"]:
            causes.append("")
            continue
        same_block = [continued[key] == row[key] for key in claims.KEYS]
        involved = continued[pd.concat(same_block, axis=1).all(axis=1)]
        causes.append("continued runs: " + ", ".join(f"{r.run} ({r.epochs_before} -> {r.epochs} epochs)"
                                                      for r in involved.itertuples()) if len(involved)
                      else unchanged)
    both["cause"] = causes
    return both


def verdict_counts(table: pd.DataFrame, labels: tuple[str, str]) -> str:
    """Markdown: per scope, how many rows have each of the four verdicts at each budget (labels: the
    first study's and the second's)."""
    kinds = ["supported", "contradicted", "equivalent", "undecided"]
    lines = ["| scope | budget | " + " | ".join(kinds) + " |", "|---|---|" + "---|" * len(kinds)]
    for scope, rows in table.groupby("scope", sort=False):
        for budget, column in zip(labels, ("verdict", "verdict_x4")):
            counts = rows[column].value_counts()
            lines.append(f"| {scope} | {budget} | " + " | ".join(str(int(counts.get(k, 0))) for k in kinds) + " |")
    return "\n".join(lines) + "\n"


def headline(study: Path, sigma: float) -> pd.DataFrame:
    """Per configuration: exact factor recovery, KL rate at sigma, and the best sampler's validity and novelty."""
    tables = study / "results" / "tables"
    keys = list(families.POINT_KEYS)
    recovery = pd.read_csv(tables / "reconstruction.csv")[[*keys, "factor_recovery_mean"]]
    rate = pd.read_csv(tables / "rate.csv")
    rate = rate[(rate["sigma"] - sigma).abs() < 1e-12][[*keys, "kl_rate_bits_mean"]]
    samples = pd.read_csv(tables / "sample_quality.csv")
    samples = samples[~samples["sampler"].map(samplers.is_sweep)]  # a tiny bandwidth replays the training codes
    best = samples.loc[samples.groupby(keys)["validity_mean"].idxmax(), [*keys, "sampler", "validity_mean",
                                                                         "novelty_mean"]]
    return recovery.merge(rate, on=keys).merge(best, on=keys)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, required=True)
    parser.add_argument("--factor", type=int, default=4)
    parser.add_argument("--before", type=Path, help="a finished study made by the code before a change: "
                        "compared with --study instead of continuing it")
    args = parser.parse_args(argv)
    study = args.study.resolve()
    sigma = yaml.safe_load((study / "config.yaml").read_text())["figures"]["sigma"]
    if args.before:
        (before, after, seconds), labels = (args.before.resolve(), study, 0.0), ("before", "after")
        unchanged = "the code's change of the scores: the row's own, or through its family's correction, another row's"
    else:
        (after, seconds), before, labels = continued_study(study, args.factor), study, ("x1", f"x{args.factor}")
        unchanged = "no run of these configurations changed (a change of the interval's other side)"
    runs_before, runs_after = runs_of(before), runs_of(after)
    changed = runs_after.merge(runs_before[["run", "epochs", "converged"]], on="run", suffixes=("", "_before"))
    continued = changed[changed["epochs"] != changed["epochs_before"]]
    table = verdicts(before, after, continued, unchanged)
    numbers = headline(before, sigma).merge(headline(after, sigma), on=list(families.POINT_KEYS),
                                            suffixes=("", "_x4"))
    result = {
        "factor": args.factor, "seconds_continued": seconds,
        "runs": len(runs_before), "converged_before": int(runs_before["converged"].sum()),
        "converged_after": int(runs_after["converged"].sum()), "continued": continued.to_dict("records"),
        "claims": table.to_dict("records"), "headline": numbers.to_dict("records"),
    }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "budget.json").write_text(json.dumps(result, indent=1, default=str))
    if args.before:
        print(f"{before} against {study}: {result['converged_before']} and {result['converged_after']} of "
              f"{result['runs']} runs converged; {len(continued)} runs trained a different number of epochs.\n")
    else:
        print(f"Budget x{args.factor}: {result['converged_before']} of {result['runs']} runs converged at the cap, "
              f"{result['converged_after']} at {args.factor}x; {len(continued)} runs continued, in {seconds:.0f} s.\n")
    print(f"| claim | likelihood | latent | compared | quantity | verdict | verdict {labels[1]} | cause of a flip |\n"
          "|---|---|---|---|---|---|---|---|")
    for _, row in table.iterrows():
        print(f"| {row['claim']} ({row['scope']}) | {row['reconstruction']} | {row['latent_dim']} | {row['subject']} | {row['quantity']} | "
              f"{row['verdict']} | "
              f"{row['verdict_x4']} | {row['cause']} |")
    print(f"\nFlips: {int(table['flipped'].sum())} of {len(table)} rows.\n")
    print(verdict_counts(table, labels))
    print(f"| model | likelihood | latent | β | exact recovery | {labels[1]} | KL rate (bits) | {labels[1]} | best sampler | "
          f"validity | {labels[1]} | novelty | {labels[1]} |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for _, r in numbers.iterrows():
        print(f"| {r['model']} | {r['reconstruction']} | {r['latent_dim']} | {r['beta']:g} | {r['factor_recovery_mean']:.3f} | "
              f"{r['factor_recovery_mean_x4']:.3f} | {r['kl_rate_bits_mean']:.3g} | {r['kl_rate_bits_mean_x4']:.3g} | "
              f"{r['sampler']} | {r['validity_mean']:.3f} | {r['validity_mean_x4']:.3f} | {r['novelty_mean']:.3f} | "
              f"{r['novelty_mean_x4']:.3f} |")


if __name__ == "__main__":
    main()
