"""The conv architecture: output shapes on several canvases, and it trains on real shapes."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from shapestudy.data import dataset
from shapestudy.data.grid import FactorGrid
from shapestudy.training import train
from shapestudy.training.models import depth_to_space, make_model

FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}


@pytest.mark.parametrize("canvas", [28, 16, 12, 10])
@pytest.mark.parametrize("model", ["ae", "vae"])
def test_conv_output_shapes(canvas, model):
    # Shapes only: jax.eval_shape traces the network without compiling or running it.
    net = make_model(model, "conv", latent_dim=3, image_shape=(canvas, canvas))
    images = jax.ShapeDtypeStruct((5, canvas, canvas), jnp.float32)
    params = jax.eval_shape(net.init, jax.random.PRNGKey(0), images, jax.random.PRNGKey(1))["params"]
    output, mean, logvar = jax.eval_shape(lambda p, x: net.apply({"params": p}, x, jax.random.PRNGKey(2)), params,
                                          images)
    assert output.shape == (5, canvas, canvas)
    assert mean.shape == (5, 3)
    assert (logvar is None) == (model == "ae")
    if logvar is not None:
        assert logvar.shape == (5, 3)
    decoded = jax.eval_shape(lambda p, z: net.apply({"params": p}, z, method=net.decode), params, mean)
    assert decoded.shape == (5, canvas, canvas)


def test_depth_to_space_is_pixel_shuffle():
    x = np.arange(2 * 3 * 4 * 8, dtype=np.float32).reshape(2, 3, 4, 8)  # 2 channels after
    y = np.asarray(depth_to_space(jnp.asarray(x)))
    assert y.shape == (2, 6, 8, 2)
    # torch.nn.PixelShuffle: out[h*2 + i, w*2 + j, c] = in[h, w, c*4 + i*2 + j]
    for i in range(2):
        for j in range(2):
            for c in range(2):
                np.testing.assert_array_equal(y[:, i::2, j::2, c], x[..., c * 4 + i * 2 + j])


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "shapes.parquet"
    dataset.write_parquet(dataset.generate(FactorGrid(canvas=12, size_min=4, size_max=7), FRACTIONS, 0), path)
    return dataset.load(path, "train").images, dataset.load(path, "validation").images


@pytest.mark.parametrize("model, beta", [("ae", 0.0), ("vae", 1.0)])
def test_conv_training_lowers_the_loss(splits, model, beta):
    config = train.TrainConfig(model=model, arch="conv", reconstruction="mse", latent_dim=4, seed=0, beta=beta,
                               max_epochs=6, batch_size=32)
    train_images, validation_images = splits
    state, history, _ = train.train(config, train_images[:384], validation_images, log=lambda _: None)
    assert np.isfinite(history[["train_loss", "validation_loss"]].to_numpy()).all()
    # The VAE's KL term keeps its loss higher (about 0.56 of the first epoch's after six, the AE 0.3).
    assert history["train_loss"].iloc[-1] < 0.75 * history["train_loss"].iloc[0]
    assert history["train_reconstruction"].iloc[-1] < 0.75 * history["train_reconstruction"].iloc[0]
    assert history["validation_loss"].iloc[-1] < history["validation_loss"].iloc[0]
    assert (history["train_kl"] > 0).all() == (model == "vae")


def test_the_step_loop_and_the_scan_draw_the_same_batches(splits, monkeypatch):
    """The conv epoch (a Python loop of jitted steps) and the MLP epoch (one lax.scan) are two
    schedules of one computation: forced onto the MLP, they give the same parameters."""
    config = train.TrainConfig(model="vae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, beta=1.0,
                               batch_size=64)
    images = jnp.asarray(splits[0])

    def one_epoch():
        state = train.create_state(config, images.shape[1:])
        state, metrics = train.make_train_epoch(config)(state, images, jax.random.PRNGKey(7))
        return state.params, metrics

    scanned = one_epoch()
    monkeypatch.setattr(train, "SCAN_ARCHITECTURES", ())
    looped = one_epoch()
    for a, b in zip(jax.tree.leaves(scanned), jax.tree.leaves(looped)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_a_batch_split_into_passes_has_the_batch_gradient(splits, monkeypatch):
    """A conv step splits a batch larger than STEP_CHUNK into passes; for the AE (no noise) the
    update is that of the whole batch. In float32 products: bfloat16 rounds each pass's gradient,
    scaled by its own image count, to 2^-9 of itself, which would hide a wrongly weighted pass."""
    config = train.TrainConfig(model="ae", arch="conv", reconstruction="mse", latent_dim=4, seed=0, batch_size=64,
                               matmul="float32")
    images = jnp.asarray(splits[0][:320])  # five steps: the passes are what is checked
    # Plain gradient steps, so that the parameters move by the gradient itself: Adam divides each
    # gradient by its own scale, which would hide a wrongly weighted pass and magnify the rounding
    # of near-zero gradients.
    sgd = optax.sgd(0.01)

    def one_epoch(chunk):
        monkeypatch.setattr(train, "STEP_CHUNK", chunk)
        state = train.create_state(config, images.shape[1:])
        state = state.replace(tx=sgd, opt_state=sgd.init(state.params))
        state, metrics = train.make_train_epoch(config)(state, images, jax.random.PRNGKey(7))
        return jax.tree.leaves(state.params) + [metrics]

    for a, b in zip(one_epoch(64), one_epoch(24)):  # 64 = 22 + 21 + 21 images
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
