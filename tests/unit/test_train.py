"""Training on real shapes: the loss falls, and a seed fixes the parameters."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import serialization

from shapestudy.data.pixels import to_unit
from shapestudy.training import train
from shapestudy.training.inference import encode, reconstruct


@pytest.fixture(scope="module")
def splits(shapes_splits):
    return shapes_splits(canvas=16, size_max=8)


FAMILY_SETTINGS = {"ae": {}, "vae": {"beta": 1.0}, "rae": {"code_weight": 3.0, "decoder_l2": 1e-3},
                   "wae": {"mmd_weight": 100.0}}


@pytest.fixture(scope="module")
def trained(splits):
    """Each family trained for 4 epochs from the same seed: state and history."""
    def one(model):
        config = train.TrainConfig(model=model, arch="mlp", reconstruction="mse", latent_dim=4, seed=0, max_epochs=4,
                                   batch_size=64, **FAMILY_SETTINGS[model])
        state, history, _ = train.train(config, *splits, log=lambda _: None)
        return state, history
    return {model: one(model) for model in FAMILY_SETTINGS}


@pytest.mark.parametrize("model", FAMILY_SETTINGS)
def test_a_short_training_run_lowers_the_loss(splits, trained, model):
    state, history = trained[model]
    assert history["train_loss"].iloc[-1] < 0.6 * history["train_loss"].iloc[0]
    assert history["validation_loss"].iloc[-1] < history["validation_loss"].iloc[0]
    assert (history["train_kl"] > 0).all() == (model == "vae")
    assert (history["train_penalty"] > 0).all() == (model in ("rae", "wae"))
    mean, logvar = encode(state.apply_fn.__self__, state.params, splits[1])
    assert mean.shape == (len(splits[1]), 4)
    assert (logvar is None) == (model != "vae")


def test_the_rae_shrinks_its_codes_and_the_wae_pulls_them_to_the_prior(splits, trained):
    from shapestudy.training import losses

    codes = {model: encode(state.apply_fn.__self__, state.params, splits[1])[0] for model, (state, _) in trained.items()}
    norm = {model: float(np.mean(np.sum(np.square(z), axis=-1))) for model, z in codes.items()}
    assert norm["rae"] < 0.5 * norm["ae"]
    prior = jax.random.normal(jax.random.PRNGKey(0), codes["ae"].shape)
    to_prior = {model: float(losses.mmd(jnp.asarray(z), prior)) for model, z in codes.items()}
    assert to_prior["wae"] < 0.5 * min(to_prior["ae"], to_prior["rae"])


def test_same_seed_same_parameters_other_seed_other_parameters(splits):
    def trained(seed):
        config = train.TrainConfig(model="vae", arch="mlp", reconstruction="mse", latent_dim=2, seed=seed, beta=1.0,
                                   max_epochs=2, batch_size=64)
        return serialization.to_bytes(train.train(config, *splits, log=lambda _: None)[0].params)

    assert trained(3) == trained(3)
    assert trained(3) != trained(4)


def test_reconstructions_are_images(splits):
    config = train.TrainConfig(model="ae", arch="mlp", reconstruction="mse", latent_dim=4, seed=0, max_epochs=2,
                               batch_size=64)
    state, _, _ = train.train(config, *splits, log=lambda _: None)
    images = reconstruct(state.apply_fn.__self__, state.params, splits[1], "mse")
    assert images.shape == splits[1].shape
    assert images.min() >= 0 and images.max() <= 1


def test_the_configured_widths_are_trained_and_restored_from_the_run_record(splits, tmp_path):
    import json

    from shapestudy.training import artifacts

    config = train.TrainConfig(model="vae", arch="mlp", reconstruction="mse", latent_dim=3, seed=0, beta=1.0,
                               max_epochs=1, batch_size=64,
                               hidden=[24, 12])  # a list, as a config or a run record gives it
    state, _, _ = train.train(config, *splits, log=lambda _: None)
    encoder, decoder = state.params["encoder"], state.params["decoder"]
    pixels = splits[0][0].size
    assert [encoder[f"Dense_{i}"]["kernel"].shape for i in range(2)] == [(pixels, 24), (24, 12)]
    assert [decoder[f"Dense_{i}"]["kernel"].shape for i in range(3)] == [(3, 12), (12, 24), (24, pixels)]
    artifacts.save_params(tmp_path / "params.msgpack", state.params)
    record = {"config": vars(config), "image_shape": list(splits[0].shape[1:])}
    (tmp_path / "record.json").write_text(json.dumps(record))
    model, params, restored = artifacts.load_model(tmp_path / "params.msgpack", tmp_path / "record.json")
    assert restored == config and restored.hidden == (24, 12)
    assert reconstruct(model, params, splits[1], "bce").shape == splits[1].shape


def test_an_ae_and_a_vae_of_one_seed_start_from_the_same_shared_layers(splits):
    """Paired seeds (claims.pairing): where their layers coincide (all but the VAE's logvar head)
    an AE and a VAE of one seed are initialised alike; another seed starts elsewhere."""
    def start(model, seed):
        config = train.TrainConfig(model=model, arch="mlp", reconstruction="mse", latent_dim=4, seed=seed,
                                   beta=float(model == "vae"))
        return train.create_state(config, splits[0].shape[1:], len(splits[0])).params

    ae, vae, other = start("ae", 5), start("vae", 5), start("vae", 6)
    assert set(vae["encoder"]) - set(ae["encoder"]) == {"logvar"}
    for part in ("encoder", "decoder"):
        for layer in ae[part]:
            assert serialization.to_bytes(ae[part][layer]) == serialization.to_bytes(vae[part][layer]), layer
            assert serialization.to_bytes(other[part][layer]) != serialization.to_bytes(vae[part][layer]), layer


@pytest.mark.parametrize("large", [1, 2**16, 10**9])  # every leaf as it is; the MLP's split; all in one vector
def test_adam_over_large_leaves_and_one_flat_vector_is_adam(splits, large):
    """The optimizer's layout of Adam's state (large leaves as they are, the rest as one flat
    vector) gives Adam's own updates, leaf by leaf, and keeps the parameters' structure."""
    config = train.TrainConfig(model="vae", arch="mlp", latent_dim=4, seed=0, beta=1.0, reconstruction="bce")
    params = train.create_state(config, splits[0].shape[1:]).params
    sizes = sorted(leaf.size for leaf in jax.tree.leaves(params))
    assert sizes[0] < 2**16 <= sizes[-1]  # the MLP has leaves on both sides of the split
    adam, laid_out = optax.adam(1e-3), train.flatten_small(optax.adam(1e-3), large)
    adam_state, laid_out_state = adam.init(params), laid_out.init(params)
    for step in range(3):
        grads = jax.tree.map(lambda leaf: jnp.sin(1000.0 * leaf + step), params)
        expected, adam_state = adam.update(grads, adam_state, params)
        updates, laid_out_state = laid_out.update(grads, laid_out_state, params)
        assert jax.tree.structure(updates) == jax.tree.structure(params)
        for got, want in zip(jax.tree.leaves(updates), jax.tree.leaves(expected)):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-9)


def test_every_pixel_level_reads_the_same_in_training_and_evaluation():
    """A stored level reaches training through a gather from pixels.LEVELS (train.unit) and the
    evaluations through numpy's division (pixels.to_unit): both give each of the 256 levels its
    correctly rounded float32, level / 255 (a float64 quotient rounded to float32 is that: the
    double rounding is harmless for a division)."""
    levels = np.arange(256, dtype=np.uint8)
    rounded = (levels / 255.0).astype(np.float32)
    for converted in (to_unit(levels), np.asarray(train.unit(jnp.asarray(levels)))):
        assert converted.dtype == np.float32
        np.testing.assert_array_equal(converted.view(np.int32), rounded.view(np.int32))
