"""Where each second of a study goes: per job kind, the jobs' wall time split into start-up (process,
imports, dataset), compile, training steps (gradients, the optimizer update, validation) and the
rest of the work, against the limit for each (not a pass/fail test).

    .venv/bin/python benchmarks/time_spent.py --study .      # after `snakemake --cores 2`

The study's own records give each job's wall time (logs/benchmarks/, Snakemake's `benchmark:`) and
each run's epochs and their seconds (results/models/*/record.json, history.csv). What the records
cannot tell apart is measured here on one pinned core, with the study's config: a job's start-up
(a process that imports what the job's script imports and loads the dataset), a steady epoch
of the default configuration split into its gradients, Adam's update and the validation pass, and
one run's sample-quality scoring split into fitting the samplers (with the training codes),
decoding, the nearest-render scoring and PRDC's cross-check, by which the sample-quality jobs'
work (all but their start-up) is apportioned. The limit of the steps is their FLOPs at the
one-core float32 matrix-product rate (2048^2), and the bfloat16 rate beside it.
Writes benchmarks/out/time_spent.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from shapestudy.jobs.start import set_environment

set_environment(gpu=False)  # numpy and JAX measured as every job runs them: set before they load

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# Rounds of the interleaved timing of a steady epoch and the matrix product (epoch_split).
ROUNDS = 9
# What a job of each kind imports before its work (scripts/*.py), and whether it loads the dataset.
START_UP = {
    "train": ("shapestudy.training.train", True),
    "evaluate": ("shapestudy.evaluation.runner", True),
    "figure": ("shapestudy.reporting.plotting", False),
    "table": ("shapestudy.reporting.tables", False),
}


def job_seconds(study: Path) -> pd.DataFrame:
    """One row per job: its kind (the rule) and its wall seconds, from Snakemake's benchmark files."""
    rows = []
    for path in (study / "logs" / "benchmarks").rglob("*.tsv"):
        kind = path.relative_to(study / "logs" / "benchmarks").parts[0].removesuffix(".tsv")
        rows.append({"kind": kind, "seconds": float(pd.read_csv(path, sep="\t")["s"].iloc[0])})
    return pd.DataFrame(rows)


def runs(study: Path) -> pd.DataFrame:
    """One row per trained run: epochs, in-process training seconds, the first epoch's excess over a
    steady one (compilation), and the steady epochs' seconds (steps and validation: history.csv
    times both)."""
    rows = []
    for record_path in (study / "results" / "models").glob("*/record.json"):
        record = json.loads(record_path.read_text())
        seconds = pd.read_csv(record_path.parent / "history.csv")["seconds"].to_numpy()
        steady = float(np.median(seconds[1:])) if len(seconds) > 1 else float(seconds[0])
        compile_seconds = max(float(seconds[0]) - steady, 0.0)
        rows.append({"run": record_path.parent.name, "model": record["config"]["model"], "epochs": len(seconds),
                     "training": float(seconds.sum()), "compile": compile_seconds,
                     "steps": float(seconds.sum()) - compile_seconds})
    return pd.DataFrame(rows)


