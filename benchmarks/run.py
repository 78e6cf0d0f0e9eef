"""How fast the project trains on this machine, against a PyTorch eager reference and the
machine's own matmul limit, and what a whole study costs beyond its training math.

    .venv/bin/python benchmarks/run.py                  # throughput, matmul, FLOPs (5-15 min)
    .venv/bin/python benchmarks/run.py --study run      # also runs the default study, then a no-op
                                                        # rerun, into benchmarks/out/study (10-20 min more)
    .venv/bin/python benchmarks/run.py --study PATH     # reads a finished run in PATH instead
    .venv/bin/python benchmarks/run.py --reuse-throughput [--study run]   # keep the last throughput figures

Not a pass/fail test: it writes benchmarks/RESULTS.md (the ratios against the targets, the raw
figures and the machine) and benchmarks/out/results.json. A block between the `analysis` markers
of an existing RESULTS.md is kept. Needs the optional dependency torch==2.13.0, the CPU build
(pip install -e ".[bench]"; where PyPI would bring the CUDA build, add
--extra-index-url https://download.pytorch.org/whl/cpu); without it the PyTorch columns stay empty.

Method. Every figure is a median over --repeats rounds after a warm-up (which also compiles).
Within a round the measurements are interleaved (matmul, then for each case a JAX epoch and a
PyTorch epoch), so that load from other processes on a shared machine hits both sides alike:
compare the ratios, not absolute figures across runs. Images/s counts the images of full batches
of one epoch over its wall time. The JAX side is the project's own code: train.create_state and
train.make_train_epoch on the training split of the real shapes data (data.generate with the
default config's grid).

FLOPs. Per image and training step, 6 x MACs, where MACs are those of the forward pass's dense
and convolution layers (in x out per dense layer, kernel size x output pixels per convolution):
2 FLOPs per MAC, times 3 for the forward pass and the two products of the backward pass. Bias,
activations, loss and Adam are left out (under 1% for the MLP). XLA's own count of one compiled
step is given beside it.
"""

from __future__ import annotations

import os

if os.environ.get("BENCHMARK_CORE"):  # the one-core measurement: pinned before JAX starts its threads
    os.sched_setaffinity(0, {int(os.environ["BENCHMARK_CORE"])})

from shapestudy import cpus  # noqa: E402

# Child processes (the one-core run, Snakemake) get the environment as it was, and choose for themselves.
CHILD_ENV = dict(os.environ)
XLA_FLAGS_ADDED = cpus.configure_xla()  # as scripts/train.py does, before JAX starts

import argparse
import datetime
import json
import math
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shapestudy import config as study_config  # noqa: E402
from shapestudy import data, train  # noqa: E402

try:
    import torch

    import torch_reference
except ImportError:  # the optional benchmark dependency
    torch = None

OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
CASES = [(arch, model, batch) for arch in ("mlp", "conv") for batch in (128, 512) for model in ("ae", "vae")]
LATENT_DIM, BETA = 8, 1.0
TARGETS = {  # name: (comparison, threshold)
    "mlp_vs_torch": (">=", 1.6),
    "mlp_gflops_vs_matmul": (">=", 0.70),
    "conv_vs_torch": (">=", 1.3),
    "study_wall_vs_math": ("<=", 1.25),
    "noop_vs_full": ("<=", 0.01),
    "train_peak_rss_gb": ("<=", 1.0),
}


# ----------------------------------------------------------------------------- the machine
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


# ----------------------------------------------------------------------------- timing helpers
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


# ----------------------------------------------------------------------------- data and FLOPs
def train_images(config: dict) -> np.ndarray:
    table = data.generate(study_config.grid(config), config["data"]["splits"], config["data"]["seed"])
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


# ----------------------------------------------------------------------------- throughput
def matmul(n: int = 4096):
    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32)
    b = jax.random.normal(jax.random.PRNGKey(1), (n, n), jnp.float32)
    product = jax.jit(jnp.dot)
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
        cfg = train.TrainConfig(model, arch, LATENT_DIM, seed=0, beta=BETA, batch_size=batch)
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


# ----------------------------------------------------------------------------- the study
def job_kind(cmdline: list[str]) -> str | None:
    for arg in cmdline:
        found = re.search(r"\.snakemake/scripts/tmp[^/.]*\.(\w+)\.py$", arg)
        if found:
            return found.group(1)
    if any(arg.endswith("snakemake") for arg in cmdline[:2]):
        return "snakemake (scheduler)"
    return None


