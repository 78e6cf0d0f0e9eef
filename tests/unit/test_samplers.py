"""The sampler registry: known-answer draws, seeds per sampler, the mixture's determinism."""

import numpy as np
import pytest

from shapestudy.evaluation.samplers import (
    MIXTURE_OFFSET,
    draw_latents,
    fit_gaussian,
    fit_mixture,
    registry,
    sample_gaussian,
    sample_mixture,
)


def test_fitted_gaussian_reproduces_its_codes():
    rng = np.random.default_rng(3)
    codes = rng.multivariate_normal([1.0, -2.0], [[2.0, 0.5], [0.5, 1.0]], size=20000)
    mean, cov = fit_gaussian(codes)
    np.testing.assert_allclose(mean, codes.mean(axis=0))
    np.testing.assert_allclose(cov, np.cov(codes.T))
    drawn = sample_gaussian(4, mean, cov, 20000)
    assert drawn.shape == (20000, 2) and drawn.dtype == np.float32
    np.testing.assert_allclose(drawn.mean(axis=0), mean, atol=0.05)
    np.testing.assert_allclose(np.cov(drawn.T), cov, atol=0.1)
    again = sample_gaussian(np.random.default_rng(4), mean, cov, 20000)
    np.testing.assert_array_equal(drawn, again)
    assert fit_gaussian(codes[:, :1])[1].shape == (1, 1)


def test_a_known_mixture_is_sampled_with_its_weights_means_and_covariances():
    weights = np.array([0.2, 0.8])
    means = np.array([[-4.0, 0.0], [4.0, 1.0]])
    covariances = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.25, 0.0], [0.0, 2.0]]])
    drawn = sample_mixture(9, weights, means, covariances, 40_000)
    assert drawn.dtype == np.float32
    left = drawn[:, 0] < 0  # the components do not overlap along x
    assert abs(left.mean() - 0.2) < 0.01
    for side, k in ((left, 0), (~left, 1)):
        np.testing.assert_allclose(drawn[side].mean(axis=0), means[k], atol=0.03)
        np.testing.assert_allclose(np.cov(drawn[side].T), covariances[k], atol=0.05)


def test_a_mixture_fitted_to_well_separated_clusters_finds_them_and_is_deterministic():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 5.0]])
    codes = np.concatenate([rng.normal(c, 0.5, size=(n, 3)) for c, n in zip(centres, (300, 600, 900))])
    mixture = fit_mixture(codes, 3, seed=5)
    order = np.argsort(mixture.weights)
    np.testing.assert_allclose(mixture.weights[order], [1 / 6, 1 / 3, 1 / 2], atol=1e-3)
    np.testing.assert_allclose(mixture.means[order], centres, atol=0.1)
    again = fit_mixture(codes, 3, seed=5)
    np.testing.assert_array_equal(mixture.means, again.means)
    np.testing.assert_array_equal(mixture.covariances, again.covariances)
    first = draw_latents(1000, 3, seed=2, training_codes=lambda: codes, mixture_components=[3])["gmm3"]
    second = draw_latents(1000, 3, seed=2, training_codes=lambda: codes, mixture_components=[3])["gmm3"]
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("dim, components", [(2, 10), (8, 40)])
def test_the_mixture_fit_is_scikit_learns_em(dim, components):
    """The vectorised EM follows GaussianMixture step for step: the same k-means++ seeds, the same
    iterations, the same parameters up to rounding."""
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(dim)
    codes = rng.standard_normal((3000, dim)) * rng.uniform(0.1, 2, dim) + 3 * rng.integers(0, 4, (3000, 1))
    ours = fit_mixture(codes, components, seed=3)
    theirs = GaussianMixture(components, covariance_type="full", init_params="k-means++", random_state=3).fit(codes)
    np.testing.assert_allclose(ours.weights, theirs.weights_, atol=1e-6)
    np.testing.assert_allclose(ours.means, theirs.means_, atol=1e-5)
    np.testing.assert_allclose(ours.covariances, theirs.covariances_, atol=1e-5)


def test_a_mixture_with_more_components_than_codes_is_refused_by_name():
    import pytest

    with pytest.raises(ValueError, match="evaluation.mixture_components"):
        fit_mixture(np.zeros((5, 2)), 10, seed=0)


def test_a_figure_draws_the_first_latents_the_evaluation_scored():
    codes = np.random.default_rng(3).normal(size=(200, 4)) * [1, 2, 3, 4]
    scored = draw_latents(10_000, 4, seed=7, training_codes=lambda: codes, mixture_components=[2, 5])
    shown = draw_latents(8, 4, seed=7, training_codes=lambda: codes, mixture_components=[2, 5])
    assert set(scored) == {"prior", "fitted_gaussian", "gmm2", "gmm5"}
    for sampler in scored:
        np.testing.assert_array_equal(shown[sampler], scored[sampler][:8])


def test_the_prior_is_standard_normal_and_fitted_samplers_follow_the_codes():
    codes = np.random.default_rng(5).normal(loc=[3.0, -1.0], scale=[0.5, 2.0], size=(5000, 2))
    latents = draw_latents(20_000, 2, seed=0, training_codes=lambda: codes, mixture_components=[4])
    np.testing.assert_allclose(latents["prior"].mean(axis=0), [0, 0], atol=0.03)
    np.testing.assert_allclose(latents["prior"].std(axis=0), [1, 1], atol=0.03)
    for fitted in ("fitted_gaussian", "gmm4"):
        np.testing.assert_allclose(latents[fitted].mean(axis=0), [3.0, -1.0], atol=0.05)
        np.testing.assert_allclose(latents[fitted].std(axis=0), [0.5, 2.0], rtol=0.05)


def test_each_sampler_draws_from_its_own_seed():
    """Adding or removing a sampler changes no other sampler's draws."""
    codes = np.random.default_rng(3).normal(size=(200, 3))
    samplers = registry([2, 7])
    drawn = draw_latents(50, 3, seed=11, training_codes=lambda: codes, mixture_components=[2, 7])
    for name, z in drawn.items():
        alone = samplers[name].draw(11 + samplers[name].seed_offset, 50, 3, codes)
        np.testing.assert_array_equal(z, alone)
    np.testing.assert_array_equal(drawn["gmm7"], draw_latents(50, 3, 11, lambda: codes, [7])["gmm7"])
    assert len({s.seed_offset for s in samplers.values()}) == len(samplers)
    assert samplers["gmm7"].seed_offset == MIXTURE_OFFSET + 7


def test_the_training_codes_are_encoded_once_for_all_fitted_samplers():
    calls = []

    def codes():
        calls.append(1)
        return np.random.default_rng(0).normal(size=(50, 4))

    drawn = draw_latents(8, 4, seed=7, training_codes=codes, mixture_components=[2, 3])
    assert calls == [1] and len(drawn) == 4
    assert registry()["prior"].draw(7, 8, 4, None).shape == (8, 4)  # the prior needs no codes
