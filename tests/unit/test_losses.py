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


def test_the_rae_penalty_by_hand():
    from shapestudy.training import penalties, train

    rng = np.random.default_rng(1)
    params = {"encoder": {"Dense_0": {"kernel": rng.normal(size=(3, 2)), "bias": rng.normal(size=2)}},
              "decoder": {"Dense_0": {"kernel": rng.normal(size=(2, 3)), "bias": rng.normal(size=3)},
                          "Dense_1": {"kernel": rng.normal(size=(3, 4)), "bias": rng.normal(size=4)}}}
    codes = rng.normal(size=(5, 2))
    config = train.TrainConfig(model="rae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, code_weight=0.5,
                               decoder_l2=0.01)
    by_hand = 0.5 * np.mean([0.5 * sum(c**2 for c in code) for code in codes]) + 0.01 * sum(
        (w**2).sum() for w in (params["decoder"]["Dense_0"]["kernel"], params["decoder"]["Dense_1"]["kernel"]))
    penalty = penalties.rae(jax.tree.map(jnp.asarray, params), jnp.asarray(codes), jax.random.PRNGKey(0), config)
    assert float(penalty) == pytest.approx(by_hand, rel=1e-5)


def imq_mmd_by_hand(a, b, scales=(0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)):
    """Tolstikhin et al.'s unbiased MMD^2 with the multi-scale IMQ kernel, as loops in float64 (the
    estimate is a difference of sums near 5: float32 holds it to about 1e-6 absolute)."""
    n, d = a.shape

    def k(x, y):
        return sum(2 * d * s / (2 * d * s + ((x - y) ** 2).sum()) for s in scales)

    within = sum(k(a[i], a[j]) + k(b[i], b[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    return within - 2 * sum(k(a[i], b[j]) for i in range(n) for j in range(n)) / n**2


def test_the_wae_penalty_by_hand():
    from shapestudy.training import losses, penalties, train

    rng = np.random.default_rng(2)
    codes = rng.normal(loc=0.5, size=(6, 3))
    prior = rng.normal(size=(6, 3))
    assert float(losses.mmd(jnp.asarray(codes), jnp.asarray(prior))) == pytest.approx(imq_mmd_by_hand(codes, prior), abs=1e-5)
    # The penalty draws its prior sample from its key: the same draws give the same number.
    key = jax.random.PRNGKey(7)
    config = train.TrainConfig(model="wae", arch="mlp", reconstruction="mse", latent_dim=3, seed=0, mmd_weight=10.0)
    drawn = np.asarray(jax.random.normal(key, codes.shape, jnp.float32), dtype=np.float64)
    penalty = penalties.wae({}, jnp.asarray(codes, jnp.float32), key, config)
    assert float(penalty) == pytest.approx(10 * imq_mmd_by_hand(codes.astype(np.float32).astype(np.float64), drawn),
                                           abs=1e-4)


def test_mmd_tells_the_prior_from_a_shifted_density():
    from shapestudy.training import losses

    rng = np.random.default_rng(3)
    prior = jnp.asarray(rng.normal(size=(256, 4)))
    same = losses.mmd(jnp.asarray(rng.normal(size=(256, 4))), prior)
    shifted = losses.mmd(jnp.asarray(rng.normal(loc=1.0, size=(256, 4))), prior)
    assert abs(float(same)) < 0.02 < float(shifted)
