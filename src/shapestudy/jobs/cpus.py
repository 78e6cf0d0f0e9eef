"""Pin a job to as many CPU cores as it declared, so parallel jobs do not share cores, and the
JAX settings that depend on the cores: XLA flags and the persistent compilation cache.

XLA sizes its CPU thread pool from the process's affinity mask and ignores OMP_NUM_THREADS, so
under `snakemake --cores 2` two `threads: 1` training jobs would each start a pool for both cores
and fight over them (pinned one per core, two jobs train about 8% faster in total than
unpinned). Snakemake does not say which cores a job got, so jobs claim
free cores themselves: one lock file per core in the temporary directory, held with flock for the
life of the process. The kernel drops a lock when its process ends, however it ends, so a crashed
or killed job never leaks a core, and the claim is shared by every Snakemake run on the machine.

Nothing changes when the job's mask already has no more cores than it asked for (SLURM, taskset,
a cgroup), or when fewer cores than asked are free (the job keeps the whole mask rather than pile
onto a busy core). Call it before JAX starts its backend, and configure_xla after it.

Where the system has no affinity calls (macOS: no os.sched_getaffinity or os.sched_setaffinity),
the process counts os.cpu_count() cores and is never pinned (can_pin; jobs.start logs it).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path

_held: list[int] = []  # lock file descriptors, open for the life of the process

# XLA flags for a process with more than one core, by jaxlib minor version (an unknown XLA flag
# is fatal, so they are set only where they were measured). jaxlib 0.10 runs convolutions through
# YNNPACK on one thread; without it, Eigen's convolutions use every core of the process: conv
# training on 2 cores 20-33% faster (benchmarks/RESULTS.md), MLP unchanged, and on one core the
# same, so a pinned one-core job keeps the default.
MULTICORE_XLA_FLAGS = {"0.10": ["--xla_cpu_experimental_ynn_fusion_type=-individual_convolution"]}


def can_pin() -> bool:
    """Whether this system lets a process set its cores (Linux does, macOS does not)."""
    return hasattr(os, "sched_getaffinity") and hasattr(os, "sched_setaffinity")


def allowed_cores() -> list[int]:
    """The cores this process may run on: its affinity mask, or every core where there is none."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def configure_xla() -> list[str]:
    """Add to XLA_FLAGS the flags measured best for this process's cores; flags already named in
    XLA_FLAGS are left as they are. Returns the flags added. Call it before JAX starts."""
    if len(allowed_cores()) < 2:
        return []
    try:
        version = ".".join(metadata.version("jaxlib").split(".")[:2])
    except metadata.PackageNotFoundError:
        return []
    current = os.environ.get("XLA_FLAGS", "")
    added = [f for f in MULTICORE_XLA_FLAGS.get(version, []) if f.split("=")[0] not in current]
    if added:
        os.environ["XLA_FLAGS"] = " ".join([current, *added]).strip()
    return added


def claim_cores(count: int, lock_dir: str | None = None) -> set[int] | None:
    """Pin this process to `count` free cores of its affinity mask; return them, or None when
    the mask was left as it was (always where the system cannot pin: can_pin)."""
    allowed = allowed_cores()
    if not can_pin() or count < 1 or len(allowed) <= count or _held:
        return None
    lock_dir = lock_dir or tempfile.gettempdir()
    claimed, fds = [], []
    for cpu in allowed:
        path = os.path.join(lock_dir, f"shapestudy-cpu{cpu}.lock")
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        claimed.append(cpu)
        fds.append(fd)
        if len(claimed) == count:
            break
    if len(claimed) < count:
        for fd in fds:
            os.close(fd)
        return None
    os.sched_setaffinity(0, claimed)
    _held.extend(fds)
    return set(claimed)


def compilation_cache(directory: str | Path) -> Path:
    """Keep JAX's compiled programs in `directory`, one folder per CPU model and feature set (XLA
    compiles for the host's instruction set, and JAX's cache key does not name it): jobs of the
    same architecture and latent size compile the same programs (training steps, encoders,
    decoders), so all but the first load them instead of compiling, and so does a rerun. JAX writes an entry only when absent and treats an unreadable one
    as a miss. Set before JAX is imported; a directory already in the environment wins."""
    cpuinfo = Path("/proc/cpuinfo")
    text = cpuinfo.read_text() if cpuinfo.exists() else platform.processor()
    lines = sorted({line for line in text.splitlines() if line.startswith(("model name", "flags"))})
    folder = Path(directory) / hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(folder))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])
