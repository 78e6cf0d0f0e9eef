"""Divergence: a NaN or infinite loss stops the training job with one line naming the
configuration and the epoch; no model and no scores are written for it. An epoch without a batch
is said to be one, not a divergence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from shapestudy.data import dataset
from shapestudy.data.grid import FactorGrid
from shapestudy.training import train

HUGE_LEARNING_RATE = 1e4  # Adam steps of 1e4 on the tiny study: NaN in the first epoch (AE and VAE)


@pytest.fixture(scope="module")
def images():
    grid = FactorGrid(12, ("square",), 3, 6)
    pictures = (dataset.render(grid, dataset.enumerate_factors(grid)) / 255).astype(np.float32)
    return pictures[:240], pictures[240:]


@pytest.mark.parametrize("model, beta", [("ae", 0.0), ("vae", 1.0)])
def test_train_raises_divergence_naming_configuration_and_epoch(images, model, beta):
    config = train.TrainConfig(model=model, arch="mlp", reconstruction="mse", latent_dim=2, seed=0, beta=beta,
                               max_epochs=3,
                               batch_size=32, learning_rate=HUGE_LEARNING_RATE)
    lines = []
    with pytest.raises(train.DivergenceError) as caught:
        train.train(config, *images, log=lines.append)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("training diverged at epoch 1 (train loss nan")
    name = "ae-mlp-mse-z2-s0" if model == "ae" else "vae-mlp-mse-z2-b1-s0"
    assert f"of {name} (max_epochs=3," in message
    assert f"learning_rate={HUGE_LEARNING_RATE}" in message
    assert lines == []  # the diverged epoch is not logged as a finished one


def test_a_sane_learning_rate_does_not_diverge(images):
    config = train.TrainConfig(model="ae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, max_epochs=2,
                               batch_size=32)
    _, history, _ = train.train(config, *images, log=lambda line: None)
    assert np.isfinite(history.drop(columns="epoch").to_numpy()).all()


def test_a_batch_larger_than_the_train_split_is_an_empty_epoch_not_a_divergence(images):
    train_images, validation_images = images
    config = train.TrainConfig(model="ae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, max_epochs=2,
                               batch_size=len(train_images) + 1)
    with pytest.raises(train.EmptyEpochError) as caught:
        train.train(config, train_images, validation_images, log=lambda line: None)
    message = str(caught.value)
    assert "\n" not in message and "diverged" not in message
    assert message.startswith(f"an epoch has no batch: {len(train_images)} training images, fewer than "
                              f"training.batch_size {len(train_images) + 1}"), message
    # A batch of the whole train split: one full batch per epoch, finite losses.
    fits = dataclasses.replace(config, batch_size=len(train_images), max_epochs=1)
    _, history, _ = train.train(fits, train_images, validation_images, log=lambda line: None)
    assert np.isfinite(history["train_loss"]).all()


