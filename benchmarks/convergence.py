"""Time to quality: validation loss against wall time for training options, against a long
reference run of the same configuration (not a pass/fail test).

    .venv/bin/python benchmarks/convergence.py                       # every option, ~35 CPU-min
    .venv/bin/python benchmarks/convergence.py --options h256-b32-4e-3-40 --merge

Every run trains with the project's own code (train.train) on the default data, one process per
core (pinned), with the stopping rule switched off (patience = the cap) so that the whole curve is
recorded; where the configured stopping rule (config.yaml: patience, tolerance) would have stopped
is then read off the curve, since the rule depends on the history alone. The reference is a run of
the same configuration and hidden widths for --reference-epochs epochs with a warmup-cosine schedule
over them (peak 3e-3, batch 128). The gap is (best validation loss of the option - the reference's)
/ the reference's, in percent, against the reference of the option's widths and against the best
reference of any width (the best quality this study has seen for the configuration).

Writes benchmarks/convergence.md (a table per configuration) and benchmarks/out/convergence.json;
--merge keeps the runs already in that file and trains only the missing ones.
Epoch counts and losses do not depend on the machine's load; seconds do (a shared machine): they
are the median seconds per epoch of each run times its epochs.
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

# Representative configurations: an AE and two VAEs, both likelihoods, small and large latents.
CONFIGURATIONS = {
    "ae-bce-z4": dict(model="ae", latent_dim=4, reconstruction="bce"),
    "vae-bce-z8-b1": dict(model="vae", latent_dim=8, beta=1.0, reconstruction="bce"),
    "vae-mse-z4-b4": dict(model="vae", latent_dim=4, beta=4.0, reconstruction="mse"),
}
WIDE, NARROW = (512, 256), (256, 128)
COSINE = dict(schedule="warmup_cosine", warmup_epochs=2)
# Option names: hidden widths, batch, peak learning rate, epoch cap.
OPTIONS = {
    "h512-b128-constant-1e-3-60": dict(schedule="constant", learning_rate=1e-3, max_epochs=60, hidden=WIDE),
    "h512-b128-3e-3-40": dict(COSINE, learning_rate=3e-3, max_epochs=40, hidden=WIDE),
    "h512-b128-3e-3-60": dict(COSINE, learning_rate=3e-3, max_epochs=60, hidden=WIDE),
    "h512-b256-3e-3-60": dict(COSINE, learning_rate=3e-3, max_epochs=60, batch_size=256, hidden=WIDE),
    "h512-b32-2e-3-40": dict(COSINE, learning_rate=2e-3, max_epochs=40, batch_size=32, hidden=WIDE),
    "h256-b64-3e-3-40": dict(COSINE, learning_rate=3e-3, max_epochs=40, batch_size=64, hidden=NARROW),
    "h256-b32-4e-3-40": dict(COSINE, learning_rate=4e-3, max_epochs=40, batch_size=32, hidden=NARROW),
    "h256-b32-3e-3-60": dict(COSINE, learning_rate=3e-3, max_epochs=60, batch_size=32, hidden=NARROW),
}


def reference(hidden, epochs: int) -> tuple[str, dict]:
    """The long run that options of these hidden widths are measured against."""
    name = "reference-" + "-".join(map(str, hidden))
    return name, dict(COSINE, learning_rate=3e-3, batch_size=128, max_epochs=epochs, hidden=hidden)


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

    config = train.TrainConfig(arch="mlp", seed=0, **fields)
    config = dataclasses.replace(config, patience=config.max_epochs)  # the whole curve
    _, history, _ = train.train(config, *load_splits(Path(directory)), log=lambda line: None)
    seconds = statistics.median(history["seconds"].iloc[1:]) if len(history) > 1 else history["seconds"].iloc[0]
    return {"configuration": name, "option": option, "config": dataclasses.asdict(config),
            "validation_loss": history["validation_loss"].astype(float).tolist(), "seconds_per_epoch": seconds}


def stop_of(curve: list[float], patience: int, tolerance: float, max_epochs: int):
    """Where the stopping rule would have stopped this curve: (epochs, best loss, reason)."""
    from shapestudy.training import stopping

    for epoch in range(1, len(curve) + 1):
        verdict = stopping.assess(curve[:epoch], patience, tolerance, max_epochs)
        if verdict.stop:
            return epoch, min(curve[:epoch]), verdict.stop_reason
    return len(curve), min(curve), "max_epochs"


def is_reference(run: dict) -> bool:
    return run["option"].startswith("reference-")


def report(results: list[dict], names, patience: int, tolerance: float) -> str:
    lines = ["# Time to quality", "",
             f"Stopping rule applied to each curve: patience {patience}, tolerance {tolerance:g} (config.yaml). "
             "Seconds: epochs x the run's median seconds per epoch, on one pinned core while the other core ran "
             "another training. Gap: best validation loss against the reference run's, in percent.", ""]
    for name in names:
        runs = [r for r in results if r["configuration"] == name]
        references = {tuple(r["config"]["hidden"]): min(r["validation_loss"]) for r in runs if is_reference(r)}
        best_reference = min(references.values())
        lines += [f"## {name}", ""]
        for run in filter(is_reference, runs):
            lines.append(f"- Reference, widths {'-'.join(map(str, run['config']['hidden']))}: "
                         f"{len(run['validation_loss'])} epochs, best validation loss {min(run['validation_loss']):.3f}.")
        lines += ["", "| option | stopped at epoch | reason | seconds | best validation loss | gap to its widths' "
                  "reference | gap to the best reference |", "|---|---|---|---|---|---|---|"]
        for run in sorted((r for r in runs if not is_reference(r)), key=lambda r: r["option"]):
            curve = run["validation_loss"]
            epochs, best, reason = stop_of(curve, patience, tolerance, run["config"]["max_epochs"])
            own = references[tuple(run["config"]["hidden"])]
            lines.append(f"| {run['option']} | {epochs} | {reason} | {epochs * run['seconds_per_epoch']:.0f} | "
                         f"{best:.3f} | {100 * (best - own) / own:+.1f}% | "
                         f"{100 * (best - best_reference) / best_reference:+.1f}% |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-epochs", type=int, default=300)
    parser.add_argument("--options", nargs="*", default=list(OPTIONS), choices=list(OPTIONS))
    parser.add_argument("--configurations", nargs="*", default=list(CONFIGURATIONS), choices=list(CONFIGURATIONS))
    parser.add_argument("--merge", action="store_true", help="keep the runs of benchmarks/out/convergence.json")
    args = parser.parse_args(argv)
    out = ROOT / "benchmarks" / "out"
    kept = json.loads((out / "convergence.json").read_text()) if args.merge else []
    done = {(r["configuration"], r["option"]) for r in kept}
    import yaml

    training = yaml.safe_load((ROOT / "config.yaml").read_text())["training"]
    with tempfile.TemporaryDirectory() as directory:
        load_splits(Path(directory))
        tasks = []
        for name in args.configurations:
            widths = dict.fromkeys(OPTIONS[option]["hidden"] for option in args.options)
            for option, fields in [*(reference(hidden, args.reference_epochs) for hidden in widths),
                                   *((option, OPTIONS[option]) for option in args.options)]:
                if (name, option) not in done:
                    tasks.append((name, option, {**CONFIGURATIONS[name], **fields}, directory))
        tasks.sort(key=lambda task: -task[2]["max_epochs"])  # longest first: two workers, one per core
        with multiprocessing.get_context("spawn").Pool(2, maxtasksperchild=1) as pool:
            results = kept + pool.map(run_one, tasks, chunksize=1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "convergence.json").write_text(json.dumps(results, indent=1))
    text = report(results, args.configurations, training["patience"], training["tolerance"])
    (ROOT / "benchmarks" / "convergence.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