class JobMonitor(threading.Thread):
    """Peak RSS (the kernel's VmHWM) and lifetime of every process below `pid`, by job kind."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.stop, self.seen = pid, interval, threading.Event(), {}

    def run(self):
        import psutil

        root = psutil.Process(self.pid)
        while not self.stop.is_set():
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            now = time.time()
            for process in processes:
                try:
                    key = (process.pid, process.create_time())
                    entry = self.seen.get(key)
                    if entry is None:
                        entry = self.seen[key] = {"kind": job_kind(process.cmdline()), "start": key[1], "hwm_kb": 0}
                    status = Path(f"/proc/{process.pid}/status").read_text()
                    hwm = re.search(r"VmHWM:\s*(\d+)", status)
                    entry["hwm_kb"] = max(entry["hwm_kb"], int(hwm.group(1)) if hwm else 0)
                    entry["last"] = now
                except (psutil.Error, OSError):
                    continue
            self.stop.wait(self.interval)

    def by_kind(self) -> dict:
        kinds = {}
        for entry in self.seen.values():
            if entry["kind"] is None:
                continue
            k = kinds.setdefault(entry["kind"], {"jobs": 0, "peak_rss_mb": 0.0, "seconds": []})
            k["jobs"] += 1
            k["peak_rss_mb"] = max(k["peak_rss_mb"], entry["hwm_kb"] / 1024)
            k["seconds"].append(entry.get("last", entry["start"]) - entry["start"])
        for k in kinds.values():
            k["median_seconds"], k["total_seconds"] = median(k["seconds"]), sum(k["seconds"])
            del k["seconds"]
        return kinds


def snakemake_command(directory: Path, cores: int) -> list[str]:
    """Snakemake on the project checkout in `directory`, or on this checkout's workflow with
    `directory` as its working directory when it holds results only."""
    command = [str(Path(sys.executable).parent / "snakemake"), "--cores", str(cores), "--quiet"]
    if not (directory / "Snakefile").exists():
        command += ["-s", str(ROOT / "Snakefile"), "-d", str(directory)]
    return command


PROJECT_FILES = ["Snakefile", "config.yaml", "workflow", "scripts", "src", "profiles"]


def run_study(directory: Path, cores: int, log) -> dict:
    """Copy the project (workflow, scripts, package, default config) into `directory`, run the
    default study there from scratch, then once more (nothing to do)."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, directory / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, directory / name)
    timings = {"cores": cores, "started": datetime.datetime.now().isoformat(timespec="seconds"),
               "loadavg_before": os.getloadavg()}
    for name in ("full", "noop", "noop2", "noop3"):  # the no-op figure is the median of three
        log(f"  snakemake --cores {cores} ({name} run) in {directory}")
        start = time.perf_counter()
        process = subprocess.Popen(snakemake_command(directory, cores), cwd=directory, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=CHILD_ENV)
        monitor = JobMonitor(process.pid)
        monitor.start()
        output = process.communicate()[0].decode(errors="replace")
        timings[f"{name}_seconds"] = time.perf_counter() - start
        monitor.stop.set()
        monitor.join()
        timings[f"{name}_jobs"] = monitor.by_kind()
        if process.returncode != 0:
            raise RuntimeError(f"snakemake failed ({name} run):\n{output[-3000:]}")
    timings["noop_runs"] = [timings.pop(f"{n}_seconds") for n in ("noop", "noop2", "noop3")]
    timings["noop_seconds"] = median(timings["noop_runs"])
    for n in ("noop2", "noop3"):
        timings.pop(f"{n}_jobs")
    timings["loadavg_after"] = os.getloadavg()
    (directory / "timings.json").write_text(json.dumps(timings, indent=2))
    return timings


