"""The sampler registry: known-answer draws, seeds per sampler, the kernel density's determinism
(the mixtures': test_mixture.py)."""

import harness
import numpy as np
import pytest
from scipy import stats

from shapestudy import config as study_config
from shapestudy.evaluation.metrics import METRICS
from shapestudy.reporting.figures import FIGURES
from shapestudy.evaluation.samplers import (
    KDE_OFFSET,
    MIXTURE_OFFSET,
    SETTINGS,
    by_name,
    draw_latents,
    fit_gaussian,
    registry,
    sample_gaussian,
    sample_kde,
)


def study(components=(), bandwidths=(), flow=False) -> dict:
    """The evaluation settings the registry reads."""
    return {"mixture_components": list(components), "kde_bandwidths": list(bandwidths), "flow": flow}


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
    scored = draw_latents(10_000, 4, seed=7, training_codes=lambda: codes, evaluation=study([2, 5], [0.1, 2]))
    shown = draw_latents(8, 4, seed=7, training_codes=lambda: codes, evaluation=study([2, 5], [0.1, 2]))
    assert set(scored) == {"prior", "fitted_gaussian", "gmm2", "gmm5", "kde0.1", "kde2"}
    for sampler in scored:
        np.testing.assert_array_equal(shown[sampler], scored[sampler][:8])


def test_the_prior_is_standard_normal_and_fitted_samplers_follow_the_codes():
    codes = np.random.default_rng(5).normal(loc=[3.0, -1.0], scale=[0.5, 2.0], size=(5000, 2))
    latents = draw_latents(20_000, 2, seed=0, training_codes=lambda: codes, evaluation=study([4]))
    np.testing.assert_allclose(latents["prior"].mean(axis=0), [0, 0], atol=0.03)
    np.testing.assert_allclose(latents["prior"].std(axis=0), [1, 1], atol=0.03)
    for fitted in ("fitted_gaussian", "gmm4"):
        np.testing.assert_allclose(latents[fitted].mean(axis=0), [3.0, -1.0], atol=0.05)
        np.testing.assert_allclose(latents[fitted].std(axis=0), [0.5, 2.0], rtol=0.05)


def test_each_sampler_draws_from_its_own_seed():
    """Adding or removing a sampler changes no other sampler's draws."""
    codes = np.random.default_rng(3).normal(size=(200, 3))
    samplers = registry(study([2, 7], [0.5, 0.05]))
    drawn = draw_latents(50, 3, seed=11, training_codes=lambda: codes, evaluation=study([2, 7], [0.5, 0.05]))
    for name, z in drawn.items():
        alone = samplers[name].draw(11 + samplers[name].seed_offset, 50, 3, codes)
        np.testing.assert_array_equal(z, alone)
    np.testing.assert_array_equal(drawn["gmm7"], draw_latents(50, 3, 11, lambda: codes, study([7]))["gmm7"])
    np.testing.assert_array_equal(drawn["kde0.05"],
                                  draw_latents(50, 3, 11, lambda: codes, study(bandwidths=[0.05]))["kde0.05"])
    assert len({s.seed_offset for s in samplers.values()}) == len(samplers)
    assert samplers["gmm7"].seed_offset == MIXTURE_OFFSET + 7


def test_the_training_codes_are_encoded_once_for_all_fitted_samplers():
    calls = []

    def codes():
        calls.append(1)
        return np.random.default_rng(0).normal(size=(50, 4))

    drawn = draw_latents(8, 4, seed=7, training_codes=codes, evaluation=study([2, 3]))
    assert calls == [1] and len(drawn) == 4
    assert registry()["prior"].draw(7, 8, 4, None).shape == (8, 4)  # the prior needs no codes


