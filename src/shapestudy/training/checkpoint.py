"""A training job's full state, saved every K epochs so that a killed job resumes where it stopped,
and kept after the last epoch so that a run stopped at the cap continues when the cap is raised.

The file (results/models/{run}/checkpoint.msgpack) holds the TrainState (parameters, Adam state
with the warmup's step count and the step size), the parameters of the best validation epoch so
far, the last finished epoch and the history so far. Nothing more is needed: the key of epoch e is
fold_in(PRNGKey(seed), e) and the step size and the stop follow from the history alone
(stopping.py), so a resumed run draws and decides exactly what an uninterrupted one does, and its
final parameters are bitwise identical.

It also holds the identity of the run that wrote it: the training configuration without the cap
(nothing in a run's trajectory depends on the cap, only where it ends), the code hash and the
library versions of the rule's params. A job resumes only from a checkpoint with its own identity
and at most as many epochs as its cap; it ignores any other (and an unreadable one) and starts
from scratch. The file is not an output of the rule, so Snakemake neither deletes it when a job
fails nor asks for it. Once all the job's outputs are written, the training script shrinks the
checkpoint of each converged seed to what a finished run needs (its best parameters and history):
a later job of the same point, with more seeds or another cap, restores it bitwise instead of
training it again. A seed stopped at the cap keeps its whole state, to continue from.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from flax import serialization

from shapestudy.files import write_atomic
from shapestudy.training import stopping

FORMAT = 3


class Checkpoint:
    """Save and restore one training job's state at `path` every `every` epochs (0: never)."""

    def __init__(self, path, every: int, config, fingerprint=None, log: Callable[[str], None] = print):
        self.path = Path(path)
        self.every = int(every)
        run = {key: value for key, value in dataclasses.asdict(config).items() if key != "max_epochs"}
        self.identity = json.dumps({"format": FORMAT, "config": run, "fingerprint": fingerprint}, sort_keys=True,
                                   default=str)
        self.log = log
        self.resumed_epoch = 0

    def due(self, epoch: int, last: bool = False) -> bool:
        """Save after this epoch? Also after the last one (`last`: the stopping rule stopped): a
        job trains several seeds, and if a later one fails, Snakemake deletes the outputs of all,
        so a rerun restores this seed's final state instead of training it again."""
        return self.every > 0 and (epoch % self.every == 0 or last)

    def save(self, state, best_params, epoch: int, history: list[dict]) -> None:
        """The whole training state after `epoch`; `state` None: a finished run, which needs its
        best parameters and history only (finish). `history` is a list of rows or a DataFrame."""
        if isinstance(history, list):
            columns = list(history[0]) if history else []
            arrays = [np.asarray([row[c] for row in history]) for c in columns]
        else:
            columns, arrays = list(history.columns), [history[c].to_numpy() for c in history.columns]
        payload = {
            "identity": self.identity,
            "epoch": epoch,
            "state": None if state is None else serialization.to_state_dict(state),
            "best_params": serialization.to_state_dict(best_params),
            "history_columns": json.dumps(columns),
            # One array per column keeps each value's dtype (float32 metrics, float64 seconds).
            "history": {str(i): array for i, array in enumerate(arrays)},
        }
        write_atomic(self.path, serialization.msgpack_serialize(payload))

    def restore(self, state, rule: stopping.Rule) -> tuple[object, object, list[dict]]:
        """(state, best parameters, history) from the checkpoint if it is this run's and the run can
        go on from it under `rule` (its cap), else the given state, its parameters and []."""
        fresh = state, state.params, []
        for stale in self.path.parent.glob(f".{self.path.name}.*.part"):
            stale.unlink(missing_ok=True)  # left by a job killed while writing
        if not self.path.exists():
            return fresh
        try:
            payload = serialization.msgpack_restore(self.path.read_bytes())
            identity = payload["identity"]
            epoch = int(payload["epoch"])
            finished = payload["state"] is None
            restored = state if finished else serialization.from_state_dict(state, payload["state"])
            best = serialization.from_state_dict(state.params, payload["best_params"])
            columns = json.loads(payload["history_columns"])
            values = [list(payload["history"][str(i)]) for i in range(len(columns))]
            history = [dict(zip(columns, row)) for row in zip(*values)]
        except Exception as error:  # msgpack, flax and a foreign payload raise several types
            self.log(f"ignoring {self.path}: not a readable checkpoint ({' '.join(str(error).split())})")
            return fresh
        if identity != self.identity:
            self.log(f"ignoring {self.path}: written by another configuration, code or library version")
            return fresh
        if epoch < 1 or len(history) != epoch:
            self.log(f"ignoring {self.path}: its history does not match its epoch {epoch}")
            return fresh
        if epoch > rule.max_epochs:
            self.log(f"ignoring {self.path}: holds epoch {epoch}, beyond the cap of {rule.max_epochs} epochs "
                     "(a run is not cut back; it trains again)")
            return fresh
        if finished and not stopping.assess([row["validation_loss"] for row in history], rule).stop:
            self.log(f"ignoring {self.path}: holds a run stopped at a lower cap without its whole state")
            return fresh
        self.resumed_epoch = epoch
        self.log(f"resuming from {self.path} after epoch {epoch}")
        return restored, best, history

    def finish(self, best_params, history, verdict: stopping.Verdict) -> None:
        """Keep a converged run's best parameters and history only (a quarter of the whole state): a
        later job of the same point, with more seeds or another cap, restores it instead of training
        it again. A run stopped at the cap keeps the whole state of its last epoch, from which a
        higher cap continues it."""
        if self.every > 0 and verdict.converged:
            self.save(None, best_params, len(history), history)
