"""Losses against their closed forms."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from shapestudy.training.losses import kl_divergence, reconstruction_error


def test_kl_matches_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(3, 4)).astype(np.float32)
    logvar = rng.normal(scale=0.5, size=(3, 4)).astype(np.float32)
    closed_form = np.asarray(kl_divergence(jnp.asarray(mean), jnp.asarray(logvar)))
    sigma = np.exp(0.5 * logvar)
    z = mean + sigma * rng.normal(size=(200_000, 3, 4))
    log_q = -0.5 * (((z - mean) / sigma) ** 2 + logvar + np.log(2 * np.pi))
    log_p = -0.5 * (z**2 + np.log(2 * np.pi))
    monte_carlo = (log_q - log_p).sum(axis=-1).mean(axis=0)
    np.testing.assert_allclose(closed_form, monte_carlo, rtol=0.02, atol=0.01)


def test_kl_is_zero_at_the_prior():
    assert float(kl_divergence(jnp.zeros((1, 5)), jnp.zeros((1, 5)))[0]) == 0.0


def test_squared_error_is_summed_over_pixels():
    x = jnp.ones((2, 4, 4))
    assert np.asarray(reconstruction_error(jnp.zeros((2, 4, 4)), x, "mse")).tolist() == [16.0, 16.0]


def test_cross_entropy_of_confident_correct_logits_is_near_zero():
    x = jnp.array([[0.0, 1.0]])
    error = reconstruction_error(jnp.array([[-30.0, 30.0]]), x, "bce")
    assert float(error[0]) == pytest.approx(0.0, abs=1e-6)
    assert float(reconstruction_error(jnp.zeros((1, 2)), x, "bce")[0]) == pytest.approx(2 * np.log(2))


def test_cross_entropy_and_its_gradient_are_the_bernoulli_likelihoods_in_float64():
    # Logits from confident-wrong to confident-right, pixels between 0 and 1: the float32 loss and
    # its gradient sigmoid(l) - x against the closed forms evaluated in float64.
    logits = np.linspace(-40, 40, 801, dtype=np.float32).reshape(1, -1)
    x = np.random.default_rng(0).uniform(size=logits.shape).astype(np.float32)
    exact = np.logaddexp(0, logits.astype(np.float64)) - x * logits.astype(np.float64)
    loss = lambda l: jnp.sum(reconstruction_error(l, jnp.asarray(x), "bce"))
    np.testing.assert_allclose(float(loss(jnp.asarray(logits))), exact.sum(), rtol=1e-6)
    gradient = np.asarray(jax.grad(loss)(jnp.asarray(logits)))
    np.testing.assert_allclose(gradient, 1 / (1 + np.exp(-logits.astype(np.float64))) - x, atol=1e-6)


def test_unknown_reconstruction_is_refused():
    with pytest.raises(ValueError, match="unknown reconstruction 'l1'"):
        reconstruction_error(jnp.zeros((1, 2)), jnp.zeros((1, 2)), "l1")