def test_a_kde_draws_a_training_code_plus_noise_of_h_times_the_codes_sd():
    """Codes far apart beside the kernel's width: each sample's nearest code is the one drawn, and
    its offset from it, over h * sd per dimension, is standard normal. A dimension where the codes
    do not vary gets no noise."""
    rng = np.random.default_rng(0)
    codes = np.column_stack([rng.permutation(8) * 100.0, rng.permutation(8) * 300.0, np.full(8, 5.0)])
    h = 0.01
    drawn = by_name("kde0.01").draw(4, 20_000, 3, codes)
    assert drawn.dtype == np.float32 and drawn.shape == (20_000, 3)
    nearest = np.argmin(((drawn[:, None, :] - codes[None]) ** 2).sum(axis=2), axis=1)
    assert np.abs(np.bincount(nearest, minlength=8) / 20_000 - 1 / 8).max() < 0.01  # codes drawn uniformly
    offsets = (drawn[:, :2] - codes[nearest, :2]) / (h * codes[:, :2].std(axis=0))
    np.testing.assert_allclose(offsets.mean(axis=0), 0, atol=4 / np.sqrt(20_000))
    np.testing.assert_allclose(offsets.var(axis=0), 1, atol=4 * np.sqrt(2 / 20_000))
    for column in offsets.T:
        assert stats.kstest(column, "norm").pvalue > 0.01
    np.testing.assert_array_equal(drawn[:, 2], 5.0)


def test_a_kde_has_the_codes_mean_and_their_covariance_plus_the_kernels():
    """cov(samples) = cov(codes) (n - 1) / n + diag((h sd)^2), within Monte Carlo error."""
    rng = np.random.default_rng(1)
    codes = rng.multivariate_normal([2.0, -1.0], [[4.0, 1.5], [1.5, 1.0]], size=300)
    h, n = 0.5, 200_000
    drawn = registry(study(bandwidths=[h]))["kde0.5"].draw(9, n, 2, codes).astype(np.float64)
    expected = np.cov(codes.T) * (len(codes) - 1) / len(codes) + np.diag((h * codes.std(axis=0)) ** 2)
    variances = np.diag(expected)
    assert (np.abs(drawn.mean(axis=0) - codes.mean(axis=0)) < 4 * np.sqrt(variances / n)).all()
    # The standard error of a covariance entry: sqrt((s_ii s_jj + s_ij^2) / n) for a Gaussian,
    # doubled for a mixture's heavier tails.
    error = 2 * np.sqrt((np.outer(variances, variances) + expected**2) / n)
    assert (np.abs(np.cov(drawn.T) - expected) < 4 * error).all(), np.cov(drawn.T) - expected


def test_a_kde_is_deterministic_and_its_first_draws_are_the_draws_asked_alone():
    codes = np.random.default_rng(2).normal(size=(40, 3))
    scale = np.array([0.1, 0.2, 0.0])
    many = sample_kde(5, codes, scale, 1000)
    np.testing.assert_array_equal(many, sample_kde(5, codes, scale, 1000))
    np.testing.assert_array_equal(many[:7], sample_kde(5, codes, scale, 7))
    assert not np.array_equal(many, sample_kde(6, codes, scale, 1000))
    kde = by_name("kde0.3")
    np.testing.assert_array_equal(kde.draw(3, 9, 3, codes), kde.draw(3, 500, 3, codes)[:9])


BANDWIDTHS = [*np.geomspace(1e-6, 1e4, 301), 0.1, np.nextafter(0.1, 1), 1, 2, 5e-324, 1e308]


def test_every_sampler_has_a_seed_offset_and_a_name_of_its_own_for_any_bandwidths():
    """Each KDE's offset and name follow from its bandwidth's value alone, so a bandwidth keeps its
    draws when the list changes, and no two samplers share an offset: every mixture a study can fit
    (at most one component per training code) lies below KDE_OFFSET."""
    samplers = registry(study(range(1, 2001), BANDWIDTHS))
    assert len(samplers) == 2 + 2000 + len(set(BANDWIDTHS))
    assert len({s.seed_offset for s in samplers.values()}) == len(samplers)
    kdes = [s for s in samplers.values() if s.name.startswith("kde")]
    # A mixture would need more than 2**63 components, as many training codes, to reach a KDE's offset.
    assert min(s.seed_offset for s in kdes) >= KDE_OFFSET > MIXTURE_OFFSET + 2**63
    for sampler in kdes:
        assert by_name(sampler.name).seed_offset == sampler.seed_offset
    alone = registry(study(bandwidths=[2]))["kde2"]
    assert (alone.seed_offset, alone.label) == (samplers["kde2"].seed_offset, "KDE h=2")
    assert registry(study(bandwidths=[2.0]))["kde2"].seed_offset == alone.seed_offset  # 2 and 2.0: one bandwidth
    for name in ("kde0", "kde-1", "kdenan", "kdeinf", "kde"):
        with pytest.raises(ValueError, match="unknown sampler"):
            by_name(name)


