"""When training stops: on a plateau of the validation loss, or at a cap on the epochs.

The rule looks at the validation loss of every epoch so far. Its window is the last `patience`
epochs: training has reached a plateau when the best loss now is less than `tolerance` (relative)
below the best loss before the window. A run that reaches `max_epochs` while still improving by
more than that stops too, flagged as not converged. The parameters kept are those of the best
validation epoch. The verdict depends on the history alone, so a resumed run decides exactly as
an uninterrupted one.

A plateau is what the rule can see; it is not proof of convergence (a decaying learning rate
flattens a curve by itself). benchmarks/RESULTS.md measures the gap to long reference runs.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

# The fields of a verdict that a run record stores (Verdict.record), and readers take from it.
RECORD_FIELDS = ("epochs_run", "best_epoch", "stop_reason", "converged", "relative_improvement")


@dataclasses.dataclass(frozen=True)
class Verdict:
    stop: bool
    stop_reason: str | None  # "plateau", "max_epochs", or None while training goes on
    converged: bool  # stopped on a plateau (at the cap too, if the last window was flat)
    epochs: int  # epochs run
    best_epoch: int  # 1-based; its parameters are the ones kept
    relative_improvement: float  # of the best loss over the last window; nan before a full window

    def record(self) -> dict:
        """The fields a run record stores (RECORD_FIELDS)."""
        values = (self.epochs, self.best_epoch, self.stop_reason, self.converged, self.relative_improvement)
        return dict(zip(RECORD_FIELDS, values))


def assess(validation_losses, patience: int, tolerance: float, max_epochs: int) -> Verdict:
    losses = np.asarray(validation_losses, dtype=np.float64)
    epochs = len(losses)
    best_epoch = int(np.argmin(losses)) + 1 if epochs else 0
    improvement = math.nan
    if epochs > patience:
        before, now = losses[: epochs - patience].min(), losses.min()
        improvement = float((before - now) / abs(before)) if before != 0 else 0.0
    plateau = epochs > patience and improvement <= tolerance
    if plateau:
        return Verdict(True, "plateau", True, epochs, best_epoch, improvement)
    if epochs >= max_epochs:
        return Verdict(True, "max_epochs", False, epochs, best_epoch, improvement)
    return Verdict(False, None, False, epochs, best_epoch, improvement)
