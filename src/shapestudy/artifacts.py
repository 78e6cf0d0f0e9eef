"""Files a training job leaves behind, written atomically, and reading them back."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path

import jax
import jax.numpy as jnp
from flax import serialization

from shapestudy.models import make_model
from shapestudy.train import TrainConfig

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


def save_params(path: str | Path, params) -> None:
    write_atomic(path, serialization.to_bytes(params))


def load_model(params_path: str | Path, record_path: str | Path):
    """(model, params, config) of a trained run, from its parameters and run record."""
    try:
        record = json.loads(Path(record_path).read_text())
        config = TrainConfig(**record["config"])
        record["image_shape"] = [int(side) for side in record["image_shape"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{record_path}: not a readable run record ({type(error).__name__}: {error})") from None
    model = make_model(config.model, config.arch, config.latent_dim, record["image_shape"])
    expected = jax.eval_shape(
        model.init, jax.random.PRNGKey(0), jnp.zeros((1, *record["image_shape"])), jax.random.PRNGKey(0)
    )["params"]
    try:
        params = serialization.msgpack_restore(Path(params_path).read_bytes())
        shapes_match = jax.tree.map(lambda p, e: p.shape == e.shape, params, expected)
        if not all(jax.tree.leaves(shapes_match)):
            raise ValueError("parameter shapes differ")
    except Exception as error:  # msgpack, flax and tree matching raise several types
        raise ValueError(
            f"{params_path}: not a readable checkpoint of {run_name(config)} ({error})"
        ) from None
    return model, params, config


def load_models(params_paths, record_paths) -> list:
    """(model, params, config) of several runs, in the order given."""
    return [load_model(p, r) for p, r in zip(params_paths, record_paths)]


def trained_runs(params_paths, record_paths):
    """(run id, model, params, config) of each run, one at a time; the run id is the name of the
    run's folder (results/models/{run}/)."""
    for params_path, record_path in zip(params_paths, record_paths):
        yield (Path(params_path).parent.name, *load_model(params_path, record_path))


def run_name(config: TrainConfig) -> str:
    beta = f" beta={config.beta:g}" if config.variational else ""
    return f"{config.model}/{config.arch} latent_dim={config.latent_dim}{beta} seed={config.seed}"
