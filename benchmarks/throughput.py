"""Training throughput of the project against a PyTorch eager reference (torch_reference.py) and
the machine's own matmul limit, with the FLOPs behind it; and the machine it ran on.

Method. Every figure is a median over `repeats` rounds after a warm-up (which also compiles).
Within a round the measurements are interleaved (matmul, then for each case a JAX epoch and a
PyTorch epoch), so that load from other processes on a shared machine hits both sides alike:
compare the ratios, not absolute figures across runs. Images/s counts the images of full batches
of one epoch over its wall time. The JAX side is the project's own code: train.create_state and
train.make_train_epoch on the training split of the real shapes data (dataset.generate with the
default config's grid).

FLOPs. Per image and training step, 6 x MACs, where MACs are those of the forward pass's dense
and convolution layers (in x out per dense layer, kernel size x output pixels per convolution):
2 FLOPs per MAC, times 3 for the forward pass and the two products of the backward pass. Bias,
activations, loss and Adam are left out (under 1% for the MLP). XLA's own count of one compiled
step is given beside it.

Import it after run.py has set the cores and XLA flags: JAX starts its threads on import.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import resource
import statistics
import time
from importlib import metadata
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from shapestudy import config as study_config
from shapestudy.data import dataset
from shapestudy.training import products, train

try:
    import torch
    import torch_reference
except ImportError:  # the optional benchmark dependency
    torch = None
else:
    # As many threads as JAX may use cores: all of this process's (one in the one-core run).
    torch.set_num_threads(len(os.sched_getaffinity(0)))

CASES = [(arch, model, batch) for arch in ("mlp", "conv") for batch in (128, 512) for model in ("ae", "vae")]
LATENT_DIM, BETA = 8, 1.0


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    flags = re.search(r"flags\s*:\s*(.*)", cpuinfo)
    mhz = re.findall(r"cpu MHz\s*:\s*([\d.]+)", cpuinfo)
    packages = ["jax", "jaxlib", "flax", "optax", "numpy", "torch", "snakemake"]
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)),
        "simd": " ".join(f for f in ("avx2", "avx512f", "avx512_bf16", "avx512_vnni") if flags and f in flags.group(1).split()),
        "mhz": [float(m) for m in mhz],
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9,
        "python": platform.python_version(),
        "versions": versions,
        "torch_threads": torch.get_num_threads() if torch else None,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "loadavg_start": os.getloadavg(),
    }


class Timer:
    """Wall time and this process's CPU time (all threads) of a block: cores used = cpu / wall."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu_seconds() - self.cpu


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median(values):
    return statistics.median(values) if values else None


def train_images(config: dict) -> np.ndarray:
    table = dataset.generate(study_config.grid(config), config["data"]["splits"], config["data"]["seed"])
    canvas = config["data"]["canvas"]
    images = table.column("image").combine_chunks().values.to_numpy().reshape(-1, canvas, canvas)
    split = np.asarray(table.column("split").to_pylist())
    return (images[split == "train"] / 255).astype(np.float32)


def forward_macs(model, params, image_shape) -> int:
    """MACs per image of the forward pass: dense in x out, convolution kernel size x output pixels."""
    x = jnp.zeros((1, *image_shape))
    _, state = model.apply({"params": params}, x, jax.random.PRNGKey(0), capture_intermediates=True, mutable=["intermediates"])
    outputs = state["intermediates"]
    total = 0
    for path, kernel in jax.tree_util.tree_flatten_with_path(params)[0]:
        keys = [k.key for k in path]
        if keys[-1] != "kernel":
            continue
        if kernel.ndim == 2:
            total += kernel.size
        else:  # convolution: kernel (kh, kw, in, out), output (1, h, w, out)
            node = outputs
            for key in keys[:-1]:
                node = node[key]
            out = node["__call__"][0]
            total += kernel.size * out.shape[1] * out.shape[2]
    return int(total)


