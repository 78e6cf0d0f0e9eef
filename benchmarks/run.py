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

The parts: throughput.py (training throughput against PyTorch, matmul, FLOPs; its docstring gives
the method), study.py (the default study: its run, its jobs, their timings), report.py (the
targets and RESULTS.md).
"""

from __future__ import annotations

import os

if os.environ.get("BENCHMARK_CORE"):  # the one-core measurement: pinned before JAX starts its threads
    os.sched_setaffinity(0, {int(os.environ["BENCHMARK_CORE"])})

from shapestudy.jobs import cpus  # noqa: E402

# Child processes (the one-core run, Snakemake) get the environment as it was, and choose for themselves.
CHILD_ENV = dict(os.environ)
cpus.configure_xla()  # as scripts/train.py does, before JAX starts

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import report  # noqa: E402
import study  # noqa: E402
import throughput  # noqa: E402

from shapestudy import config as study_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def measure(args, log) -> dict | None:
    """Throughput of both frameworks and the matmul, on all cores and (in a subprocess) on one."""
    results = {"command": " ".join(["benchmarks/run.py", *sys.argv[1:]]),
               "machine": throughput.machine(), "conv_images": args.conv_images}
    config = study_config.load(ROOT / "config.yaml")
    log("throughput (JAX vs PyTorch, interleaved) and matmul")
    images = throughput.train_images(config)
    rows, matmul_gflops = throughput.throughput(images, args.repeats, args.conv_images, log)
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


def save(results: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))


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

    if args.reuse_throughput:
        results = json.loads((OUT / "results.json").read_text())
        results.pop("study", None), results.pop("study_error", None)
    else:
        results = measure(args, log)
        if results is None:  # the one-core subprocess
            return
    save(results)  # kept if the study fails
    study_dir = OUT / "study" if args.study in (None, "run") else Path(args.study).resolve()
    timings = None
    try:
        if args.study == "run":
            log("the default study")
            timings = study.run(study_dir, args.cores, log, CHILD_ENV)
        elif (study_dir / "results" / "models").exists():
            timings = study.read_timings(study_dir, args.cores, log, CHILD_ENV)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        log(f"the study could not be timed: {error}")
        results["study_error"] = str(error).splitlines()[0]
    if timings is not None:
        results["study"] = study.summary(study_dir, timings, results["throughput"])
    results["targets"] = report.targets(results)
    save(results)
    report.write(args.output, results)
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
