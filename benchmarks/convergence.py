"""Time to convergence: for candidate settings of the plateau rule (step-size reductions and stop),
how many epochs and seconds a run takes to converge, and how far its best validation loss is from
a long reference run of the same configuration (not a pass/fail test).

    .venv/bin/python benchmarks/convergence.py                        # every option, ~40 CPU-min
    .venv/bin/python benchmarks/convergence.py --options p5-r4 --merge

Every run trains with the project's own code (train.train) on the default data, seed 0, one
process per core (pinned, as workflow jobs are), until the rule stops it. The rule sets the step
size, so each option is a training of its own (unlike a stopping rule alone, it cannot be read off
one long curve). The reference is the same configuration under a strict rule (patience 20,
tolerance 0.05%, 6 reductions, up to --reference-epochs epochs). The gap is (best validation loss
of the option - the reference's) / the reference's, in percent.

Writes benchmarks/convergence.md (a table per configuration) and benchmarks/out/convergence.json;
--merge keeps the runs already in that file and trains only the missing ones. Epoch counts and
losses do not depend on the machine's load; seconds do (a shared machine): they are the median
seconds per epoch of each run times its epochs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Representative configurations: an AE and VAEs, both likelihoods, small and large latents.
CONFIGURATIONS = {
    "ae-bce-z4": dict(model="ae", latent_dim=4, reconstruction="bce"),
    "ae-mse-z16": dict(model="ae", latent_dim=16, reconstruction="mse"),
    "vae-bce-z8-b1": dict(model="vae", latent_dim=8, beta=1.0, reconstruction="bce"),
    "vae-mse-z4-b4": dict(model="vae", latent_dim=4, beta=4.0, reconstruction="mse"),
}
# What every option shares: the default study's network, batch and step size.
BASE = dict(hidden=(256, 128), batch_size=32, learning_rate=4e-3, warmup_epochs=2, reduction_factor=0.5,
            tolerance=0.002, max_epochs=600)
# Option names: patience, reductions (and what else differs from BASE).
OPTIONS = {
    "p4-r3": dict(patience=4, reductions=3),
    "p5-r3": dict(patience=5, reductions=3),
    "p5-r4": dict(patience=5, reductions=4),
    "p8-r4": dict(patience=8, reductions=4),
}
REFERENCE = dict(patience=20, tolerance=0.0005, reductions=6)


def load_splits(directory: Path):
    from shapestudy.data import dataset
    from shapestudy.data.grid import FactorGrid

    path = directory / "shapes.parquet"
    if not path.exists():
        dataset.write_parquet(dataset.generate(FactorGrid(), {"train": 0.8, "validation": 0.1, "test": 0.1}, 0), path)
    return dataset.load(path, "train").images, dataset.load(path, "validation").images


def run_one(task) -> dict:
    """One training of `task` = (configuration, option, fields, data directory), pinned to a free
    core the way workflow jobs are (cpus.claim_cores)."""
    name, option, fields, directory = task
    from shapestudy.jobs import cpus

    cpus.claim_cores(1)
    cpus.configure_xla()
    from shapestudy.training import train

    config = train.TrainConfig(**{"arch": "mlp", "seed": 0, **fields})
    _, history, verdict = train.train(config, *load_splits(Path(directory)), log=lambda line: None)
    seconds = statistics.median(history["seconds"].iloc[1:]) if len(history) > 1 else history["seconds"].iloc[0]
    return {"configuration": name, "option": option, "seed": config.seed, "config": dataclasses.asdict(config),
            "validation_loss": history["validation_loss"].astype(float).tolist(), "seconds_per_epoch": seconds,
            "verdict": verdict.record()}


def report(results: list[dict], names) -> str:
    lines = ["# Time to convergence", "",
             f"Every option: {BASE} with the patience and reductions its name gives. Seconds: epochs x the run's "
             "median seconds per epoch, on one pinned core while the other core ran another training. Gap: best "
             f"validation loss against the reference run's ({REFERENCE}), in percent.", ""]
    for name in names:
        runs = {r["option"]: r for r in results if r["configuration"] == name}
        reference = min(runs["reference"]["validation_loss"])
        lines += [f"## {name}", "", f"Reference: {len(runs['reference']['validation_loss'])} epochs "
                  f"({runs['reference']['verdict']['stop_reason']}), best validation loss {reference:.3f}.", "",
                  "| option | epochs | stop | seconds | best validation loss | gap to the reference |",
                  "|---|---|---|---|---|---|"]
        for option in sorted(o for o in runs if o != "reference"):
            run = runs[option]
            epochs, best = len(run["validation_loss"]), min(run["validation_loss"])
            lines.append(f"| {option} | {epochs} | {run['verdict']['stop_reason']} | "
                         f"{epochs * run['seconds_per_epoch']:.0f} | {best:.3f} | "
                         f"{100 * (best - reference) / reference:+.1f}% |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-epochs", type=int, default=400)
    parser.add_argument("--options", nargs="*", default=list(OPTIONS), choices=list(OPTIONS))
    parser.add_argument("--configurations", nargs="*", default=list(CONFIGURATIONS), choices=list(CONFIGURATIONS))
    parser.add_argument("--merge", action="store_true", help="keep the runs of benchmarks/out/convergence.json")
    args = parser.parse_args(argv)
    out = ROOT / "benchmarks" / "out"
    kept = json.loads((out / "convergence.json").read_text()) if args.merge else []
    done = {(r["configuration"], r["option"]) for r in kept}
    with tempfile.TemporaryDirectory() as directory:
        load_splits(Path(directory))
        tasks = []
        for name in args.configurations:
            reference = dict(BASE, **REFERENCE, max_epochs=args.reference_epochs)
            for option, fields in [("reference", reference), *((o, dict(BASE, **OPTIONS[o])) for o in args.options)]:
                if (name, option) not in done:
                    tasks.append((name, option, {**CONFIGURATIONS[name], **fields}, directory))
        tasks.sort(key=lambda task: task[1] != "reference")  # the long references first: two workers, one per core
        with multiprocessing.get_context("spawn").Pool(2, maxtasksperchild=1) as pool:
            results = kept + pool.map(run_one, tasks, chunksize=1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "convergence.json").write_text(json.dumps(results, indent=1))
    text = report(results, args.configurations)
    (ROOT / "benchmarks" / "convergence.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
