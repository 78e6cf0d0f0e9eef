"""The benchmark's verdicts against its targets, and RESULTS.md: the ratios, the raw figures and
the machine, with the analysis block of an existing RESULTS.md kept."""

from __future__ import annotations

import re
from pathlib import Path

from throughput import BETA, LATENT_DIM, median

TARGETS = {  # name: (comparison, threshold)
    "mlp_vs_torch": (">=", 1.6),
    "mlp_gflops_vs_matmul": (">=", 0.70),
    "conv_vs_torch": (">=", 1.3),
    "study_wall_vs_math": ("<=", 1.25),
    "noop_vs_full": ("<=", 0.01),
    "train_peak_rss_gb": ("<=", 1.0),
}


def targets(results: dict) -> dict:
    """The measures that TARGETS judge, from the throughput rows and the study's section."""
    rows = results["throughput"]
    mlp = [r for r in rows if r["arch"] == "mlp"]
    conv = [r for r in rows if r["arch"] == "conv"]
    measured = {
        "mlp_vs_torch": min((r["ratio"] for r in mlp if r["ratio"]), default=None),
        "mlp_gflops_vs_matmul": max(r["jax_gflops"] for r in mlp) / median(results["matmul_gflops"]),
        "conv_vs_torch": min((r["ratio"] for r in conv if r["ratio"]), default=None),
    }
    if "study" in results:
        s = results["study"]
        full, noop = s["timings"].get("full_seconds"), s["timings"].get("noop_seconds")
        measured["study_wall_vs_math"] = full / s["math_seconds"] if full and s["math_seconds"] else None
        measured["noop_vs_full"] = noop / full if full and noop else None
        rss = [j["max_rss_mb"] for j in s["jobs"] if "max_rss_mb" in j]
        train_kind = (s["timings"].get("full_jobs") or {}).get("train", {})
        peaks = rss + ([train_kind["peak_rss_mb"]] if train_kind else [])
        measured["train_peak_rss_gb"] = max(peaks) * 2**20 / 1e9 if peaks else None  # MiB -> GB
    return measured


def write(path: Path, results: dict) -> None:
    """RESULTS.md at `path`, keeping the analysis block of the one there."""
    kept = ""
    if path.exists():
        found = re.search(r"<!-- analysis -->\n(.*?)<!-- /analysis -->", path.read_text(), flags=re.S)
        kept = found.group(1) if found else ""
    path.write_text(markdown(results, kept))


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


def markdown(results: dict, kept_analysis: str) -> str:
    m, rows, study = results["machine"], results["throughput"], results.get("study")
    matmul_gflops = median(results["matmul_gflops"])
    lines = [
        "# Training speed: the project against PyTorch eager and the machine's limits",
        "",
        f"Throughput measured by `{results['command']}` on {m['date']}; the study's figures come from",
        "the run named in its section. Regenerate with `.venv/bin/python benchmarks/run.py --study run`;",
        "the analysis block below is kept. Method and FLOP counting: see the docstring of",
        "benchmarks/throughput.py; options: benchmarks/run.py --help.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores (affinity {m['affinity']}), {m['simd']}, "
        f"{m['memory_gb']:.0f} GB; Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
        + f". XLA_FLAGS: `{m['xla_flags'] or '(none)'}` (src/shapestudy/jobs/cpus.py, as in training jobs with more than one core)"
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
            "JAX pinned to one core before it starts (as every workflow training job is, see src/shapestudy/jobs/cpus.py), "
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
            "from results/models/*/record.json and logs/benchmarks/train_*/*.tsv):",
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
