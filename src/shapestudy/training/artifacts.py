"""Files a training job leaves behind, written atomically, and reading them back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
from flax import serialization

from shapestudy.files import write_atomic
from shapestudy.training import stopping
from shapestudy.training.models import AutoEncoder, make_model
from shapestudy.training.train import TrainConfig


class TrainedRun(NamedTuple):
    """A trained seed: its run id (the name of its folder, results/models/{run}/), its model, its
    parameters and its training configuration."""

    run: str
    model: AutoEncoder
    params: dict
    config: TrainConfig
    outcome: dict  # how its training ended (outcome()), from its run record


def save_params(path: str | Path, params) -> None:
    write_atomic(path, serialization.to_bytes(params))


def read_record(record_path: str | Path) -> dict:
    """A run record (record.json of a training job), checked for what readers take from it."""
    try:
        record = json.loads(Path(record_path).read_text())
        # Runs recorded before training.matmul existed multiplied in float32.
        record["config"].setdefault("matmul", "float32")
        TrainConfig(**record["config"])
        record["image_shape"] = [int(side) for side in record["image_shape"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{record_path}: not a readable run record ({type(error).__name__}: {error})") from None
    return record


def outcome(record: dict) -> dict:
    """How a run's training ended (stopping.Verdict.record()), from its run record."""
    return {field: record.get(field) for field in stopping.RECORD_FIELDS}


def load_model(params_path: str | Path, record_path: str | Path):
    """(model, params, config) of a trained run, from its parameters and run record."""
    record = read_record(record_path)
    config = TrainConfig(**record["config"])
    model = make_model(config.model, config.arch, config.latent_dim, record["image_shape"], config.hidden,
                       config.matmul)
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
            f"{params_path}: not a readable checkpoint of {config.name} ({error})"
        ) from None
    return model, params, config


def load_trained(params_path: str | Path, record_path: str | Path) -> TrainedRun:
    """The TrainedRun of a run's parameters and run record."""
    model, params, config = load_model(params_path, record_path)
    return TrainedRun(Path(params_path).parent.name, model, params, config, outcome(read_record(record_path)))


def trained_runs(params_paths, record_paths):
    """The TrainedRun of each run, one at a time."""
    for params_path, record_path in zip(params_paths, record_paths):
        yield load_trained(params_path, record_path)
