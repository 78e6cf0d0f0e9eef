"""The stopping rule on constructed validation curves, and on real tiny trainings: a run stops on a
plateau before the cap and keeps its best epoch; a run still improving at the cap is flagged."""

import math

import jax
import numpy as np
import pytest

from shapestudy.data import pixels
from shapestudy.training import stopping, train


def test_a_flat_window_is_a_plateau():
    losses = [10.0, 8.0, 7.0, 6.99, 6.995, 6.991]
    verdict = stopping.assess(losses, patience=3, tolerance=0.01, max_epochs=100)
    # Best before the window (epochs 1-3): 7.0; best in all: 6.99; 0.14% < 1%.
    assert verdict.stop and verdict.stop_reason == "plateau" and verdict.converged
    assert verdict.best_epoch == 4 and verdict.epochs == 6
    assert verdict.relative_improvement == pytest.approx((7.0 - 6.99) / 7.0)


def test_an_improving_run_goes_on_and_is_flagged_at_the_cap():
    losses = [10.0, 9.0, 8.0, 7.0]
    going = stopping.assess(losses, patience=2, tolerance=0.01, max_epochs=5)
    assert not going.stop and going.stop_reason is None
    capped = stopping.assess([*losses, 6.0], patience=2, tolerance=0.01, max_epochs=5)
    assert capped.stop and capped.stop_reason == "max_epochs" and not capped.converged
    assert capped.best_epoch == 5 and capped.relative_improvement == pytest.approx(2 / 8)


def test_a_flat_last_window_at_the_cap_counts_as_converged():
    verdict = stopping.assess([5.0, 4.0, 4.0, 4.0], patience=2, tolerance=0.0, max_epochs=4)
    assert verdict.stop_reason == "plateau" and verdict.converged


def test_no_verdict_before_a_full_window():
    verdict = stopping.assess([5.0, 5.0], patience=2, tolerance=0.5, max_epochs=10)
    assert not verdict.stop and math.isnan(verdict.relative_improvement)


def test_a_worse_epoch_keeps_the_best_one():
    verdict = stopping.assess([5.0, 3.0, 4.0, 4.5, 4.2], patience=3, tolerance=0.01, max_epochs=10)
    assert verdict.best_epoch == 2 and verdict.stop_reason == "plateau"  # 3.0 is before no window


@pytest.fixture(scope="module")
def splits(shapes_splits):
    return shapes_splits(12, 6)


def validation_loss(config, state, images):
    return float(train.make_evaluate(config)(state, pixels.to_unit(images), jax.random.PRNGKey(0))[0])


def test_a_real_training_stops_on_a_plateau_and_keeps_its_best_epoch(splits):
    config = train.TrainConfig("ae", "mlp", latent_dim=2, seed=0, max_epochs=300, patience=3, tolerance=0.02,
                               batch_size=32, learning_rate=3e-3)
    state, history, verdict = train.train(config, *splits, log=lambda _: None)
    assert verdict.stop_reason == "plateau" and verdict.converged
    assert len(history) == verdict.epochs < config.max_epochs
    best = history["validation_loss"].idxmin()
    assert verdict.best_epoch == best + 1
    # The parameters returned are the best epoch's: their validation loss is that epoch's (the AE's
    # validation loss needs no noise).
    assert validation_loss(config, state, splits[1]) == pytest.approx(history["validation_loss"][best], rel=1e-5)


def test_a_real_training_still_improving_hits_the_cap_and_is_flagged(splits):
    config = train.TrainConfig("vae", "mlp", latent_dim=2, seed=0, beta=1.0, max_epochs=4, patience=2,
                               tolerance=0.0, batch_size=32, schedule="warmup_cosine", warmup_epochs=1)
    _, history, verdict = train.train(config, *splits, log=lambda _: None)
    assert verdict.stop_reason == "max_epochs" and not verdict.converged and len(history) == 4
    assert verdict.relative_improvement > 0
    assert np.isfinite(history["validation_loss"]).all()
