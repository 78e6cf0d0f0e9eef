"""The Gaussian mixtures: EM as scikit-learn's, step for step; its E-step's compiled row work as
numpy's, bit for bit; sampling a known mixture; determinism."""

import numpy as np
import pytest

from shapestudy.evaluation import mixture
from shapestudy.evaluation.samplers import draw_latents


def test_a_known_mixture_is_sampled_with_its_weights_means_and_covariances():
    weights = np.array([0.2, 0.8])
    means = np.array([[-4.0, 0.0], [4.0, 1.0]])
    covariances = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.25, 0.0], [0.0, 2.0]]])
    drawn = mixture.sample(9, weights, means, covariances, 40_000)
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
    fitted = mixture.fit(codes, 3, seed=5)
    order = np.argsort(fitted.weights)
    np.testing.assert_allclose(fitted.weights[order], [1 / 6, 1 / 3, 1 / 2], atol=1e-3)
    np.testing.assert_allclose(fitted.means[order], centres, atol=0.1)
    again = mixture.fit(codes, 3, seed=5)
    np.testing.assert_array_equal(fitted.means, again.means)
    np.testing.assert_array_equal(fitted.covariances, again.covariances)
    study = {"mixture_components": [3], "kde_bandwidths": [], "flow": False}
    first = draw_latents(1000, 3, seed=2, training_codes=lambda: codes, evaluation=study)["gmm3"]
    second = draw_latents(1000, 3, seed=2, training_codes=lambda: codes, evaluation=study)["gmm3"]
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("dim, components", [(2, 10), (8, 40)])
def test_the_mixture_fit_is_scikit_learns_em(dim, components):
    """The vectorised EM follows GaussianMixture step for step: the same k-means++ seeds, the same
    iterations, the same parameters up to rounding."""
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(dim)
    codes = rng.standard_normal((3000, dim)) * rng.uniform(0.1, 2, dim) + 3 * rng.integers(0, 4, (3000, 1))
    ours = mixture.fit(codes, components, seed=3)
    theirs = GaussianMixture(components, covariance_type="full", init_params="k-means++", random_state=3,
                             tol=mixture.EM_TOLERANCE).fit(codes)
    np.testing.assert_allclose(ours.weights, theirs.weights_, atol=1e-6)
    np.testing.assert_allclose(ours.means, theirs.means_, atol=1e-5)
    np.testing.assert_allclose(ours.covariances, theirs.covariances_, atol=1e-5)


@pytest.mark.parametrize("n, dim, components, seed, decimals", [
    (2000, 4, 100, 1, None), (9324, 16, 100, 7, None), (300, 3, 300, 2, None), (1000, 2, 50, 3, 1)])
def test_the_k_means_plus_plus_seeds_are_scikit_learns(n, dim, components, seed, decimals):
    """The same seeds as sklearn.cluster.kmeans_plusplus, index for index, including codes that tie
    (rounded to `decimals`) and as many components as codes."""
    from sklearn.cluster import kmeans_plusplus as reference
    from threadpoolctl import threadpool_limits

    codes = np.random.default_rng(seed).standard_normal((n, dim)) * np.arange(1, dim + 1)
    if decimals is not None:
        codes = np.round(codes, decimals)
    with threadpool_limits(1):
        _, expected = reference(codes, components, random_state=seed)
        np.testing.assert_array_equal(mixture.kmeans_plusplus(codes, components, seed), expected)


def test_a_mixture_with_more_components_than_codes_is_refused_by_name():
    with pytest.raises(ValueError, match="evaluation.mixture_components"):
        mixture.fit(np.zeros((5, 2)), 10, seed=0)


def test_em_responsibilities_are_zero_where_they_would_be_subnormal():
    """Codes along a line through two components: far from one of them a code's responsibility
    underflows, for some codes into float64's subnormal range. Those are exact zeros, never
    subnormal numbers (ten times slower in every later product), and each code's still sum to 1."""
    rng = np.random.default_rng(0)
    rows, columns = np.triu_indices(2)

    def features(x):
        return np.hstack([x[:, rows] * x[:, columns], x])

    clusters = np.concatenate([rng.normal(centre, 1.0, (500, 2)) for centre in (-10, 10)])
    two = mixture._maximise(features(clusters), 2, np.repeat(np.eye(2), 500, axis=0))
    line = np.stack([np.linspace(-60, 60, 4001), np.zeros(4001)], axis=1)
    resp, _ = mixture._expect(features(line), two)
    assert not ((resp > 0) & (resp < np.finfo(np.float64).tiny)).any()
    assert (resp == 0).mean() > 0.1
    np.testing.assert_allclose(resp.sum(axis=1), 1)


def test_the_compiled_row_sum_is_numpys_bit_for_bit():
    """The E-step's row sums add in numpy's order: every row length up to past two halvings of the
    runs, values of every magnitude and sign."""
    normalise = mixture._row_loops()[1]
    rng = np.random.default_rng(0)
    for n in [*range(1, 300), 1000, 4097]:
        rows = rng.standard_normal((3, n)) * 10.0 ** rng.uniform(-8, 8, (3, n))
        totals = normalise(rows.copy(), np.ones(rows.shape, dtype=bool), *mixture._pairwise_plan(n))
        np.testing.assert_array_equal(totals, rows.sum(axis=1), err_msg=f"rows of {n}")


def numpy_e_step(features, fitted):
    """The E-step's work after the log-densities as plain numpy, one pass over the (n, k) array per
    operation: the reference for the compiled row work."""
    log_prob, constant = mixture._log_densities(features, fitted)
    log_prob += constant
    peak = log_prob.max(axis=1)
    log_prob -= peak[:, None]
    floor = np.log(np.finfo(np.float64).tiny * len(fitted.weights))
    resp = np.where(log_prob >= floor, np.exp(np.maximum(log_prob, floor)), 0.0)
    total = resp.sum(axis=1)
    return resp / total[:, None], float((peak + np.log(total)).mean())


@pytest.mark.parametrize("components", [7, 100, 150])
def test_the_compiled_e_step_gives_numpys_responsibilities_bit_for_bit(components):
    """Clustered codes of very different spreads, so that many responsibilities are clamped to 0 and
    many are not; a mixture of more components than a row's 128-entry run (150) included."""
    rng = np.random.default_rng(components)
    codes = rng.standard_normal((3000, 6)) * rng.uniform(0.05, 3, 6) + 8 * rng.integers(0, 12, (3000, 1))
    x = codes - codes.mean(axis=0)
    rows, columns = np.triu_indices(6)
    features = np.hstack([x[:, rows] * x[:, columns], x])
    centres = x[rng.choice(len(x), components, replace=False)]
    nearest = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
    fitted = mixture._maximise(features, 6, np.eye(components)[nearest])
    for _ in range(3):
        ours, bound = mixture._expect(features, fitted)
        reference, reference_bound = numpy_e_step(features, fitted)
        assert 0.05 < (ours == 0).mean() < 0.95  # both kinds of entry, in numbers
        np.testing.assert_array_equal(ours.view(np.int64), reference.view(np.int64))
        assert bound == reference_bound
        fitted = mixture._maximise(features, 6, ours)
