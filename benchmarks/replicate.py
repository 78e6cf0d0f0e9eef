"""Do the verdicts replicate? The default study run again with fresh seeds (none of the first run's),
from clean, and its claims compared with a finished study's, row by row (not a pass/fail test).

    .venv/bin/python benchmarks/replicate.py --study DIR [--seeds 5 6 7 8 9] [--config config.yaml] [--compare-only]

DIR is a finished study (its results/). The config (config.yaml by default) is run with every
model's seed list replaced by --seeds (by default as many as the config's, each above its largest),
in DIR-seeds-5-6-7-8-9 (from clean: a folder left by an earlier
run is removed), timed; with --compare-only, a finished DIR-seeds-... is compared as it is. Writes benchmarks/out/replicate.json and prints Markdown for
benchmarks/RESULTS.md: the primary verdicts side by side, and the secondary verdicts' agreement.
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

from shapestudy.reporting import claims

ROOT = Path(__file__).resolve().parents[1]
KEYS = ["claim", "scope", *claims.KEYS, "subject", "quantity"]  # a row of the claims table


def fresh_study(config_path: Path, seeds: list[int], target: Path) -> float:
    """The config with the given seeds, run from clean in `target`; the run's seconds."""
    config = yaml.safe_load(config_path.read_text())
    for axes in config["sweep"].values():
        axes["seed"] = seeds
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake = Path(sys.executable).with_name("snakemake")
    start = time.perf_counter()
    subprocess.run([str(snakemake), "--cores", "2", "--quiet", "--snakefile", str(ROOT / "Snakefile"),
                    "--configfile", str(target / "config.yaml"), "--directory", str(target)], cwd=ROOT, check=True)
    return time.perf_counter() - start


def fresh_seeds(config_path: Path) -> list[int]:
    """As many seeds as the config's largest seed list, each above all of its seeds: none reused."""
    lists = [axes["seed"] for axes in yaml.safe_load(config_path.read_text())["sweep"].values()]
    start = 1 + max(max(seeds) for seeds in lists)
    return list(range(start, start + max(map(len, lists))))


def compared(first: Path, second: Path) -> pd.DataFrame:
    """The claims tables of two studies side by side, one row per comparison."""
    a = pd.read_csv(first / "results" / "tables" / "claims.csv")
    b = pd.read_csv(second / "results" / "tables" / "claims.csv")
    both = a.merge(b, on=KEYS, suffixes=("", "_fresh"), validate="one_to_one")
    return both.assign(same=both["verdict"] == both["verdict_fresh"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", help="default: as many as the config's, none of them")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--compare-only", action="store_true", help="compare a finished fresh-seed study")
    args = parser.parse_args(argv)
    study = args.study.resolve()
    args.seeds = args.seeds or fresh_seeds(args.config.resolve())
    target = study.with_name(f"{study.name}-seeds-{'-'.join(map(str, args.seeds))}")
    seconds = float("nan") if args.compare_only else fresh_study(args.config.resolve(), args.seeds, target)
    both = compared(study, target)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "replicate.json").write_text(json.dumps({"seeds": args.seeds, "seconds": seconds,
                                                    "rows": both.to_dict("records")}, indent=1, default=str))
    print(f"Fresh seeds {args.seeds}: the study from clean in {seconds:.0f} s.\n")
    print("| claim | verdict | difference [interval] | fresh seeds: verdict | difference [interval] |\n|---|---|---|---|---|")
    for _, r in both[both["scope"] == "primary"].iterrows():
        print(f"| {r['claim']} | {r['verdict']} | {r['difference']:.3g} [{r['low']:.3g}, {r['high']:.3g}] | "
              f"{r['verdict_fresh']} | {r['difference_fresh']:.3g} [{r['low_fresh']:.3g}, {r['high_fresh']:.3g}] |")
    print("\n| scope | rows | same verdict | reversed (supported <-> contradicted) |\n|---|---|---|---|")
    for scope, rows in both.groupby("scope", sort=False):
        flipped = rows.apply(lambda r: {r["verdict"], r["verdict_fresh"]} == {"supported", "contradicted"}, axis=1)
        print(f"| {scope} | {len(rows)} | {int(rows['same'].sum())} | {int(flipped.sum())} |")


if __name__ == "__main__":
    main()
