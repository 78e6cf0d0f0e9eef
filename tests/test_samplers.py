"""The sampler registry: known-answer draws, seeds per sampler, and which families each serves."""

import numpy as np

from shapestudy.evaluation.samplers import SAMPLERS, draw_latents, fit_gaussian, for_family, sample_gaussian
from shapestudy.families import FAMILIES


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


def test_a_figure_draws_the_first_latents_the_evaluation_scored():
    codes = np.random.default_rng(3).normal(size=(200, 4)) * [1, 2, 3, 4]
    ae = FAMILIES["ae"]
    scored = draw_latents(10_000, 4, seed=7, family=ae, training_codes=lambda: codes)
    shown = draw_latents(8, 4, seed=7, family=ae, training_codes=lambda: codes)
    assert set(scored) == {sampler.name for sampler in for_family(ae)} == {"prior", "fitted_gaussian"}
    for sampler in scored:
        np.testing.assert_array_equal(shown[sampler], scored[sampler][:8])


def test_the_prior_is_standard_normal_and_fitted_samplers_follow_the_codes():
    codes = np.random.default_rng(5).normal(loc=[3.0, -1.0], scale=[0.5, 2.0], size=(5000, 2))
    latents = draw_latents(20_000, 2, seed=0, family=FAMILIES["ae"], training_codes=lambda: codes)
    np.testing.assert_allclose(latents["prior"].mean(axis=0), [0, 0], atol=0.03)
    np.testing.assert_allclose(latents["prior"].std(axis=0), [1, 1], atol=0.03)
    np.testing.assert_allclose(latents["fitted_gaussian"].mean(axis=0), [3.0, -1.0], atol=0.05)
    np.testing.assert_allclose(latents["fitted_gaussian"].std(axis=0), [0.5, 2.0], rtol=0.05)


def test_each_sampler_draws_from_its_own_seed():
    """Adding or removing a sampler changes no other sampler's draws."""
    codes = np.random.default_rng(3).normal(size=(200, 3))
    ae = draw_latents(50, 3, seed=11, family=FAMILIES["ae"], training_codes=lambda: codes)
    for name, z in ae.items():
        alone = SAMPLERS[name].draw(11 + SAMPLERS[name].seed_offset, 50, 3, codes)
        np.testing.assert_array_equal(z, alone)
    assert len({s.seed_offset for s in SAMPLERS.values()}) == len(SAMPLERS)


def test_the_vae_is_sampled_from_its_prior_without_encoding_its_training_set():
    def no_codes():
        raise AssertionError("a VAE's samplers need no training codes today")

    latents = draw_latents(8, 4, seed=7, family=FAMILIES["vae"], training_codes=no_codes)
    assert set(latents) == {sampler.name for sampler in for_family(FAMILIES["vae"])} == {"prior"}

