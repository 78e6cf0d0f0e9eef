"""A training job's full state, saved every K epochs so that a killed job resumes where it stopped.

The file (results/models/{run}/checkpoint.msgpack) holds the TrainState (parameters, Adam state,
step), the last finished epoch and the history so far. The random numbers need nothing more: the
key of epoch e is fold_in(PRNGKey(seed), e), so a resumed run draws exactly what an uninterrupted
one draws, and its final parameters are bitwise identical.

It also holds the identity of the job that wrote it: the training configuration except `epochs`
(nothing in an epoch depends on the total), the code hash and the library versions of the rule's
params. A job resumes only from a checkpoint with its own identity; it ignores any other (and an
unreadable one) and starts from scratch. The file is not an output of the rule, so Snakemake
neither deletes it when a job fails nor asks for it; the training script removes it after the
job's outputs are written.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from flax import serialization

from shapestudy.files import write_atomic

FORMAT = 1


class Checkpoint:
    """Save and restore one training job's state at `path` every `every` epochs (0: never)."""

    def __init__(self, path, every: int, config, fingerprint=None, log: Callable[[str], None] = print):
        self.path = Path(path)
        self.every = int(every)
        self.epochs = config.epochs
        fields = {k: v for k, v in dataclasses.asdict(config).items() if k != "epochs"}
        self.identity = json.dumps(
            {"format": FORMAT, "config": fields, "fingerprint": fingerprint}, sort_keys=True, default=str
        )
        self.log = log
        self.resumed_epoch = 0

    def due(self, epoch: int) -> bool:
        """Save after this epoch? Also after the last one: a job trains several seeds, and if a
        later one fails, Snakemake deletes the outputs of all, so a rerun restores this seed's
        final state instead of training it again."""
        return self.every > 0 and (epoch % self.every == 0 or epoch == self.epochs)

    def save(self, state, epoch: int, history: list[dict]) -> None:
        columns = list(history[0]) if history else []
        payload = {
            "identity": self.identity,
            "epoch": epoch,
            "state": serialization.to_state_dict(state),
            "history_columns": json.dumps(columns),
            # One array per column keeps each value's dtype (float32 metrics, float64 seconds).
            "history": {str(i): np.asarray([row[c] for row in history]) for i, c in enumerate(columns)},
        }
        write_atomic(self.path, serialization.msgpack_serialize(payload))

    def restore(self, state) -> tuple[object, list[dict]]:
        """(state, history) from the checkpoint if it is this job's, else the given state and []."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.part"):
            stale.unlink(missing_ok=True)  # left by a job killed while writing
        if not self.path.exists():
            return state, []
        try:
            payload = serialization.msgpack_restore(self.path.read_bytes())
            identity = payload["identity"]
            epoch = int(payload["epoch"])
            restored = serialization.from_state_dict(state, payload["state"])
            columns = json.loads(payload["history_columns"])
            values = [list(payload["history"][str(i)]) for i in range(len(columns))]
            history = [dict(zip(columns, row)) for row in zip(*values)]
        except Exception as error:  # msgpack, flax and a foreign payload raise several types
            self.log(f"ignoring {self.path}: not a readable checkpoint ({' '.join(str(error).split())})")
            return state, []
        if identity != self.identity:
            self.log(f"ignoring {self.path}: written by another configuration, code or library version")
            return state, []
        if not 0 < epoch <= self.epochs or len(history) != epoch:
            self.log(f"ignoring {self.path}: holds epoch {epoch} of a run of {self.epochs} epochs")
            return state, []
        self.resumed_epoch = epoch
        self.log(f"resuming from {self.path} after epoch {epoch}")
        return restored, history

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
