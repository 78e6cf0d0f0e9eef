"""Seeds trained together: jax.vmap of the project's epoch over the states and keys of a point's
seeds, against the seeds trained one after the other, on one pinned core (not a pass/fail test).

    .venv/bin/python benchmarks/seeds_together.py [--epochs 3] [--core 0]

Answers two questions before the training job could train its seeds as one program: is each
seed's result bit for bit what it gets alone (adding a seed must train only the new one, and a
grown study must equal a clean one), and is it faster? Also where a step's time goes: the MLP's
matrix products alone (forward and gradient), the whole step without Adam, and the whole step, as
GFLOP/s (6 x the multiply-adds of the network per image).

Prints a Markdown table and writes benchmarks/out/seeds_together.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = dict(model="vae", arch="mlp", latent_dim=8, beta=1.0, reconstruction="bce", batch_size=32,
            learning_rate=4e-3, max_epochs=40, hidden=(256, 128))


def median_seconds(function, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--core", type=int, default=0)
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {args.core})  # before JAX starts its thread pool
    import jax
    import jax.numpy as jnp
    from flax import serialization

    from shapestudy.data import dataset
    from shapestudy.data.grid import FactorGrid
    from shapestudy.training import train

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "shapes.parquet"
        dataset.write_parquet(dataset.generate(FactorGrid(), {"train": 0.8, "validation": 0.1, "test": 0.1}, 0), path)
        images = jnp.asarray(dataset.load(str(path), "train").images)
    seeds = (0, 1, 2)
    configs = [train.TrainConfig(seed=seed, **BASE) for seed in seeds]
    epoch = train.make_train_epoch(configs[0])
    states = [train.create_state(c, images.shape[1:], len(images)) for c in configs]
    keys = [jax.random.PRNGKey(seed) for seed in seeds]

    def alone(count: int):
        trained = []
        for state, key in zip(states[:count], keys):
            for e in range(args.epochs):
                state, _ = epoch(state, images, jax.random.fold_in(key, e))
            trained.append(jax.block_until_ready(state))
        return trained

    together_epoch = jax.jit(jax.vmap(epoch, in_axes=(0, None, 0)))

    def together(count: int):
        state = jax.tree.map(lambda *leaves: jnp.stack(leaves), *states[:count])
        for e in range(args.epochs):
            state, _ = together_epoch(state, images, jnp.stack([jax.random.fold_in(k, e) for k in keys[:count]]))
        return jax.block_until_ready(state)

    results = {"settings": {**BASE, "epochs": args.epochs, "core": args.core, "images": int(len(images))},
               "versions": {name: __import__(name).__version__ for name in ("jax", "flax", "optax")}}
    reference = alone(3)
    rows = []
    for count in (1, 2, 3):
        stacked = together(count)  # compiles for this many seeds
        bitwise = [serialization.to_bytes(jax.tree.map(lambda leaf: leaf[i], stacked.params))
                   == serialization.to_bytes(reference[i].params) for i in range(count)]
        largest = max(float(jnp.abs(jax.tree.map(lambda leaf: leaf[i], stacked.params)[name][layer]["kernel"]
                                    - reference[i].params[name][layer]["kernel"]).max())
                      for i in range(count) for name in ("encoder", "decoder") for layer in reference[i].params[name])
        seconds_alone = median_seconds(lambda: alone(count)) / args.epochs
        seconds_together = median_seconds(lambda: together(count)) / args.epochs
        rows.append({"seeds": count, "bitwise": bitwise, "largest_difference": largest,
                     "seconds_per_epoch_alone": seconds_alone, "seconds_per_epoch_together": seconds_together,
                     "speed_up": seconds_alone / seconds_together})
    results["rows"] = rows

    # Where a step's time goes, one seed: the network's matrix products (forward and gradient with
    # respect to the parameters), the loss's gradient without Adam, and the whole step.
    state, batch = states[0], train.unit(images[:BASE["batch_size"]])
    widths = [images[0].size, *BASE["hidden"], BASE["latent_dim"]]
    macs = sum(a * b for a, b in zip(widths, widths[1:])) + sum(a * b for a, b in zip(widths[::-1], widths[-2::-1]))
    macs += widths[-2] * widths[-1]  # the VAE's logvar head
    flop_per_step = 6 * macs * BASE["batch_size"]
    steps = len(images) // BASE["batch_size"]
    grad = jax.jit(jax.grad(lambda p, x, r: train.loss_terms(p, state.apply_fn, x, r, configs[0])[0]))
    rng = jax.random.PRNGKey(0)

    def scan_of(step):
        @jax.jit
        def run(params):
            return jax.lax.scan(lambda p, _: (step(p), None), params, None, length=steps)[0]
        return run

    gradients_only = scan_of(lambda p: jax.tree.map(lambda a, g: a - 1e-6 * g, p, grad(p, batch, rng)))
    jax.block_until_ready(gradients_only(state.params))
    whole = median_seconds(lambda: jax.block_until_ready(epoch(state, images, rng)))
    without_adam = median_seconds(lambda: jax.block_until_ready(gradients_only(state.params)))
    matmul = jax.jit(lambda a, b: a @ b)
    big = jnp.ones((2048, 2048), jnp.float32)
    jax.block_until_ready(matmul(big, big))
    large_matmul = 2 * 2048**3 / median_seconds(lambda: jax.block_until_ready(matmul(big, big))) / 1e9
    results["step"] = {
        "steps_per_epoch": steps, "gflop_per_step": flop_per_step / 1e9,
        "epoch_seconds": whole, "epoch_gflops": flop_per_step * steps / whole / 1e9,
        "gradient_only_epoch_seconds": without_adam, "gradient_only_gflops": flop_per_step * steps / without_adam / 1e9,
        "large_matmul_gflops": large_matmul,
    }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "seeds_together.json").write_text(json.dumps(results, indent=1))
    print("| seeds | bitwise equal to alone | largest difference | s/epoch alone (all seeds) | s/epoch together | "
          "speed-up |\n|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['seeds']} | {row['bitwise']} | {row['largest_difference']:.2g} | "
              f"{row['seconds_per_epoch_alone']:.3f} | {row['seconds_per_epoch_together']:.3f} | {row['speed_up']:.2f} |")
    step = results["step"]
    print(f"\nOne seed, one core: an epoch ({steps} steps) {step['epoch_seconds']:.3f} s = "
          f"{step['epoch_gflops']:.0f} GFLOP/s; gradients and a plain update without Adam "
          f"{step['gradient_only_epoch_seconds']:.3f} s = {step['gradient_only_gflops']:.0f} GFLOP/s; "
          f"a 2048x2048 matmul {step['large_matmul_gflops']:.0f} GFLOP/s.")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
