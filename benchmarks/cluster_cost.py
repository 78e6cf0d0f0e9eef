"""The training CPU time of a sweep, estimated from sample trainings on this machine (not a test).

    .venv/bin/python benchmarks/cluster_cost.py                      # configs/cluster.yaml, 5 epochs
    .venv/bin/python benchmarks/cluster_cost.py --config config.yaml --epochs 3

For each architecture of the config's sweep, trains an AE and a VAE (the sweep's middle latent
size; the first beta and likelihood) for a few epochs with the project's own code (train.train) on
the config's data, in one process pinned to one core, as a cluster job with one CPU runs. The median CPU seconds
of an epoch after the first (which compiles) times the epoch cap times the runs of that
architecture and model is an upper bound on the sweep's training CPU time: a run stops earlier on a
plateau. Prints the arithmetic (docs/cluster.md). CPU seconds depend less on the
machine's load than wall seconds, but not on nothing (shared caches and cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seconds_per_epoch(run: dict, epochs: int, splits) -> float:
    """The median CPU seconds of the process per epoch after the first: CPU time, not wall time,
    so that other processes on a shared machine inflate it less."""
    from shapestudy.training import train

    config = dataclasses.replace(train.TrainConfig(**run), max_epochs=epochs, patience=epochs)
    ends = [time.process_time()]
    train.train(config, *splits, log=lambda line: ends.append(time.process_time()))  # called after each epoch
    return statistics.median(later - earlier for earlier, later in zip(ends[1:], ends[2:]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "cluster.yaml"))
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    import yaml

    from shapestudy import config as study_config
    from shapestudy.data import dataset

    # One core, whatever other processes hold (a private lock folder): a cluster job has one CPU.
    from shapestudy.jobs import cpus
    pinned = cpus.claim_cores(1, tempfile.mkdtemp())
    cpus.configure_xla()
    config = yaml.safe_load(Path(args.config).read_text())
    study_config.validate(config)
    split_fractions, seed = config["data"]["splits"], config["data"]["seed"]
    table = dataset.generate(study_config.grid(config), split_fractions, seed)
    path = ROOT / "benchmarks" / "out" / "cluster_cost.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.write_parquet(table, path)
    splits = dataset.load(path, "train").images, dataset.load(path, "validation").images
    runs = study_config.runs(config)
    count = Counter((run["arch"], run["model"]) for run in runs.values())
    cap = config["training"]["max_epochs"]
    total = 0.0
    print(f"{len(runs)} runs, at most {cap} epochs each, {len(splits[0])} training images; measured over "
          f"{args.epochs} epochs on cores {sorted(pinned) if pinned else 'unpinned'}")
    for (arch, model), n in sorted(count.items()):
        sample = [run for run in runs.values() if run["arch"] == arch and run["model"] == model]
        latent = sorted({run["latent_dim"] for run in sample})[len({run["latent_dim"] for run in sample}) // 2]
        run = next(run for run in sample if run["latent_dim"] == latent)
        seconds = seconds_per_epoch(run, args.epochs, splits)
        hours = n * cap * seconds / 3600
        total += hours
        print(f"{arch} {model} (z{latent}): {seconds:.2f} CPU-s/epoch x {cap} epochs x {n} runs = {hours:.1f} CPU-hours")
    print(f"training, upper bound: {total:.1f} CPU-hours")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
