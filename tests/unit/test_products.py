"""The dense layers' bfloat16 products: what they compute, their gradients, and a model that
trains with them on real shapes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import serialization

from shapestudy.training import products, train
from shapestudy.training.models import make_model


def rounded(a):
    """`a` rounded to bfloat16, in float64."""
    return np.asarray(jnp.asarray(a).astype(jnp.bfloat16).astype(jnp.float32), np.float64)


@pytest.mark.parametrize("n, k, m", [(64, 784, 256), (64, 128, 8), (5, 3, 7)])
def test_the_product_and_its_gradients_multiply_the_rounded_operands(n, k, m):
    """x @ w, x^T @ g and g @ w^T of bfloat16-rounded operands, accumulated without further
    rounding: equal to float64 arithmetic on the rounded values to float32's accuracy."""
    rng = np.random.default_rng(0)
    x, w, g = (rng.standard_normal(shape).astype(np.float32) for shape in [(n, k), (k, m), (n, m)])
    y, pullback = jax.vjp(products.bfloat16_product, jnp.asarray(x), jnp.asarray(w))
    dx, dw = pullback(jnp.asarray(g))
    expected = {"y": rounded(x) @ rounded(w), "dx": rounded(g) @ rounded(w).T, "dw": rounded(x).T @ rounded(g)}
    for name, value in {"y": y, "dx": dx, "dw": dw}.items():
        assert value.dtype == jnp.float32 and value.shape == expected[name].shape, name
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(np.asarray(value, np.float64), expected[name], atol=1e-5 * scale, err_msg=name)
    # and not float32's product: bfloat16 rounds away about 2^-9 of each operand
    assert np.abs(np.asarray(y, np.float64) - x.astype(np.float64) @ w).max() > 1e-4 * np.abs(y).max()


def test_a_bfloat16_model_has_float32_parameters_and_trains_on_shapes(shapes_splits):
    train_images, validation = shapes_splits(canvas=16, size_max=8)
    settings = dict(model="vae", arch="mlp", reconstruction="bce", latent_dim=4, seed=0, beta=1.0, max_epochs=3,
                    batch_size=64)
    runs = {matmul: train.train(train.TrainConfig(**settings, matmul=matmul), train_images, validation,
                                log=lambda _: None) for matmul in products.MATMULS}
    (half, history, _), (full, full_history, _) = runs["bfloat16"], runs["float32"]
    # The same parameter tree in float32 (checkpoints and evaluation read either the same way) ...
    assert jax.tree.map(lambda p: (p.shape, p.dtype), half.params) == jax.tree.map(
        lambda p: (p.shape, p.dtype), full.params)
    assert {p.dtype for p in jax.tree.leaves(half.params)} == {jnp.dtype(jnp.float32)}
    # ... trained by other arithmetic, to a loss as low within a few percent.
    assert serialization.to_bytes(half.params) != serialization.to_bytes(full.params)
    assert history["validation_loss"].iloc[-1] < 0.6 * history["validation_loss"].iloc[0]
    assert abs(history["validation_loss"].iloc[-1] / full_history["validation_loss"].iloc[-1] - 1) < 0.05


def test_an_unknown_number_format_is_refused_when_the_model_is_made():
    with pytest.raises(ValueError, match="unknown matmul 'float16': expected one of .*bfloat16"):
        make_model("ae", "mlp", 4, (16, 16), (32,), matmul="float16")


def test_the_layers_of_the_code_keep_float32_resolution(shapes_splits):
    """The decoder's first layer reads the code in float32: codes closer than bfloat16 can tell
    apart (1.5 and 1.5 + 2^-10) decode differently, and the encoder's code is not bfloat16-rounded."""
    train_images, _ = shapes_splits(canvas=16, size_max=8)
    config = train.TrainConfig(model="ae", arch="mlp", reconstruction="mse", latent_dim=4, seed=0)
    assert config.matmul == "bfloat16"  # the study's default
    state = train.create_state(config, train_images.shape[1:], len(train_images))
    model = state.apply_fn.__self__
    codes = np.full((1, 4), 1.5, np.float32)
    near = codes + np.float32(2**-10)
    assert rounded(near).tolist() == rounded(codes).tolist()  # one bfloat16 number
    decoded = [np.asarray(model.apply({"params": state.params}, c, method=model.decode)) for c in (codes, near)]
    assert not np.array_equal(*decoded)
    mean, _ = model.apply({"params": state.params}, jnp.asarray(train_images[:64], jnp.float32), method=model.encode)
    assert not np.array_equal(rounded(mean), np.asarray(mean, np.float64))


def test_a_run_recorded_before_the_setting_existed_is_read_as_float32(tmp_path):
    import json

    from shapestudy.training import artifacts

    config = {k: v for k, v in vars(train.TrainConfig(model="ae", arch="mlp", reconstruction="mse", latent_dim=4,
                                                       seed=0)).items() if k != "matmul"}
    (tmp_path / "record.json").write_text(json.dumps({"config": config, "image_shape": [16, 16]}))
    assert artifacts.read_record(tmp_path / "record.json")["config"]["matmul"] == "float32"
