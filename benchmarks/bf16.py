"""The dense layers' products in bfloat16 (training.matmul) against float32: one product in each
operand layout, and seconds per training epoch (not a pass/fail test; benchmarks/RESULTS.md).

    .venv/bin/python benchmarks/bf16.py            # ~2 CPU-minutes, one pinned core

Products: the encoder's first layer at the study's batch (64 x 784 times 784 x 256) and the two
products of its gradient, each from row-major operands (the form XLA CPU's fast bfloat16 kernels
take) and with one operand transposed (the form JAX's own gradient of a product uses), in
microseconds. Epochs: the study's MLP (256-128) trained with the project's own train.train on random
binary 28x28 images, the median of the steady epochs, interleaved rounds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGURATIONS = {"vae-bce-z8": dict(model="vae", reconstruction="bce", latent_dim=8, beta=1.0),
                  "ae-mse-z16": dict(model="ae", reconstruction="mse", latent_dim=16)}


def microseconds(function, *args, calls: int = 2000) -> float:
    import jax

    function = jax.jit(function)
    jax.block_until_ready(function(*args))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            out = function(*args)
        jax.block_until_ready(out)
        best = min(best, (time.perf_counter() - start) / calls)
    return 1e6 * best


def products_table() -> str:
    import jax.numpy as jnp
    import numpy as np

    from shapestudy.training import products

    rng = np.random.default_rng(0)
    full = {name: jnp.asarray(rng.standard_normal(shape), jnp.float32)
            for name, shape in {"x": (64, 784), "w": (784, 256), "g": (64, 256)}.items()}
    half = {name: a.astype(jnp.bfloat16) for name, a in full.items()}
    # Each product as JAX's gradient writes it (a transposed operand), and as products.py does.
    forms = [("x @ w", lambda dot, a, b: dot(a, b), "x", "w", None),
             ("x^T @ g", lambda dot, a, b: dot(a.T, b), "x", "g", products.kernel_gradient),
             ("g @ w^T", lambda dot, a, b: dot(a, b.T), "g", "w", products.input_gradient)]
    lines = ["| product | float32 (us) | bfloat16, as written (us) | bfloat16, row-major operands (us) |",
             "|---|---|---|---|"]
    for name, form, a, b, row_major in forms:
        f32 = microseconds(lambda p, q: form(jnp.dot, p, q), full[a], full[b])
        bf16 = microseconds(lambda p, q: form(products.product, p, q), half[a], half[b])
        rows = "-" if row_major is None else f"{microseconds(row_major, half[a], half[b]):.0f}"
        lines.append(f"| {name} | {f32:.0f} | {bf16:.0f} | {rows} |")
    return "\n".join(lines)


def seconds_per_epoch(name: str, matmul: str, images) -> float:
    from shapestudy.training import train

    config = train.TrainConfig(arch="mlp", seed=0, max_epochs=8, patience=8, matmul=matmul, **CONFIGURATIONS[name])
    _, history, _ = train.train(config, images[:9324], images[9324:], log=lambda line: None)
    return statistics.median(history["seconds"].iloc[2:])


def main() -> None:
    import numpy as np

    from shapestudy.jobs import cpus

    cpus.claim_cores(1)
    cpus.configure_xla()
    print(products_table())
    images = (np.random.default_rng(0).random((9324 + 1165, 28, 28)) > 0.8).astype(np.uint8)
    seconds = {}
    for _ in range(2):  # interleaved rounds
        for name in CONFIGURATIONS:
            for matmul in ("float32", "bfloat16"):
                seconds.setdefault((name, matmul), []).append(seconds_per_epoch(name, matmul, images))
    print("\n| configuration | float32 s/epoch | bfloat16 s/epoch | speed-up |\n|---|---|---|---|")
    for name in CONFIGURATIONS:
        full, half = (statistics.median(seconds[name, m]) for m in ("float32", "bfloat16"))
        print(f"| {name} | {full:.3f} | {half:.3f} | {full / half:.2f}x |")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
