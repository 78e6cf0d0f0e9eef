"""Training on real shapes: the loss falls, and a seed fixes the parameters."""

import pytest
from flax import serialization

from shapestudy import train
from shapestudy.inference import encode, reconstruct


@pytest.fixture(scope="module")
def splits(shapes_splits):
    return shapes_splits(canvas=16, size_max=8)


@pytest.mark.parametrize("model, beta", [("ae", 0.0), ("vae", 1.0)])
def test_a_short_training_run_lowers_the_loss(splits, model, beta):
    config = train.TrainConfig(model, "mlp", latent_dim=4, seed=0, beta=beta, max_epochs=6, batch_size=64)
    state, history, _ = train.train(config, *splits, log=lambda _: None)
    assert history["train_loss"].iloc[-1] < 0.6 * history["train_loss"].iloc[0]
    assert history["validation_loss"].iloc[-1] < history["validation_loss"].iloc[0]
    assert (history["train_kl"] > 0).all() == (model == "vae")
    mean, logvar = encode(state.apply_fn.__self__, state.params, splits[1])
    assert mean.shape == (len(splits[1]), 4)
    assert (logvar is None) == (model == "ae")


def test_same_seed_same_parameters_other_seed_other_parameters(splits):
    def trained(seed):
        config = train.TrainConfig("vae", "mlp", latent_dim=2, seed=seed, beta=1.0, max_epochs=2, batch_size=64)
        return serialization.to_bytes(train.train(config, *splits, log=lambda _: None)[0].params)

    assert trained(3) == trained(3)
    assert trained(3) != trained(4)


def test_reconstructions_are_images(splits):
    config = train.TrainConfig("ae", "mlp", latent_dim=4, seed=0, max_epochs=2, batch_size=64)
    state, _, _ = train.train(config, *splits, log=lambda _: None)
    images = reconstruct(state.apply_fn.__self__, state.params, splits[1], "mse")
    assert images.shape == splits[1].shape
    assert images.min() >= 0 and images.max() <= 1