def test_changing_the_samplers_reruns_the_sample_quality_evaluation_and_the_figures_of_each_sampler():
    """A rule reruns when its params change: the sample-quality evaluation's hold what the registry
    reads, as do the figures that label every sampler; no other metric's or figure's do (the tables,
    the claims and the report read the evaluation's scores, so they follow it)."""
    assert set(SETTINGS) <= set(METRICS["sample_quality"].settings)
    assert not any(set(SETTINGS) & set(metric.settings) for name, metric in METRICS.items() if name != "sample_quality")
    keys = {f"evaluation.{key}" for key in SETTINGS}
    assert {name for name, figure in FIGURES.items() if keys & set(figure.settings)} == {"samples", "frontier"}
    assert all(keys <= set(FIGURES[name].settings) for name in ("samples", "frontier"))


@pytest.mark.parametrize("bandwidths, message", [
    ([0.1, 0], "evaluation.kde_bandwidths[1]: 0 is less than or equal to the minimum of 0"),
    ([-0.5], "evaluation.kde_bandwidths[0]: -0.5 is less than or equal to the minimum of 0"),
    ([0.1, 0.1], "evaluation.kde_bandwidths: [0.1, 0.1] has non-unique elements"),
    (0.1, "evaluation.kde_bandwidths: 0.1 is not of type 'array'"),
], ids=["zero", "negative", "repeated", "not-a-list"])
def test_the_schema_refuses_a_bandwidth_that_is_not_positive_in_one_line(bandwidths, message):
    config = harness.config_of(harness.SQUARES, evaluation={"kde_bandwidths": bandwidths})
    with pytest.raises(study_config.ConfigError) as caught:
        study_config.validate(config)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(message), caught.value


def test_the_kde_bandwidths_default_to_none():
    config = study_config.validate(harness.config_of(harness.SQUARES))
    assert config["evaluation"]["kde_bandwidths"] == [] and set(registry(config["evaluation"])) == {
        "prior", "fitted_gaussian", "gmm3"}
    config = study_config.validate(harness.config_of(harness.SQUARES, evaluation={"kde_bandwidths": [1, 0.25]}))
    assert list(registry(config["evaluation"]))[-2:] == ["kde1", "kde0.25"]


def test_the_flow_samples_the_density_it_fitted(monkeypatch):
    """A flow fitted to a correlated, shifted and skewed 2-d density (log-normal in its first
    dimension) draws samples with its mean, covariance and skew, the same for the same seed, and
    its first k of n draws are the k asked alone. Two layers instead of four: half the compile time
    of the unit tier, the same code."""
    from shapestudy.evaluation import flow

    monkeypatch.setattr(flow, "LAYERS", 2)

    rng = np.random.default_rng(5)
    first = np.exp(rng.normal(0.0, 0.5, 2000))
    codes = np.stack([first, 2.0 * first + rng.normal(0.0, 0.3, 2000) - 4.0], axis=1)
    fitted = flow.fit(codes, seed=0, max_epochs=40)
    drawn = flow.sample(fitted, seed=1, n=20000)
    np.testing.assert_allclose(drawn.mean(axis=0), codes.mean(axis=0), atol=0.08)
    np.testing.assert_allclose(np.cov(drawn, rowvar=False), np.cov(codes, rowvar=False), rtol=0.15)
    assert (drawn[:, 0] > 0).mean() > 0.97  # the skewed dimension stays positive, as a Gaussian's would not
    np.testing.assert_array_equal(flow.sample(fitted, seed=1, n=50), drawn[:50])
    assert registry(study(flow=True))["flow"].seed_offset not in {
        s.seed_offset for name, s in registry(study([10, 100], [0.1, 1.0])).items()}
