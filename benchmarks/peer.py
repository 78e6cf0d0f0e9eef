"""The project beside the peer a user would pick: the same MLP AE and VAE trained with the
project's JAX code (train.train) and with Pythae (PyTorch), on the same images with matched
settings, one process per framework, each pinned to one core.

    .venv/bin/python benchmarks/peer.py                      # 30 epochs, latent 8, one after the other
    .venv/bin/python benchmarks/peer.py --epochs 3           # a quick check
    .venv/bin/python benchmarks/peer.py --concurrent         # JAX on core 0, Pythae on core 1 at once
    .venv/bin/python benchmarks/peer.py --init torch         # the project's layers initialised as torch's
    .venv/bin/python benchmarks/peer.py --compilation-cache DIR   # twice: the second as a study's later jobs

The project's first epoch compiles its programs (XLA), 2-3 s. In a study only the first job of
each architecture and latent size does: the others load the programs from the study's compilation
cache (jobs.cpus.compilation_cache). --compilation-cache DIR keeps them in DIR; run twice, the second
run's first epoch is what a study's later jobs pay.

Needs the peer venv (Pythae must not touch the project's pinned stack), torch's CPU build first
(a plain `pip install torch` brings the multi-GB CUDA build); worked with torch 2.13.0+cpu, pythae
0.1.2, pydantic 2.14.4, numpy 2.4.6 on Python 3.11:
    python3 -m venv benchmarks/.venv-peer
    benchmarks/.venv-peer/bin/pip install torch==2.13.0   # the CPU wheel
    benchmarks/.venv-peer/bin/pip install pythae==0.1.2 numpy

Matched (config.yaml): the default data (generated here if missing), MLP 784-256-128-latent and
mirror, AE with summed squared error, VAE (beta 1) with Bernoulli cross-entropy, both summed over
pixels (KL over latents) and averaged over the batch; Adam at a constant 4e-3 (no warmup, no
reductions), batch 32, full batches only, the same epochs. Both evaluate the whole validation
split in one batch after each epoch, a VAE with one sampled z per image. The Pythae side is
benchmarks/peer_pythae.py, run by the peer venv's python; it says what its epoch times include.

Reports per framework and model: the median seconds per epoch after the first, the first epoch
(the project's includes XLA compilation), the best validation loss and its epoch, and the time
(summed epoch seconds, first epoch included) to reach a common target: the worse of the two
best validation losses, which both reach. Writes benchmarks/out/peer.json (curves, settings,
versions, load averages) and prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
PEER_PYTHON = ROOT / "benchmarks" / ".venv-peer" / "bin" / "python"
# What differs between the two loops and could not be matched through Pythae's API.
DIFFERENCES = [
    (
        "initialisation: each framework's default (Flax Dense: LeCun normal weights, zero biases; "
        "torch Linear: uniform +-1/sqrt(fan_in) weights and biases)"
    ),
    "random streams: batch order and VAE noise are drawn by each framework's own generator from the same seed",
    (
        "VAE cross-entropy: the project's on logits (softplus(l) - x l); Pythae's F.binary_cross_entropy on sigmoid "
        "probabilities, log clamped at -100"
    ),
    (
        "Pythae's training loader drops the last partial batch only through a one-method subclass of "
        "BaseTrainer (get_train_dataloader); its stock loader keeps it (--keep-last-batch)"
    ),
    (
        "Pythae's epoch time includes per-image Dataset indexing and collation, tqdm progress bars, the "
        "console log and a deepcopy of the model on each improving epoch; the project's a jitted scan "
        "over the epoch's batches and a jitted evaluation"
    ),
]


def pin(core: int) -> None:
    """Run on one core; called before JAX is imported, since XLA sizes its pool from the mask."""
    os.sched_setaffinity(0, {core})


def load_images(path: Path):
    """The default study's train and validation images, uint8 (n, 28, 28); generated if missing."""
    from shapestudy.data import dataset
    from shapestudy.data.grid import FactorGrid

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        table = dataset.generate(FactorGrid(), {"train": 0.8, "validation": 0.1, "test": 0.1}, 0)
        dataset.write_parquet(table, str(path))
    return dataset.load(str(path), "train").images, dataset.load(str(path), "validation").images


def save_unit_images(train_images, validation_images, path: Path) -> None:
    """The same images for Pythae, as float32 in [0, 1] through the project's own conversion."""
    import numpy as np

    from shapestudy.data import pixels

    np.savez(path, train=pixels.to_unit(train_images), validation=pixels.to_unit(validation_images))


