"""Batch size and plateau rule by time to converged quality: each representative configuration of
benchmarks/convergence.py trained under the default study's rule (config.yaml), and with other batch
and step sizes, a shorter patience or a looser tolerance: epochs, seconds, and the best validation
loss against the default (not a pass/fail test).

    .venv/bin/python benchmarks/batch_size.py            # ~15 min on 2 cores

Writes benchmarks/out/batch_size.json and prints a Markdown table. The loss is per image (summed
over pixels), so losses of different batch sizes compare directly. Seconds: epochs x the run's
median seconds per epoch, one pinned core per run (two runs side by side).
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from convergence import CONFIGURATIONS, load_splits, run_one  # noqa: E402

TRAINING = yaml.safe_load((ROOT / "config.yaml").read_text())["training"]
DEFAULT = {key: TRAINING[key] for key in ("warmup_epochs", "learning_rate", "patience", "tolerance", "reductions",
                                          "reduction_factor", "max_epochs", "batch_size")}
DEFAULT["hidden"] = tuple(TRAINING["hidden"])
# Each option: what differs from the default study's training.
OPTIONS = {
    "default": {},
    "b32-lr4e-3": dict(batch_size=32, learning_rate=4e-3),  # the default before issue 26
    "b128-lr8e-3": dict(batch_size=128, learning_rate=8e-3),
    "patience4": dict(patience=4),
    "patience3": dict(patience=3),
    "tolerance5e-3": dict(tolerance=5e-3),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        load_splits(Path(directory))
        tasks = [(name, option, {**fields, **DEFAULT, **OPTIONS[option]}, directory)
                 for name, fields in CONFIGURATIONS.items() for option in OPTIONS]
        with multiprocessing.get_context("spawn").Pool(2, maxtasksperchild=1) as pool:
            results = pool.map(run_one, tasks, chunksize=1)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "batch_size.json").write_text(json.dumps(results, indent=1))
    lines = ["| configuration | option | epochs | stop | seconds | best validation loss | gap to the default |",
             "|---|---|---|---|---|---|---|"]
    for name in CONFIGURATIONS:
        runs = {r["option"]: r for r in results if r["configuration"] == name}
        reference = min(runs["default"]["validation_loss"])
        for option, run in runs.items():
            epochs, best = len(run["validation_loss"]), min(run["validation_loss"])
            lines.append(f"| {name} | {option} | {epochs} | {run['verdict']['stop_reason']} | "
                         f"{epochs * run['seconds_per_epoch']:.0f} | {best:.3f} | {100 * (best - reference) / reference:+.1f}% |")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
