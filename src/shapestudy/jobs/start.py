"""What every workflow script does first: write its messages to the job's log, pin itself to free
cores and set up JAX (cpus.py), and report an expected failure as one line and a non-zero exit
instead of a traceback.

Expected failures are the ones whose message already says what is wrong and where: a ValueError
(a bad config, a truncated or foreign Parquet file, an unreadable model file; the library raises
these naming the file and what it expected) and a train.DivergenceError (naming the configuration
and the epoch). Anything else is a bug and keeps its full traceback. Set SHAPESTUDY_TRACEBACK=1 to
get the traceback of expected failures too.

Scripts write their outputs atomically and only at the end (artifacts.write_atomic,
data.write_parquet), so a failed job leaves no half-written file, and Snakemake removes the
declared outputs of a failed job.
"""

from __future__ import annotations

import os
import sys
import traceback

from shapestudy.jobs import cpus


def is_expected(error: BaseException) -> bool:
    """A failure reported as one line: a ValueError or a diverged training."""
    if isinstance(error, ValueError):
        return True
    train = sys.modules.get("shapestudy.training.train")  # loaded whenever a training can have diverged
    return train is not None and isinstance(error, train.DivergenceError)


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def set_environment(gpu: bool) -> None:
    """What numpy and JAX read when they load, for a job (and a benchmark that measures as jobs
    run); settings already in the environment win. Call it before either is imported."""
    # JAX uses a GPU only where the job asked for one (resource gpu, from training.gpu), and then
    # takes device memory as it needs it instead of 75% of the device at start, so several jobs
    # can share a GPU.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if not gpu:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    # numpy asks the kernel for huge pages for every array of 4 MB or more (madvise); where the
    # kernel then compacts memory to find them (transparent_hugepage/defrag "madvise"), filling a
    # new 31 MB array took 0.33-0.45 s instead of 13-27 ms, and sample-quality jobs run one at a
    # time took a third less time without them (benchmarks/RESULTS.md).
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


def start_job(snakemake) -> set[int] | None:
    """Send stderr to the job's log, pin the job to free cores, set up JAX (device, XLA flags,
    compilation cache) and install the one-line report of expected failures. Call it before
    anything imports numpy or JAX. Returns the cores the job was pinned to (None: not pinned)."""
    sys.stderr = open(snakemake.log[0], "w", buffering=1)
    # One free core per declared thread, for JAX's thread pool and numpy's BLAS alike, so that two
    # jobs under --cores 2 never share a core; the XLA flags for the cores the job has; and
    # compiled programs shared between jobs (see cpus.py).
    cores = cpus.claim_cores(snakemake.threads)
    cpus.configure_xla()
    cpus.compilation_cache(".snakemake/jax-cache")
    set_environment(gpu=bool(snakemake.resources.get("gpu", 0)))
    job = snakemake.rule + "".join(f" {value}" for value in snakemake.wildcards)

    def report(kind, error, tb):
        if not is_expected(error) or os.environ.get("SHAPESTUDY_TRACEBACK"):
            traceback.print_exception(kind, error, tb, file=sys.stderr)
        else:
            line = f"error in {job}: {one_line(error)}"
            print(line, file=sys.stderr)
            if sys.__stderr__ is not None and sys.__stderr__ is not sys.stderr:
                print(line, file=sys.__stderr__)  # also on the terminal, beside Snakemake's report
        sys.stderr.flush()

    sys.excepthook = report
    if cores:
        print(f"{job}: cpus {sorted(cores)}", file=sys.stderr)
    elif cpus.can_pin():
        print(f"{job}: cpus unpinned", file=sys.stderr)
    else:
        print(f"{job}: cpus unpinned: this system has no CPU affinity calls (os.sched_setaffinity), "
              f"so parallel jobs may share cores", file=sys.stderr)
    return cores