def start_pythae(args, data: Path, out: Path, core: int) -> subprocess.Popen:
    """The Pythae side in the peer venv, pinned to `core`; its own log (tqdm bars) to a file."""
    command = [
        str(PEER_PYTHON), str(ROOT / "benchmarks" / "peer_pythae.py"), "--data", str(data), "--out", str(out),
        "--output-dir", str(OUT / "peer" / "pythae"), "--models", *args.models, "--epochs", str(args.epochs),
        "--latent-dim", str(args.latent_dim), "--batch-size", str(args.batch_size),
        "--learning-rate", str(args.learning_rate), "--seed", str(args.seed), "--core", str(core),
        "--hidden", *map(str, args.hidden), *(["--keep-last-batch"] if args.keep_last_batch else []),
    ]
    with open(OUT / "peer" / "pythae.log", "w") as log:  # the child keeps its own copy of the handle
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


def torch_initialised(create_state, seed: int):
    """train.create_state with every Dense layer redrawn as torch's Linear draws it: weights and
    biases uniform in +-1/sqrt(fan_in) (--init torch: is the initialisation Pythae's lead?)."""
    import jax
    import numpy as np

    def create(config, image_shape, n_train=0):
        state = create_state(config, image_shape, n_train)
        rng = np.random.default_rng(seed)

        def redraw(layer):
            if not (isinstance(layer, dict) and "kernel" in layer):
                return {name: redraw(sub) for name, sub in layer.items()} if isinstance(layer, dict) else layer
            bound = 1 / np.sqrt(layer["kernel"].shape[0])
            return {name: jax.numpy.asarray(rng.uniform(-bound, bound, value.shape), value.dtype)
                    for name, value in layer.items()}

        return state.replace(params=redraw(state.params))

    return create


def train_project(model: str, args, train_images, validation_images) -> dict:
    """One model with the project's train.train, its rule set so it runs exactly args.epochs."""
    from shapestudy.training import train

    if args.init == "torch" and not getattr(train.create_state, "torch_like", False):
        train.create_state = torch_initialised(train.create_state, args.seed)
        train.create_state.torch_like = True

    config = train.TrainConfig(
        model=model, arch="mlp", latent_dim=args.latent_dim, seed=args.seed,
        beta=1.0 if model == "vae" else 0.0, reconstruction="bce" if model == "vae" else "mse",
        max_epochs=args.epochs, patience=args.epochs, tolerance=0.0, reductions=0,
        batch_size=args.batch_size, learning_rate=args.learning_rate, warmup_epochs=0, hidden=tuple(args.hidden),
    )
    start = time.perf_counter()
    _, history, _ = train.train(config, train_images, validation_images,
                                log=lambda line: print(f"[project {model}] {line}", file=sys.stderr))
    total = time.perf_counter() - start
    columns = ("train_loss", "validation_loss", "seconds")
    rows = [{"epoch": int(row["epoch"]), **{k: float(row[k]) for k in columns}} for row in history.to_dict("records")]
    return {"history": rows, "total_seconds": total}


def summarize(history: list[dict], target: float) -> dict:
    """Steady and first-epoch seconds, the best validation loss, the time to reach `target`."""
    losses = [row["validation_loss"] for row in history]
    seconds = [row["seconds"] for row in history]
    best = min(range(len(losses)), key=losses.__getitem__)
    reached = next(i for i, loss in enumerate(losses) if loss <= target)
    return {
        "steady_seconds_per_epoch": statistics.median(seconds[1:]) if len(seconds) > 1 else None,
        "first_epoch_seconds": seconds[0],
        "best_validation_loss": losses[best],
        "best_epoch": best + 1,
        "target_epoch": reached + 1,
        "seconds_to_target": sum(seconds[: reached + 1]),
    }


def compare(runs: dict) -> dict:
    """From {framework: {model: {history, total_seconds}}}: per model the common target (the
    worse of the frameworks' best validation losses), each framework's summary, its total seconds
    (setup included) and its validation curve."""
    models = next(iter(runs.values()))
    out = {"targets": {}, "summary": {}, "total_seconds": {}, "curves": {}}
    for m in models:
        histories = {f: runs[f][m]["history"] for f in runs}
        target = max(min(row["validation_loss"] for row in h) for h in histories.values())
        out["targets"][m] = target
        out["summary"][m] = {f: summarize(h, target) for f, h in histories.items()}
        out["total_seconds"][m] = {f: runs[f][m]["total_seconds"] for f in runs}
        out["curves"][m] = histories
    return out