def start_up_seconds(kind: str, module: str, with_data: bool, data: Path) -> float:
    """A fresh pinned process's seconds to import `module` (and JAX) and load the dataset, and to
    exit, with the collector as the kind's script keeps it (scripts/train.py and evaluate.py: off
    while the modules load, then frozen out of them)."""
    script = ROOT / "scripts" / f"{kind}.py"
    frozen = script.exists() and "gc.freeze()" in script.read_text()
    program = (("import gc; gc.disable()\n" if frozen else "")
               + f"import jax, jax.numpy as jnp; import {module}; jnp.zeros(1).block_until_ready()"
               + ("\ngc.freeze(); gc.enable()" if frozen else "")
               + (f"\nfrom shapestudy.data import dataset; dataset.load({str(data)!r})" if with_data else ""))
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(["taskset", "-c", "0", sys.executable, "-c", program], check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "JAX_PLATFORMS": "cpu"})
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def epoch_split(config: dict, data: Path) -> dict:
    """One core: a steady epoch of the default configuration's VAE (Bernoulli, the figures' latent
    size, beta 1) split into its gradients alone, the whole step (gradients and Adam), and the
    validation pass; and the FLOPs of its steps (benchmarks/throughput.py's count) against the
    one-core matrix-product rate. Each a median over ROUNDS rounds; the step's share of the
    product's rate is the median of the rounds' own shares, with their range."""
    import jax
    import throughput  # imports JAX: after main() has pinned the process

    from shapestudy.data import dataset, pixels
    from shapestudy.training import train

    training = config["training"]
    fields = {key: training[key] for key in ("batch_size", "learning_rate", "warmup_epochs", "matmul")}
    cfg = train.TrainConfig(model="vae", arch="mlp", latent_dim=config["figures"]["latent_dim"], seed=0, beta=1.0,
                            reconstruction="bce", hidden=tuple(training["hidden"]), **fields)
    images = jax.numpy.asarray(dataset.load(data, "train").images)
    validation = jax.numpy.asarray(pixels.to_unit(dataset.load(data, "validation").images))
    state = train.create_state(cfg, images.shape[1:], len(images))
    epoch, evaluate = train.make_train_epoch(cfg), train.make_evaluate(cfg)
    grad = jax.grad(lambda p, x, r: train.loss_terms(p, state.apply_fn, x, r, cfg)[0])

    @jax.jit
    def gradients_only(params, rng):
        batches, keys = train.epoch_batches(rng, len(images), cfg.batch_size), jax.random.split(rng, len(images) // cfg.batch_size)
        step = lambda p, b: (jax.tree.map(lambda a, g: a - 1e-9 * g, p, grad(p, train.unit(images[b[0]]), b[1])), None)
        return jax.lax.scan(step, params, (batches, keys))[0]

    def seconds(function) -> float:
        start = time.perf_counter()
        jax.block_until_ready(function())
        return time.perf_counter() - start

    rng = jax.random.PRNGKey(0)
    steps = len(images) // cfg.batch_size
    flop = 6 * throughput.forward_macs(state.apply_fn.__self__, state.params, images.shape[1:]) * cfg.batch_size * steps
    rate, half_rate = throughput.matmul(2048), throughput.matmul(2048, jax.numpy.bfloat16)
    measures = {"epoch": lambda: epoch(state, images, rng), "gradients": lambda: gradients_only(state.params, rng),
                "validation": lambda: evaluate(state, validation, rng)}
    for function in measures.values():
        seconds(function)  # compiles
    # Interleaved rounds, each timing the epoch beside the product it is held to: the machine's
    # speed drifts by several percent between minutes (the product's rate alone 147-159 GFLOP/s
    # in four processes), and a share of two medians taken minutes apart carries that drift.
    rounds = [{**{name: seconds(function) for name, function in measures.items()},
               "matmul_flops": rate() * 1e9, "bfloat16_matmul_flops": half_rate() * 1e9} for _ in range(ROUNDS)]
    shares = [flop / r["epoch"] / r["matmul_flops"] for r in rounds]
    split = {name: float(np.median([r[name] for r in rounds])) for name in rounds[0]}
    return {"batch_size": cfg.batch_size, "matmul": cfg.matmul, "steps": steps, **split,
            "update": split["epoch"] - split["gradients"], "flop_per_epoch": flop,
            "step_share_of_matmul": float(np.median(shares)), "step_share_range": [min(shares), max(shares)],
            "step_share_of_bfloat16_matmul": float(np.median([flop / r["epoch"] / r["bfloat16_matmul_flops"]
                                                               for r in rounds])),
            "limit_epoch": flop / split["matmul_flops"]}


def sample_quality_split(study: Path, config: dict, data: Path) -> dict:
    """One core: the seconds of one run's sample-quality scoring (the figures' latent size, VAE,
    Bernoulli, beta 1, the first seed) split into its phases: the training codes, fitting the
    samplers and drawing their latents, decoding, the nearest-render scoring, and PRDC's pixel
    cross-check with its ceiling; the median of three, after one to compile."""
    from shapestudy import families
    from shapestudy.data import dataset
    from shapestudy.evaluation import sample_quality, samplers
    from shapestudy.evaluation.projection import nearest_renders, render_search, without_tiny
    from shapestudy.training import artifacts
    from shapestudy.training.inference import decode, encode

    settings = config["evaluation"]
    shapes = dataset.load(data)
    test_mask = shapes.factors["split"].to_numpy() == "test"
    run = study / "results" / "models" / families.run_id(
        {"model": "vae", "arch": "mlp", "reconstruction": "bce", "latent_dim": config["figures"]["latent_dim"],
         "beta": 1.0, "seed": min(config["sweep"]["vae"]["seed"])})
    trained = artifacts.load_trained(run / "params.msgpack", run / "record.json")
    model, params, cfg = trained.model, trained.params, trained.config
    test_images = shapes.subset("test").images

    def phases() -> dict:
        seconds, start = {}, time.perf_counter()
        codes = encode(model, params, shapes.subset("train").images)[0]
        seconds["codes"], start = time.perf_counter() - start, time.perf_counter()
        latents = samplers.draw_latents(settings["samples"], cfg.latent_dim, settings["seed"], lambda: codes, settings)
        seconds["fitting"], start = time.perf_counter() - start, time.perf_counter()
        images = {name: without_tiny(decode(model, params, z, cfg.reconstruction)) for name, z in latents.items()}
        seconds["decoding"], start = time.perf_counter() - start, time.perf_counter()
        render_codes = shapes.factor_codes()
        search = render_search(shapes.images, render_codes)
        for samples in images.values():
            nearest = nearest_renders(samples, shapes.images, render_codes, settings["validity_iou"],
                                      settings["pixel_threshold"], search=search)
            sample_quality.summarise(nearest, render_codes, test_mask)
        seconds["scoring"], start = time.perf_counter() - start, time.perf_counter()
        test_radii = sample_quality.neighbour_radii(test_images, settings["prdc_k"])
        for samples in [shapes.subset("train").images, *images.values()]:  # the ceiling's real images first
            sample_quality.prdc(test_images, samples[:len(test_images)], settings["prdc_k"], real_radii=test_radii)
        seconds["cross_check"] = time.perf_counter() - start
        return seconds

    phases()
    measured = [phases() for _ in range(3)]
    split = {phase: float(np.median([m[phase] for m in measured])) for phase in measured[0]}
    split["run"] = run.name
    return split


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    study = args.study.resolve()
    config = yaml.safe_load((study / "config.yaml").read_text())
    data = study / "results" / "data" / "shapes.parquet"
    os.sched_setaffinity(0, {0})
    jobs, trained = job_seconds(study), runs(study)
    split = epoch_split(config, data)
    scoring = sample_quality_split(study, config, data)
    start = {kind: start_up_seconds(kind, module, with_data, data) for kind, (module, with_data) in START_UP.items()}
    # A history epoch's seconds hold its steps and its validation pass: each part's share of the two.
    timed = split["epoch"] + split["validation"]
    fractions = {part: split[part] / timed for part in ("gradients", "update", "validation")}
    total = jobs["seconds"].sum()
    rows = []
    for kind, group in jobs.groupby("kind"):
        family = next((k for k in START_UP if kind.startswith(k)), None)
        started = start[family] * len(group) if family else 0.0
        row = {"kind": kind, "jobs": len(group), "seconds": group["seconds"].sum(), "start_up": started}
        if kind.startswith("train_"):
            mine = trained[trained["model"] == kind.removeprefix("train_")]
            epochs = mine["epochs"].sum()
            row.update(compile=mine["compile"].sum(),
                       gradients=mine["steps"].sum() * fractions["gradients"],
                       update=mine["steps"].sum() * fractions["update"],
                       validation=mine["steps"].sum() * fractions["validation"],
                       limit=epochs * split["limit_epoch"])
            row["other"] = row["seconds"] - started - mine["training"].sum()  # checkpoints, records, parameters
        elif kind == "evaluate_sample_quality":
            # Its work (all but the start-up) split by one run's phases; the codes go to fitting.
            phases = {"fitting": scoring["codes"] + scoring["fitting"], "decoding": scoring["decoding"],
                      "scoring": scoring["scoring"], "cross_check": scoring["cross_check"]}
            work = row["seconds"] - started
            row.update({phase: work * part / sum(phases.values()) for phase, part in phases.items()})
            row["other"] = 0.0
        else:
            row["other"] = row["seconds"] - started  # the work itself: scoring, writing
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("seconds", ascending=False)
    table["share"] = table["seconds"] / total
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "time_spent.json").write_text(json.dumps({"split": split, "sample_quality": scoring, "start_up": start,
                                                     "rows": table.to_dict("records")}, indent=1))
    columns = ["kind", "jobs", "seconds", "share", "start_up", "compile", "gradients", "update", "validation",
               "fitting", "decoding", "scoring", "cross_check", "other", "limit"]
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for _, row in table.iterrows():
        cells = [row["kind"], str(int(row["jobs"]))] + [
            "" if pd.isna(row.get(c)) else (f"{100 * row[c]:.1f}%" if c == "share" else f"{row[c]:.0f}")
            for c in columns[2:]]
        print("| " + " | ".join(cells) + " |")
    print(f"\nAll jobs: {total:.0f} s, {total / 2:.0f} s over 2 cores. One core, batch {split['batch_size']}: "
          f"steady epoch {split['epoch']:.3f} s (gradients {split['gradients']:.3f} s, Adam's update "
          f"{split['update']:.3f} s), validation {split['validation']:.3f} s; steps at "
          f"{100 * split['step_share_of_matmul']:.0f}% of the {split['matmul_flops'] / 1e9:.0f} GFLOP/s float32 "
          f"matrix product (the median of {ROUNDS} rounds, each its epoch against its product: "
          f"{100 * split['step_share_range'][0]:.0f}-{100 * split['step_share_range'][1]:.0f}%; "
          f"{100 * split['step_share_of_bfloat16_matmul']:.0f}% of the bfloat16 one's "
          f"{split['bfloat16_matmul_flops'] / 1e9:.0f}; the products in {split['matmul']}). "
          "Start-up per job (s): " + ", ".join(f"{k} {v:.2f}" for k, v in start.items()) + ". "
          f"One run's sample quality ({scoring['run']}, one core, s): "
          + ", ".join(f"{k} {v:.2f}" for k, v in scoring.items() if k != "run") + ".")


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "benchmarks")]
    main()
