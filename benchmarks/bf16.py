"""Seconds per training epoch of the MLP with bfloat16 matrix products and float32 accumulation,
against float32 (not a pass/fail test; the option was measured, not adopted: benchmarks/RESULTS.md).

    .venv/bin/python benchmarks/bf16.py            # ~2 CPU-minutes, one pinned core

Three ways to run every Dense layer of the project's MLP (VAE z8, Bernoulli likelihood, batch 32
and 128, widths 512-256 and 256-128), on random binary 28x28 images, each the median of the
steady epochs of one short training with the project's own train.train:
- float32: as the study trains;
- bf16-forward: the forward products take bfloat16 inputs and accumulate in float32
  (lax.dot_general with preferred_element_type); JAX's gradient of that runs in float32;
- bf16: forward and both gradient products in bfloat16 with float32 accumulation (a custom VJP).
"""

from __future__ import annotations

import functools
import statistics
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bf16_product():
    """A matrix product x @ w whose forward and backward products run in bfloat16 with float32
    accumulation."""
    import jax
    import jax.numpy as jnp

    def dot(x, w):
        return jnp.dot(x, w, preferred_element_type=jnp.float32)

    @jax.custom_vjp
    def product(x, w):
        return dot(x.astype(jnp.bfloat16), w.astype(jnp.bfloat16))

    def forward(x, w):
        x, w = x.astype(jnp.bfloat16), w.astype(jnp.bfloat16)
        return dot(x, w), (x, w)

    def backward(saved, g):
        x, w = saved
        g = g.astype(jnp.bfloat16)
        return dot(g, w.T), dot(x.T, g)

    product.defvjp(forward, backward)
    return product


def dot_general(mode: str):
    """A flax Dense `dot_general` for `mode` (module docstring)."""
    import jax
    import jax.numpy as jnp

    product = bf16_product()

    def general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None, **_):
        if mode == "bf16":
            return product(lhs, rhs)  # Dense contracts the last axis of lhs with the first of rhs
        return jax.lax.dot_general(lhs.astype(jnp.bfloat16), rhs.astype(jnp.bfloat16), dimension_numbers,
                                   preferred_element_type=jnp.float32)

    return general


def seconds_per_epoch(mode: str, hidden: tuple[int, ...], batch: int) -> float:
    import numpy as np
    from flax import linen as nn

    from shapestudy.training import models, train

    if mode != "float32":
        # The MLP's __call__ looks up nn.relu and nn.Dense when it runs: its Dense layers get the mode.
        models.nn = types.SimpleNamespace(relu=nn.relu, Dense=functools.partial(nn.Dense, dot_general=dot_general(mode)))
    rng = np.random.default_rng(0)
    images = (rng.random((9324 + 1165, 28, 28)) > 0.8).astype(np.uint8)
    config = train.TrainConfig(model="vae", arch="mlp", latent_dim=8, seed=0, beta=1.0, reconstruction="bce",
                               max_epochs=8, patience=8, batch_size=batch, hidden=hidden)
    _, history, _ = train.train(config, images[:9324], images[9324:], log=lambda line: None)
    return statistics.median(history["seconds"].iloc[2:])


def measure(task) -> tuple:
    from shapestudy.jobs import cpus

    cpus.claim_cores(1)
    cpus.configure_xla()
    return (*task, seconds_per_epoch(*task))


def main() -> None:
    import multiprocessing

    tasks = [(mode, hidden, batch) for hidden in ((512, 256), (256, 128)) for batch in (32, 128)
             for mode in ("float32", "bf16-forward", "bf16")]
    # One process per measurement: the bf16 modes patch the model module.
    with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        results = pool.map(measure, tasks, chunksize=1)
    print("| widths | batch | float32 s/epoch | bf16-forward | bf16 | bf16 speed-up |\n|---|---|---|---|---|---|")
    for hidden in ((512, 256), (256, 128)):
        for batch in (32, 128):
            s = {mode: sec for mode, h, b, sec in results if h == hidden and b == batch}
            print(f"| {'-'.join(map(str, hidden))} | {batch} | {s['float32']:.3f} | {s['bf16-forward']:.3f} | "
                  f"{s['bf16']:.3f} | {s['float32'] / s['bf16']:.2f}x |")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