def table(results: dict) -> str:
    """The Markdown table of results['summary'] for benchmarks/RESULTS.md."""
    header = ["framework", "model", "s/epoch (steady)", "first epoch s", "best validation loss (epoch)",
              "target loss", "time to target s (epoch)"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for model, frameworks in results["summary"].items():
        for framework, s in frameworks.items():
            steady = "n/a" if s["steady_seconds_per_epoch"] is None else f"{s['steady_seconds_per_epoch']:.2f}"
            lines.append(
                f"| {framework} | {model} | {steady} | {s['first_epoch_seconds']:.2f} | "
                f"{s['best_validation_loss']:.3f} ({s['best_epoch']}) | {results['targets'][model]:.3f} | "
                f"{s['seconds_to_target']:.1f} ({s['target_epoch']}) |"
            )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--models", nargs="+", default=["ae", "vae"], choices=["ae", "vae"])
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 128])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=4e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--core", type=int, default=0, help="the core of both sides, one after the other")
    parser.add_argument("--concurrent", action="store_true", help="both at once: JAX on core 0, Pythae on core 1")
    parser.add_argument("--init", choices=["flax", "torch"], default="flax",
                        help="the project's layers as Flax initialises them, or redrawn as torch's Linear")
    parser.add_argument("--keep-last-batch", action="store_true", help="Pythae's stock TrainingPipeline")
    parser.add_argument("--compilation-cache", type=Path, default=None,
                        help="keep and load the project's compiled programs here, as a study's jobs do")
    parser.add_argument("--data", type=Path, default=OUT / "peer" / "shapes.parquet")
    parser.add_argument("--out", type=Path, default=OUT / "peer.json")
    args = parser.parse_args(argv)
    if not PEER_PYTHON.exists():
        sys.exit(f"no peer venv at {PEER_PYTHON.parent.parent}: see this script's docstring")

    jax_core, pythae_core = (0, 1) if args.concurrent else (args.core, args.core)
    mode = (f"concurrent (jax core {jax_core}, pythae core {pythae_core})" if args.concurrent
            else f"one after the other, both on core {jax_core}")
    pin(jax_core)
    cached = None  # the programs already in the compilation cache: none, the first run compiles them all
    if args.compilation_cache:
        from shapestudy.jobs import cpus

        cache = cpus.compilation_cache(args.compilation_cache)
        cached = len(list(cache.glob("*"))) if cache.exists() else 0
        mode += f"; compilation cache {cache}, {cached} programs in it at the start"
    load_start = os.getloadavg()
    (OUT / "peer").mkdir(parents=True, exist_ok=True)
    train_images, validation_images = load_images(args.data)
    unit_path, pythae_out = OUT / "peer" / "images.npz", OUT / "peer" / "pythae.json"
    save_unit_images(train_images, validation_images, unit_path)

    # Concurrent: Pythae starts first on its own core; else it runs after the project, alone.
    child = start_pythae(args, unit_path, pythae_out, pythae_core) if args.concurrent else None
    project = {m: train_project(m, args, train_images, validation_images) for m in args.models}
    child = child or start_pythae(args, unit_path, pythae_out, pythae_core)
    if child.wait() != 0:
        sys.exit(f"the Pythae side failed (exit {child.returncode}): see {OUT / 'peer' / 'pythae.log'}")
    pythae = json.loads(pythae_out.read_text())

    results = {
        "settings": {
            **vars(args), "data": str(args.data), "out": str(args.out), "mode": mode,
            "train_images": len(train_images), "validation_images": len(validation_images),
            "compilation_cache": str(args.compilation_cache) if args.compilation_cache else None,
            "cached_programs_at_start": cached,
            "steps_per_epoch": len(train_images) // args.batch_size,
        },
        "versions": {"jax": {p: metadata.version(p) for p in ("jax", "jaxlib", "flax", "optax")},
                     "pythae": pythae["versions"]},
        "pythae_trainer": pythae["trainer"],
        "loss_convention": (
            "per image: sum over pixels (and KL over latents), mean over the batch; Pythae's losses divided by "
            + json.dumps({m: pythae["models"][m]["loss_factor"] for m in args.models})
            + " (its AE mse and VAE bce are in this convention already: no conversion)"
        ),
        "differences": DIFFERENCES,
        "load_average": {"start": load_start, "end": os.getloadavg()},
        **compare({"jax (project)": project, "pythae": pythae["models"]}),
    }
    args.out.write_text(json.dumps(results, indent=1))
    print(f"{mode}; {args.epochs} epochs, latent {args.latent_dim}; "
          f"load average {load_start[0]:.2f} at start, {results['load_average']['end'][0]:.2f} at end; "
          f"Pythae: {pythae['trainer']}; loss convention: {results['loss_convention']}\n")
    print(table(results))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
