"""File writing at the bottom of the package: atomic writes, JSON, the versions of the libraries a
result depends on, and where a job ran. Imports no JAX, so jobs that only write tables and text
stay light."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path

VERSIONED_PACKAGES = ("jax", "jaxlib", "flax", "optax", "numpy")


def write_atomic(path: str | Path, payload: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: no reader sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, value) -> None:
    write_atomic(path, (json.dumps(value, indent=2, sort_keys=True, default=float) + "\n").encode())


def package_versions(packages=VERSIONED_PACKAGES) -> dict[str, str]:
    return {name: metadata.version(name) for name in packages}


def where_it_ran() -> dict[str, str | None]:
    return {"host": platform.node(), "slurm_job_id": os.environ.get("SLURM_JOB_ID")}
