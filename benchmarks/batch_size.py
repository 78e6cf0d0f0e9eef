"""Batch size and plateau rule by time to converged quality: each representative configuration of
benchmarks/convergence.py trained under the default study's rule (config.yaml), and with other batch
and step sizes, a shorter patience or a looser tolerance: epochs, seconds, and the best validation
loss against the default (not a pass/fail test).

    .venv/bin/python benchmarks/batch_size.py            # ~15 min on 2 cores
    .venv/bin/python benchmarks/batch_size.py --options default factor0.3-r2 --seeds 0 1 2

Writes benchmarks/out/batch_size.json and prints a Markdown table. The loss is per image (summed
over pixels), so losses of different batch sizes compare directly. Seconds: epochs x the run's
median seconds per epoch, one pinned core per run (two runs side by side).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from convergence import CONFIGURATIONS, load_splits, run_one  # noqa: E402

TRAINING = yaml.safe_load((ROOT / "config.yaml").read_text())["training"]
DEFAULT = {key: TRAINING[key] for key in ("warmup_epochs", "learning_rate", "patience", "tolerance", "reductions",
                                          "reduction_factor", "max_epochs", "batch_size", "matmul")}
DEFAULT["hidden"] = tuple(TRAINING["hidden"])
# Each option: what differs from the default study's training.
OPTIONS = {
    "default": {},
    "b32-lr4e-3": dict(batch_size=32, learning_rate=4e-3),  # the default before issue 26
    "b128-lr8e-3": dict(batch_size=128, learning_rate=8e-3),
    "float32": dict(matmul="float32"),  # the default before the bfloat16 products
    "patience4": dict(patience=4),
    "patience3": dict(patience=3),
    "tolerance5e-3": dict(tolerance=5e-3),
    # Fewer, deeper step-size reductions: fewer plateaus to wait through, a lower last step.
    "factor0.3-r2": dict(reduction_factor=0.3, reductions=2),
    "factor0.25-r2": dict(reduction_factor=0.25, reductions=2),
    "factor0.1-r1": dict(reduction_factor=0.1, reductions=1),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--options", nargs="*", default=list(OPTIONS), choices=list(OPTIONS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0], help="each option trained with each seed")
    args = parser.parse_args(argv)
    options = ["default", *(o for o in args.options if o != "default")]
    with tempfile.TemporaryDirectory() as directory:
        load_splits(Path(directory))
        tasks = [(name, option, {**fields, **DEFAULT, **OPTIONS[option], "seed": seed}, directory)
                 for name, fields in CONFIGURATIONS.items() for option in options for seed in args.seeds]
        with multiprocessing.get_context("spawn").Pool(2, maxtasksperchild=1) as pool:
            results = pool.map(run_one, tasks, chunksize=1)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "batch_size.json").write_text(json.dumps(results, indent=1))
    print(table(results, options, args.seeds))


def table(results: list[dict], options, seeds) -> str:
    """One row per configuration and option; with several seeds, epochs, seconds and the best loss
    are means over the seeds and the gap is the mean of each seed's gap to the same seed's default."""
    lines = ["| configuration | option | epochs | stop | seconds | best validation loss | gap to the default |",
             "|---|---|---|---|---|---|---|"]
    for name in CONFIGURATIONS:
        runs = {(r["option"], r["seed"]): r for r in results if r["configuration"] == name}
        for option in options:
            rows = [runs[option, seed] for seed in seeds]
            best = [min(run["validation_loss"]) for run in rows]
            gaps = [(b - min(runs["default", seed]["validation_loss"])) / min(runs["default", seed]["validation_loss"])
                    for b, seed in zip(best, seeds)]
            epochs = [len(run["validation_loss"]) for run in rows]
            seconds = [e * run["seconds_per_epoch"] for e, run in zip(epochs, rows)]
            stops = "/".join(sorted({run["verdict"]["stop_reason"] for run in rows}))
            lines.append(f"| {name} | {option} | {statistics.mean(epochs):.0f} | {stops} | "
                         f"{statistics.mean(seconds):.0f} | {statistics.mean(best):.3f} | "
                         f"{100 * statistics.mean(gaps):+.1f}% |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