def read_timings(directory: Path, cores: int, log) -> dict:
    """Timings of a finished run: timings.json if this script ran it, else the span of the
    newest Snakemake log that ran jobs, and a no-op rerun timed now."""
    saved = directory / "timings.json"
    if saved.exists():
        return json.loads(saved.read_text())
    timings = {"cores": None, "full_jobs": {}}
    logs = sorted((directory / ".snakemake" / "log").glob("*.snakemake.log"))
    for path in reversed(logs):
        text = path.read_text(errors="replace")
        stamps = re.findall(r"^\[(\w{3} \w{3}\s+\d+ [\d:]{8} \d{4})\]", text, flags=re.M)
        if "Finished job" in text or "Finished jobid" in text:
            span = [datetime.datetime.strptime(" ".join(s.split()), "%a %b %d %H:%M:%S %Y") for s in stamps]
            timings["full_seconds"] = (max(span) - min(span)).total_seconds() if span else None
            timings["full_source"] = str(path)
            break
    dry = subprocess.run([a for a in snakemake_command(directory, cores) if a != "--quiet"] + ["-n"], cwd=directory, capture_output=True, text=True, env=CHILD_ENV)
    if "Nothing to be done" in dry.stdout + dry.stderr:
        log(f"  timing a no-op rerun in {directory}")
        start = time.perf_counter()
        subprocess.run(snakemake_command(directory, cores), cwd=directory, check=True, capture_output=True, env=CHILD_ENV)
        timings["noop_seconds"] = time.perf_counter() - start
    return timings