def xla_step_flops(cfg: train.TrainConfig, state, batch: jnp.ndarray) -> float | None:
    """XLA's FLOP count of one compiled training step (loss, gradient and Adam update)."""

    def step(state, images, rng):
        grads = jax.grad(lambda p: train.loss_terms(p, state.apply_fn, images, rng, cfg)[0])(state.params)
        return state.apply_gradients(grads=grads)

    try:
        cost = jax.jit(step).lower(state, batch, jax.random.PRNGKey(0)).compile().cost_analysis()
        cost = cost[0] if isinstance(cost, list) else cost
        return float(cost["flops"])
    except Exception:  # cost analysis is best effort across jaxlib versions
        return None


def matmul(n: int = 4096, dtype=jnp.float32):
    """GFLOP/s of an n x n product of `dtype` operands, accumulated in float32."""
    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), dtype)
    b = jax.random.normal(jax.random.PRNGKey(1), (n, n), dtype)
    product = jax.jit(products.product)
    product(a, b).block_until_ready()

    def once():
        with Timer() as t:
            product(a, b).block_until_ready()
        return 2 * n**3 / t.wall / 1e9

    return once


def throughput(images: np.ndarray, repeats: int, conv_images: int, log) -> tuple[list[dict], list[float]]:
    setups = []
    for arch, model, batch in CASES:
        x = images if arch == "mlp" else images[:conv_images]
        # The widths of benchmarks/torch_reference.py, which the comparison needs.
        cfg = train.TrainConfig(model=model, arch=arch, reconstruction="mse", latent_dim=LATENT_DIM, seed=0, beta=BETA,
                                batch_size=batch, hidden=(512, 256))
        state = train.create_state(cfg, x.shape[1:])
        epoch = train.make_train_epoch(cfg)
        xj = jnp.asarray(x)
        with Timer() as first:
            state, metrics = epoch(state, xj, jax.random.PRNGKey(0))
            jax.block_until_ready(metrics)
        row = {
            "arch": arch, "model": model, "batch": batch, "images_per_epoch": (len(x) // batch) * batch,
            "first_epoch_s": first.wall,
            "macs": forward_macs(state.apply_fn.__self__, state.params, x.shape[1:]),
            "xla_step_flops": xla_step_flops(cfg, state, xj[:batch]),
            "jax": [], "jax_cores": [], "torch": [], "torch_cores": [],
        }
        trainer = xt = None
        if torch is not None:
            trainer = torch_reference.Trainer(arch, model, LATENT_DIM, x.shape[1:], batch, beta=BETA)
            xt = torch.from_numpy(x)
            trainer.epoch(xt)
        setups.append([row, state, epoch, xj, trainer, xt])
        log(f"  compiled {arch} {model} batch {batch}: first epoch {first.wall:.1f} s")
    gflops = matmul()
    matmul_gflops = []
    for r in range(repeats):
        matmul_gflops.append(gflops())
        for setup in setups:
            row, state, epoch, xj, trainer, xt = setup
            with Timer() as t:
                state, metrics = epoch(state, xj, jax.random.PRNGKey(r + 1))
                jax.block_until_ready(metrics)
            setup[1] = state
            row["jax"].append(row["images_per_epoch"] / t.wall)
            row["jax_cores"].append(t.cpu / t.wall)
            if trainer is not None:
                with Timer() as t:
                    trainer.epoch(xt)
                row["torch"].append(row["images_per_epoch"] / t.wall)
                row["torch_cores"].append(t.cpu / t.wall)
        log(f"  round {r + 1}/{repeats}: matmul {matmul_gflops[-1]:.0f} GFLOP/s, "
            + ", ".join(f"{s[0]['arch']}-{s[0]['model']}-{s[0]['batch']} {s[0]['jax'][-1]:.0f}"
                        + (f"/{s[0]['torch'][-1]:.0f}" if s[0]["torch"] else "") for s in setups))
    rows = []
    for row, *_ in setups:
        ratios = [a / b for a, b in zip(row["jax"], row["torch"])]
        row.update(
            jax_ips=median(row["jax"]), torch_ips=median(row["torch"]), ratio=median(ratios),
            jax_cores_used=median(row["jax_cores"]), torch_cores_used=median(row["torch_cores"]),
        )
        row["jax_gflops"] = 6 * row["macs"] * row["jax_ips"] / 1e9
        row["xla_gflops"] = row["xla_step_flops"] / row["batch"] * row["jax_ips"] / 1e9 if row["xla_step_flops"] else None
        rows.append(row)
    return rows, matmul_gflops
