import numpy as np
import pytest

from shapestudy.data.dataset import Dataset, enumerate_factors, render
from shapestudy.data.grid import FactorGrid
from shapestudy.data.splits import assign_splits
from shapestudy.evaluation.sample_quality import manifold_scores, neighbour_radii, prdc

# Sizes from 4: at size 3 a circle renders as a square, so tuples would share images.
SMALL = FactorGrid(canvas=16, size_min=4, size_max=7)
FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def renders_of(grid):
    factors = enumerate_factors(grid)
    dataset = Dataset(render(grid, factors).astype(np.float32) / 255, factors, {})
    test_mask = assign_splits(len(factors), FRACTIONS, seed=0) == "test"
    return dataset.images, dataset.factor_codes(), test_mask


@pytest.fixture(scope="module")
def small():
    return renders_of(SMALL)


def test_renders_as_samples_are_valid_and_cover_everything(small):
    images, codes, test_mask = small
    scores = manifold_scores(images, images, codes, test_mask, n_factor_values=(3, 4, 13, 13))
    assert scores["validity"] == 1.0
    assert scores["mean_distance"] == 0.0
    assert scores["coverage"] == 1.0
    assert scores["n_valid"] == len(images)
    for name in ("shape", "size", "x", "y"):
        assert scores[f"tv_{name}"] == pytest.approx(0.0, abs=1e-12)
    assert scores["novelty"] == pytest.approx(test_mask.mean())
    # Scores only: the settings are the caller's, stored beside the scores by the metric.
    assert not {"iou_threshold", "pixel_threshold", "n_samples", "n_renders"} & set(scores)


def test_default_grid_renders_are_valid():
    images, codes, test_mask = renders_of(FactorGrid())
    rows = np.random.default_rng(0).choice(len(images), 1000, replace=False)
    scores = manifold_scores(images[rows], images, codes, test_mask, (3, 10, 24, 24))
    assert scores["validity"] == 1.0
    assert scores["coverage"] == pytest.approx(1000 / 11655)
    assert scores["novelty"] == pytest.approx(test_mask[rows].mean())


def test_uniform_noise_is_not_valid(small):
    images, codes, test_mask = small
    noise = np.random.default_rng(1).random((500, *images.shape[1:]), dtype=np.float32)
    scores = manifold_scores(noise, images, codes, test_mask)
    assert scores["validity"] == 0.0 and scores["n_valid"] == 0 and scores["coverage"] == 0.0
    assert scores["mean_distance"] > 0
    # No valid sample: fidelity and novelty are undefined.
    assert all(np.isnan(scores[f"tv_{name}"]) for name in ("shape", "size", "x", "y"))
    assert np.isnan(scores["novelty"])


def test_coverage_true_formula(small):
    images, codes, test_mask = small
    m = len(images)
    for n in (m, 2 * m):
        samples = np.concatenate([images] * (n // m))
        scores = manifold_scores(samples, images, codes, test_mask)
        assert scores["coverage"] == 1.0
        assert scores["coverage_true"] == pytest.approx(1 - (1 - 1 / m) ** n)
    assert scores["coverage_true"] == pytest.approx(1 - np.exp(-2), abs=1e-3)


def test_total_variation_of_known_subsets(small):
    images, codes, test_mask = small
    squares = codes[:, 0] == 0
    scores = manifold_scores(images[squares], images, codes, test_mask)
    # Only one of three shapes; every shape has the same size and position marginals.
    assert scores["tv_shape"] == pytest.approx(2 / 3)
    assert scores["tv_size"] == scores["tv_x"] == scores["tv_y"] == pytest.approx(0.0, abs=1e-12)
    smallest = codes[:, 1] == 4
    scores = manifold_scores(images[smallest], images, codes, test_mask)
    assert scores["tv_size"] == pytest.approx(1 - smallest.mean())
    assert scores["tv_shape"] == pytest.approx(0.0, abs=1e-12)


def test_novelty_of_test_renders_is_one(small):
    images, codes, test_mask = small
    assert manifold_scores(images[test_mask], images, codes, test_mask)["novelty"] == 1.0
    assert manifold_scores(images[~test_mask], images, codes, test_mask)["novelty"] == 0.0


def test_n_factor_values_checks_the_grid(small):
    images, codes, test_mask = small
    with pytest.raises(ValueError, match="full renderable set"):
        manifold_scores(images, images, codes, test_mask, n_factor_values=(3, 10, 24, 24))


def test_prdc_of_a_set_against_itself(small):
    images, _, _ = small
    scores = prdc(images, images, k=5)
    assert scores["precision"] == scores["recall"] == scores["coverage"] == 1.0
    assert scores["density"] >= 1.0  # each image lies at least in its own ball
    assert set(scores) == {"precision", "recall", "density", "coverage"}


def test_prdc_with_the_real_balls_given_scores_as_without(small):
    """The real set's radii, computed once for several sets of fakes, give the scores that prdc
    computes from the real set itself; and those radii reach each image's k-th neighbour."""
    images, _, _ = small
    fakes = images[::2] + np.random.default_rng(3).normal(0, 0.2, images[::2].shape).astype(np.float32)
    radii = neighbour_radii(images, k=4)
    flat = images.reshape(len(images), -1).astype(np.float64)
    brute = ((flat[:40, None] - flat[None]) ** 2).sum(axis=2)  # the first 40 images' distances to all
    np.testing.assert_allclose(radii[:40], np.sort(brute, axis=1)[:, 4], rtol=1e-4, atol=1e-3)
    assert prdc(images, fakes, k=4, real_radii=radii) == prdc(images, fakes, k=4)
    assert 0 < prdc(images, fakes, k=4)["precision"] < 1  # a case the balls decide


def test_prdc_of_noise_against_renders(small):
    images, _, _ = small
    noise = np.random.default_rng(2).random((300, *images.shape[1:]), dtype=np.float32)
    scores = prdc(images, noise, k=3, chunk=128)
    assert scores["precision"] == scores["recall"] == scores["density"] == scores["coverage"] == 0.0
