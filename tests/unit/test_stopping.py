"""The stopping rule on constructed validation curves, and on real tiny trainings: plateaus lower
the step size, a plateau at the lowest step size stops a run (converged) before the cap and keeps
its best epoch, and a run still improving at the cap is flagged."""

import dataclasses
import math

import jax
import numpy as np
import pytest

from shapestudy.data import pixels
from shapestudy.training import stopping, train


def rule(**changes) -> stopping.Rule:
    settings = dict(patience=3, tolerance=0.01, reductions=0, warmup_epochs=0, max_epochs=100)
    return stopping.Rule(**{**settings, **changes})


def test_a_flat_window_at_the_lowest_step_size_stops_the_run_converged():
    losses = [10.0, 8.0, 7.0, 6.99, 6.995, 6.991]
    verdict = stopping.assess(losses, rule())
    # Best before the window (epochs 1-3): 7.0; best in all: 6.99; 0.14% < 1%; no reduction left.
    assert verdict.stop and verdict.stop_reason == "plateau" and verdict.converged
    assert verdict.best_epoch == 4 and verdict.epochs == 6 and verdict.reductions == 0
    assert verdict.relative_improvement == pytest.approx((7.0 - 6.99) / 7.0)


def test_a_plateau_with_reductions_left_lowers_the_step_size_and_waits_a_window_at_it():
    losses = [10.0, 8.0, 7.0, 6.99, 6.995, 6.991]
    verdict = stopping.assess(losses, rule(reductions=2))
    assert not verdict.stop and verdict.reductions == 1
    # The next window is the 3 epochs after the reduction (epochs 7-9), flat again: the second reduction.
    flat = [*losses, 6.99, 6.99, 6.99]
    assert stopping.assess(flat[:8], rule(reductions=2)).reductions == 1
    assert stopping.assess(flat, rule(reductions=2)).reductions == 2
    # A third flat window at the lowest step size stops the run.
    done = stopping.assess([*flat, 6.99, 6.99, 6.99], rule(reductions=2))
    assert done.stop_reason == "plateau" and done.converged and done.epochs == 12 and done.reductions == 2


def test_an_improvement_after_a_reduction_delays_the_next_one():
    losses = [10.0, 8.0, 7.0, 6.99, 6.995, 6.991, 6.0, 5.0, 4.0]  # reduced after epoch 6, then it improves
    verdict = stopping.assess(losses, rule(reductions=2))
    assert not verdict.stop and verdict.reductions == 1 and verdict.relative_improvement > 0.01


def test_no_plateau_is_looked_for_in_the_warmup():
    losses = [5.0] * 6
    assert stopping.assess(losses, rule(warmup_epochs=4)).stop is False  # first window: epochs 5-7
    assert stopping.assess([*losses, 5.0], rule(warmup_epochs=4)).stop_reason == "plateau"


def test_an_improving_run_goes_on_and_is_flagged_at_the_cap():
    losses = [10.0, 9.0, 8.0, 7.0]
    going = stopping.assess(losses, rule(patience=2, max_epochs=5))
    assert not going.stop and going.stop_reason is None
    capped = stopping.assess([*losses, 6.0], rule(patience=2, max_epochs=5))
    assert capped.stop and capped.stop_reason == "max_epochs" and not capped.converged
    assert capped.best_epoch == 5 and capped.relative_improvement == pytest.approx(2 / 8)


def test_a_flat_last_window_at_the_lowest_step_size_at_the_cap_counts_as_converged():
    verdict = stopping.assess([5.0, 4.0, 4.0, 4.0], rule(patience=2, tolerance=0.0, max_epochs=4))
    assert verdict.stop_reason == "plateau" and verdict.converged


def test_the_cap_changes_where_a_run_ends_and_nothing_before():
    losses = list(np.linspace(10, 5, 30)) + [5.0] * 20
    short, long = stopping.assess(losses[:30], rule(max_epochs=30)), stopping.assess(losses, rule(max_epochs=300))
    assert short.stop_reason == "max_epochs" and long.stop_reason == "plateau" and long.epochs > 30
    # Each prefix decides the same under both caps until the short cap stops.
    for epoch in range(1, 30):
        assert stopping.assess(losses[:epoch], rule(max_epochs=30)) == stopping.assess(losses[:epoch], rule(max_epochs=300))


def test_no_verdict_before_a_full_window():
    verdict = stopping.assess([5.0, 5.0], rule(patience=2, tolerance=0.5))
    assert not verdict.stop and math.isnan(verdict.relative_improvement)


def test_a_worse_epoch_keeps_the_best_one():
    verdict = stopping.assess([5.0, 3.0, 4.0, 4.5, 4.2], rule())
    assert verdict.best_epoch == 2 and verdict.stop_reason == "plateau"  # 3.0 is before no window


@pytest.fixture(scope="module")
def splits(shapes_splits):
    return shapes_splits(12, 6)


def validation_loss(config, state, images):
    return float(train.make_evaluate(config)(state, pixels.to_unit(images), jax.random.PRNGKey(0))[0])


def test_a_real_training_stops_on_a_plateau_at_its_lowest_step_size_and_keeps_its_best_epoch(splits):
    config = train.TrainConfig(model="ae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, max_epochs=300,
                               patience=3, tolerance=0.02,
                               reductions=2, batch_size=32, learning_rate=3e-3)
    lines = []
    state, history, verdict = train.train(config, *splits, log=lines.append)
    assert verdict.stop_reason == "plateau" and verdict.converged and verdict.reductions == 2
    assert len(history) == verdict.epochs < config.max_epochs
    # Each reduction is logged with the step size that follows it.
    reduced = [line for line in lines if "step size reduced to" in line]
    assert [line.rsplit(" ", 1)[-1] for line in reduced] == ["0.0015", "0.00075"]
    best = history["validation_loss"].idxmin()
    assert verdict.best_epoch == best + 1
    # The parameters returned are the best epoch's: their validation loss is that epoch's (the AE's
    # validation loss needs no noise).
    assert validation_loss(config, state, splits[1]) == pytest.approx(history["validation_loss"][best], rel=1e-5)


def test_a_real_training_still_improving_hits_the_cap_and_is_flagged(splits):
    config = train.TrainConfig(model="vae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, beta=1.0,
                               max_epochs=4, patience=2,
                               tolerance=0.0, batch_size=32, warmup_epochs=1)
    _, history, verdict = train.train(config, *splits, log=lambda _: None)
    assert verdict.stop_reason == "max_epochs" and not verdict.converged and len(history) == 4
    assert verdict.relative_improvement > 0
    assert np.isfinite(history["validation_loss"]).all()


def test_the_step_size_follows_the_warmup_then_the_reductions(splits):
    """Adam's step is learning_rate x the warmup's fraction x factor^reductions: the optimizer state
    holds the step size the rule set, and during the warmup the update grows step by step."""
    config = train.TrainConfig(model="ae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, max_epochs=3,
                               batch_size=32, learning_rate=2e-3,
                               warmup_epochs=1, reductions=3, reduction_factor=0.25)
    state = train.create_state(config, splits[0].shape[1:], len(splits[0]))
    reduced = train.set_step_size(state, config.step_size(2))
    assert float(reduced.opt_state[-1].hyperparams["step_size"]) == pytest.approx(-2e-3 / 16)
    assert config.step_size(0) == 2e-3 and dataclasses.replace(config, reductions=0).step_size(0) == 2e-3
