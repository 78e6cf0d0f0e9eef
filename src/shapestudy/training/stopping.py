"""When training lowers its step size and when it stops: on plateaus of the validation loss, never
on a schedule that knows the cap.

After the warmup the step size is constant, and the rule watches the validation loss of every
epoch. A plateau is a window of `patience` epochs at the current step size whose best loss is at
most `tolerance` (relative) below the best loss before the window. At a plateau the step size is
multiplied by `reduction_factor`, up to `reductions` times; a plateau at the lowest step size
(after the last reduction) stops the run, **converged**. A run that reaches `max_epochs` first
stops too, flagged as not converged. The parameters kept are those of the best validation epoch.

Everything the rule decides follows from the history of validation losses alone, and nothing
but the cap stop depends on the cap: a resumed run decides exactly as an uninterrupted one, and a
run stopped at the cap continues, when the cap is raised, exactly as if the cap had been higher
from the start.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

# The fields of a verdict that a run record stores (Verdict.record), and readers take from it.
RECORD_FIELDS = ("epochs_run", "best_epoch", "stop_reason", "converged", "relative_improvement", "reductions")


@dataclasses.dataclass(frozen=True)
class Rule:
    """The settings of the rule (training.* of the config)."""

    patience: int
    tolerance: float
    reductions: int  # the most times the step size is reduced; a plateau after the last one stops
    warmup_epochs: int  # the windows start after the warmup
    max_epochs: int


@dataclasses.dataclass(frozen=True)
class Verdict:
    stop: bool
    stop_reason: str | None  # "plateau", "max_epochs", or None while training goes on
    converged: bool  # stopped on a plateau at the lowest step size
    epochs: int  # epochs run
    best_epoch: int  # 1-based; its parameters are the ones kept
    reductions: int  # step-size reductions so far: the next epoch's step is learning_rate x factor^reductions
    relative_improvement: float  # of the last full window; nan before the first

    def record(self) -> dict:
        """The fields a run record stores (RECORD_FIELDS)."""
        values = (self.epochs, self.best_epoch, self.stop_reason, self.converged, self.relative_improvement,
                  self.reductions)
        return dict(zip(RECORD_FIELDS, values))


def assess(validation_losses, rule: Rule) -> Verdict:
    """The rule's verdict after the epochs of `validation_losses`, replaying its decisions."""
    losses = np.asarray(validation_losses, dtype=np.float64)
    # best_before[t]: the best loss of the first t epochs.
    best_before = np.minimum.accumulate(losses) if len(losses) else losses
    reductions, level_start, improvement = 0, rule.warmup_epochs, math.nan
    for epoch in range(1, len(losses) + 1):
        if epoch - level_start < rule.patience or epoch <= rule.patience:
            continue  # no full window at this step size yet, or nothing before the window
        before, now = best_before[epoch - rule.patience - 1], best_before[epoch - 1]
        improvement = float((before - now) / abs(before)) if before != 0 else 0.0
        if improvement > rule.tolerance:
            continue
        if reductions == rule.reductions:
            return _verdict(losses[:epoch], "plateau", reductions, improvement)
        reductions, level_start = reductions + 1, epoch
    if len(losses) >= rule.max_epochs:
        return _verdict(losses, "max_epochs", reductions, improvement)
    return _verdict(losses, None, reductions, improvement)


def _verdict(losses: np.ndarray, stop_reason: str | None, reductions: int, improvement: float) -> Verdict:
    best_epoch = int(np.argmin(losses)) + 1 if len(losses) else 0
    return Verdict(stop_reason is not None, stop_reason, stop_reason == "plateau", len(losses), best_epoch,
                   reductions, improvement)
