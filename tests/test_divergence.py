"""Divergence: a NaN or infinite loss stops the training job with one line naming the
configuration and the epoch; no model and no scores are written for it. An epoch without a batch
is said to be one, not a divergence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import harness
from shapestudy import data, train
from shapestudy.grid import FactorGrid

HUGE_LEARNING_RATE = 1e4  # Adam steps of 1e4 on the tiny study: NaN in the first epoch (AE and VAE)


@pytest.fixture(scope="module")
def images():
    grid = FactorGrid(12, ("square",), 3, 6)
    pictures = (data.render(grid, data.enumerate_factors(grid)) / 255).astype(np.float32)
    return pictures[:240], pictures[240:]


@pytest.mark.parametrize("model, beta", [("ae", 0.0), ("vae", 1.0)])
def test_train_raises_divergence_naming_configuration_and_epoch(images, model, beta):
    config = train.TrainConfig(model=model, arch="mlp", latent_dim=2, seed=0, beta=beta, max_epochs=3,
                               batch_size=32, learning_rate=HUGE_LEARNING_RATE)
    lines = []
    with pytest.raises(train.DivergenceError) as caught:
        train.train(config, *images, log=lines.append)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("training diverged at epoch 1 (train loss nan")
    assert f"model={model}, arch=mlp, latent_dim=2, seed=0, beta={beta}" in message
    assert f"learning_rate={HUGE_LEARNING_RATE}" in message
    assert lines == []  # the diverged epoch is not logged as a finished one


def test_a_sane_learning_rate_does_not_diverge(images):
    config = train.TrainConfig(model="ae", arch="mlp", latent_dim=2, seed=0, max_epochs=2, batch_size=32)
    _, history, _ = train.train(config, *images, log=lambda line: None)
    assert np.isfinite(history.drop(columns="epoch").to_numpy()).all()


def test_a_batch_larger_than_the_train_split_is_an_empty_epoch_not_a_divergence(images):
    train_images, validation_images = images
    config = train.TrainConfig(model="ae", arch="mlp", latent_dim=2, seed=0, max_epochs=2,
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


def test_workflow_stops_a_diverging_training_with_one_line(tmp_path):
    config = harness.tiny_config(harness.SQUARES, training={"learning_rate": HUGE_LEARNING_RATE})
    harness.write_config(tmp_path, config)
    result = harness.snakemake(tmp_path, "--keep-going", *harness.TABLE_FILES)
    assert result.returncode != 0
    for point, run in ((harness.AE_POINT, harness.AE_RUN), (harness.VAE_POINT, harness.VAE_RUN)):
        log = (tmp_path / f"logs/train/{point}.log").read_text()
        assert "Traceback" not in log
        last = log.splitlines()[-1]
        assert last.startswith(f"error in train_{point.split('-')[0]} {point}: training diverged at epoch 1 "), last
        assert f"learning_rate={HUGE_LEARNING_RATE}" in last and last in result.stderr
        model = tmp_path / f"results/models/{run}"
        assert not model.exists() or not any(model.iterdir())  # no model, no checkpoint
    assert harness.files_under(tmp_path / "results") == {"data/shapes.parquet"}  # no scores, no tables