def study_records(directory: Path) -> list[dict]:
    """One row per training job (a point of the sweep: its seeds, trained one after the other)
    from the files the workflow writes: the run records and Snakemake's benchmark file."""
    by_point = {}
    for record_path in sorted((directory / "results" / "models").glob("*/record.json")):
        point = record_path.parent.name.rsplit("-", 1)[0]  # the run's folder without -s{seed}
        by_point.setdefault(point, []).append(json.loads(record_path.read_text()))
    rows = []
    for point, records in by_point.items():
        config = records[0]["config"]
        row = {"point": point, "seeds": len(records), "config": config,
               "resumed": any(r.get("resumed_from_epoch") for r in records)}
        tsv = directory / "benchmarks" / "train" / f"{point}.tsv"
        if tsv.exists():
            header, values = tsv.read_text().splitlines()[:2]
            bench = dict(zip(header.split("\t"), values.split("\t")))
            row["job_s"], row["max_rss_mb"] = float(bench["s"]), float(bench["max_rss"])
        images = training = compile_s = math = 0.0
        for record in records:
            epochs, batch = record["config"]["epochs"], record["config"]["batch_size"]
            run_images = epochs * (record["train_images"] // batch) * batch
            steady_epoch = (record["training_seconds"] - record["first_epoch_seconds"]) / max(epochs - 1, 1)
            images += run_images
            training += record["training_seconds"]
            compile_s += record["first_epoch_seconds"] - steady_epoch
            math += run_images / record["images_per_second"]
        row.update(images=int(images), script_s=sum(r["wall_seconds"] for r in records), training_s=training,
                   compile_s=compile_s, math_s=math, job_images_per_s=images / training)
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------- the report
def fmt(value, digits=0, unit=""):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def verdict(name: str, value) -> str:
    if value is None:
        return "not measured"
    op, threshold = TARGETS[name]
    ok = value >= threshold if op == ">=" else value <= threshold
    if ok:
        return "met"
    miss = (threshold / value - 1) if op == ">=" else (value / threshold - 1)
    return f"**missed** by {miss:.0%}"


def throughput_table(rows: list[dict]) -> list[str]:
    lines = [
        "| arch | model | batch | JAX | PyTorch eager | JAX / PyTorch | JAX GFLOP/s (6 x MACs) | XLA-counted GFLOP/s | MFLOP/image/step | JAX cores used | PyTorch cores used | first epoch incl. compile (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['arch']} | {r['model']} | {r['batch']} | {fmt(r['jax_ips'])} | {fmt(r['torch_ips'])} | "
            f"{fmt(r['ratio'], 2)} | {fmt(r['jax_gflops'], 1)} | {fmt(r['xla_gflops'], 1)} | {6 * r['macs'] / 1e6:.1f} | "
            f"{fmt(r['jax_cores_used'], 2)} | {fmt(r['torch_cores_used'], 2)} | {r['first_epoch_s']:.1f} |"
        )
    return lines


def report(results: dict, kept_analysis: str) -> str:
    m, rows, study = results["machine"], results["throughput"], results.get("study")
    by = {(r["arch"], r["model"], r["batch"]): r for r in rows}
    matmul_gflops = median(results["matmul_gflops"])
    lines = [
        "# Training speed: the project against PyTorch eager and the machine's limits",
        "",
        f"Throughput measured by `{results['command']}` on {m['date']}; the study's figures come from",
        "the run named in its section. Regenerate with `.venv/bin/python benchmarks/run.py --study run`;",
        "the analysis block below is kept. Method, FLOP counting and options: see the docstring of",
        "benchmarks/run.py.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores (affinity {m['affinity']}), {m['simd']}, "
        f"{m['memory_gb']:.0f} GB; Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
        + f". XLA_FLAGS: `{m['xla_flags'] or '(none)'}` (src/shapestudy/cpus.py, as in training jobs with more than one core)"
        + f". PyTorch threads: {m['torch_threads']}. Load average at start {m['loadavg_start'][0]:.2f}, "
        f"at the end of the throughput runs {results['loadavg_after_throughput'][0]:.2f} "
        "(other processes share this machine; the ratios come from interleaved runs).",
        "",
        "## Targets",
        "",
        "| measure | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    targets = results["targets"]
    for key, label, shown in [
        ("mlp_vs_torch", "MLP training images/s vs PyTorch eager (worst of AE/VAE x batch 128/512)", "x"),
        ("mlp_gflops_vs_matmul", "MLP training GFLOP/s vs 4096^2 fp32 JAX matmul (best of the four MLP cases)", "%"),
        ("conv_vs_torch", "conv training images/s vs PyTorch eager (worst of AE/VAE x batch 128/512)", "x"),
        ("study_wall_vs_math", "default study wall time vs its pure training math", "x"),
        ("noop_vs_full", "no-op rerun vs full run", "%"),
        ("train_peak_rss_gb", "peak RSS of a training job", "GB"),
    ]:
        op, threshold = TARGETS[key]
        value = targets.get(key)
        show = (lambda v: f"{v:.1%}") if shown == "%" else (lambda v: f"{v:.2f} {shown}".strip())
        lines.append(f"| {label} | {op} {show(threshold)} | {show(value) if value is not None else 'n/a'} | {verdict(key, value)} |")
    lines += [
        "",
        "## Training throughput (images/s, median of interleaved rounds)",
        "",
        f"Latent size {LATENT_DIM}, beta {BETA:g} for the VAE, Adam 1e-3, 28x28 shapes; conv epochs on the first "
        f"{results['conv_images']} training images. Cores used = CPU time / wall time of the epoch (2.0 = both cores busy).",
        "",
        *throughput_table(rows),
        "",
        f"Large fp32 matmul (4096 x 4096, JAX): median {fmt(matmul_gflops)} GFLOP/s over {len(results['matmul_gflops'])} "
        f"rounds (all: {', '.join(f'{g:.0f}' for g in results['matmul_gflops'])}).",
        "",
    ]
    if results.get("throughput_one_core"):
        one = results["matmul_gflops_one_core"]
        lines += [
            "### The same on one core",
            "",
            "JAX pinned to one core before it starts (as every workflow training job is, see src/shapestudy/cpus.py), "
            "PyTorch with one thread; the two jobs that `snakemake --cores 2` runs side by side each train at about this speed.",
            "",
            *throughput_table(results["throughput_one_core"]),
            "",
            f"Matmul on one core: median {fmt(median(one))} GFLOP/s.",
            "",
        ]
    if study:
        jobs = study["jobs"]
        lines += ["## The default study", ""]
        t = study["timings"]
        lines += [
            f"Directory {study['directory']}" + (f", run from {t['started']}" if t.get("started") else "")
            + (f", load average {t['loadavg_before'][0]:.2f} before and {t['loadavg_after'][0]:.2f} after"
               if t.get("loadavg_after") else "") + f"; {len(jobs)} training jobs ({sum(j['seeds'] for j in jobs)} seeds), {sum(j['images'] for j in jobs):,} training images "
            f"in all. Pure training math = images / the JAX throughput measured above for the same arch, model and "
            f"batch (one process, all cores): {fmt(study['math_seconds'], 1)} s.",
            "",
            "| | seconds |",
            "|---|---|",
            f"| full run, `snakemake --cores {t.get('cores')}` | {fmt(t.get('full_seconds'), 1)} |",
            f"| pure training math | {fmt(study['math_seconds'], 1)} |",
            f"| no-op rerun | {fmt(t.get('noop_seconds'), 2)} |",
        ]
        kinds = t.get("full_jobs") or {}
        if kinds and t.get("cores"):
            lanes = {k: v["total_seconds"] / t["cores"] for k, v in kinds.items() if k != "snakemake (scheduler)"}
            lines += [
                f"| all jobs' lifetimes / {t['cores']} cores | {fmt(sum(lanes.values()), 1)} |",
                f"| training jobs' lifetimes / {t['cores']} cores | {fmt(lanes.get('train'), 1)} "
                f"({fmt(lanes.get('train', 0) / study['math_seconds'] if study['math_seconds'] else None, 2)} x the math) |",
                f"| evaluation jobs' lifetimes / {t['cores']} cores | "
                f"{fmt(sum(v for k, v in lanes.items() if k.startswith('evaluate')), 1)} |",
            ]
        lines.append("")
        per = study["per_job"]
        lines += [
            f"Per training job (one per point of the sweep, {median([j['seeds'] for j in jobs]):.0f} seeds each; median over jobs; "
            "from results/models/*/record.json and benchmarks/train/*.tsv):",
            "",
            "| job wall (Snakemake benchmark) | the seeds' trainings | their epochs | of which compile (first epoch - steady epoch) | pure math in the job | overhead (job wall - pure math) | process start, imports, data load, Snakemake (job wall - trainings) | state, checkpoints, outputs (trainings - epochs) | job images/s | peak RSS (MB) |",
            "|---|---|---|---|---|---|---|---|---|---|",
            "| " + " | ".join(fmt(per.get(k), *spec) for k, spec in [
                ("job_s", (1,)), ("script_s", (1,)), ("training_s", (1,)), ("compile_s", (2,)), ("math_s", (1,)),
                ("overhead_s", (1,)), ("start_s", (2,)), ("setup_s", (2,)), ("job_images_per_s", (0,)), ("max_rss_mb", (0,))]) + " |",
            "",
        ]
        kinds = t.get("full_jobs") or {}
        if kinds:
            lines += [
                "Jobs of the full run by kind (sampled every 0.1 s: peak RSS is the kernel's high-water mark; seconds are process lifetimes):",
                "",
                "| job kind | jobs | peak RSS (MB) | median s | total s |",
                "|---|---|---|---|---|",
            ]
            for kind, k in sorted(kinds.items(), key=lambda kv: -kv[1]["total_seconds"]):
                lines.append(f"| {kind} | {k['jobs']} | {k['peak_rss_mb']:.0f} | {fmt(k['median_seconds'], 2)} | {fmt(k['total_seconds'], 1)} |")
            lines.append("")
    lines += ["## Analysis", "", "<!-- analysis -->", kept_analysis.strip() or "(none yet)", "<!-- /analysis -->", ""]
    return "\n".join(lines)


def measure(args, log) -> dict | None:
    """Throughput of both frameworks and the matmul, on all cores and (in a subprocess) on one."""
    results = {"command": " ".join(["benchmarks/run.py", *sys.argv[1:]]),
               "machine": machine(), "conv_images": args.conv_images}
    config = study_config.load(ROOT / "config.yaml")
    log("throughput (JAX vs PyTorch, interleaved) and matmul")
    images = train_images(config)
    rows, matmul_gflops = throughput(images, args.repeats, args.conv_images, log)
    if args.throughput_only:
        args.throughput_only.write_text(json.dumps({"throughput": rows, "matmul_gflops": matmul_gflops}, default=str))
        return None
    results.update(throughput=rows, matmul_gflops=matmul_gflops, loadavg_after_throughput=os.getloadavg())
    if not args.no_one_core:
        core = min(os.sched_getaffinity(0))
        log(f"the same on one core (JAX pinned to cpu {core}, PyTorch with 1 thread), as each workflow training job runs")
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "one_core.json"
        subprocess.run([sys.executable, __file__, "--repeats", str(args.repeats), "--conv-images", str(args.conv_images),
                        "--throughput-only", str(path)], env={**CHILD_ENV, "BENCHMARK_CORE": str(core)}, check=True)
        one = json.loads(path.read_text())
        results.update(throughput_one_core=one["throughput"], matmul_gflops_one_core=one["matmul_gflops"])
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds after the warm-up (default 5)")
    parser.add_argument("--conv-images", type=int, default=4096, help="training images per conv epoch (default 4096)")
    parser.add_argument("--study", default=None,
                        help="'run': run the default study into benchmarks/out/study and time it and a no-op "
                             "rerun; a directory: read a finished run there; default: read benchmarks/out/study if present")
    parser.add_argument("--cores", type=int, default=2, help="snakemake --cores for the study (default 2)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-one-core", action="store_true", help="skip the measurement on one core")
    parser.add_argument("--reuse-throughput", action="store_true",
                        help="take the throughput figures from the last run (benchmarks/out/results.json) instead of "
                             "measuring them; with no --study, this only rewrites RESULTS.md")
    parser.add_argument("--throughput-only", type=Path, help=argparse.SUPPRESS)  # the one-core subprocess
    args = parser.parse_args(argv)
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if torch is not None:
        torch.set_num_threads(len(os.sched_getaffinity(0)))

    if args.reuse_throughput:
        results = json.loads((OUT / "results.json").read_text())
        results.pop("study", None), results.pop("study_error", None)
    else:
        results = measure(args, log)
        if results is None:  # the one-core subprocess
            return
    rows = results["throughput"]
    by = {(r["arch"], r["model"], r["batch"]): r for r in rows}

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))  # kept if the study fails
    study_dir = OUT / "study" if args.study in (None, "run") else Path(args.study).resolve()
    timings = None
    try:
        if args.study == "run":
            log("the default study")
            timings = run_study(study_dir, args.cores, log)
        elif (study_dir / "results" / "models").exists():
            timings = read_timings(study_dir, args.cores, log)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        log(f"the study could not be timed: {error}")
        results["study_error"] = str(error).splitlines()[0]
    if timings is not None:
        jobs = [j for j in study_records(study_dir) if not j["resumed"]]  # a resumed job's record mixes two processes
        math_s = 0.0
        for j in jobs:
            c = j["config"]
            ref = by.get((c["arch"], c["model"], c["batch_size"])) or by[(c["arch"], c["model"], 128)]
            math_s += j["images"] / ref["jax_ips"]
        per = {k: median([j[k] for j in jobs if k in j]) for k in
               ("job_s", "script_s", "training_s", "compile_s", "math_s", "job_images_per_s", "max_rss_mb")}
        per["overhead_s"] = median([j["job_s"] - j["math_s"] for j in jobs if "job_s" in j])
        per["start_s"] = median([j["job_s"] - j["script_s"] for j in jobs if "job_s" in j])
        per["setup_s"] = median([j["script_s"] - j["training_s"] for j in jobs])
        results["study"] = {"directory": str(study_dir), "timings": timings, "jobs": jobs, "per_job": per, "math_seconds": math_s}

    mlp = [r for r in rows if r["arch"] == "mlp"]
    conv = [r for r in rows if r["arch"] == "conv"]
    targets = {
        "mlp_vs_torch": min((r["ratio"] for r in mlp if r["ratio"]), default=None),
        "mlp_gflops_vs_matmul": max(r["jax_gflops"] for r in mlp) / median(results["matmul_gflops"]),
        "conv_vs_torch": min((r["ratio"] for r in conv if r["ratio"]), default=None),
    }
    if "study" in results:
        s = results["study"]
        full, noop = s["timings"].get("full_seconds"), s["timings"].get("noop_seconds")
        targets["study_wall_vs_math"] = full / s["math_seconds"] if full and s["math_seconds"] else None
        targets["noop_vs_full"] = noop / full if full and noop else None
        rss = [j["max_rss_mb"] for j in s["jobs"] if "max_rss_mb" in j]
        train_kind = (s["timings"].get("full_jobs") or {}).get("train", {})
        peaks = rss + ([train_kind["peak_rss_mb"]] if train_kind else [])
        targets["train_peak_rss_gb"] = max(peaks) * 2**20 / 1e9 if peaks else None  # MiB -> GB
    results["targets"] = targets

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    kept = ""
    if args.output.exists():
        found = re.search(r"<!-- analysis -->\n(.*?)<!-- /analysis -->", args.output.read_text(), flags=re.S)
        kept = found.group(1) if found else ""
    args.output.write_text(report(results, kept))
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
