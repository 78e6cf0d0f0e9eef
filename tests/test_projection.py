import numpy as np
import pytest

from shapestudy.data import Dataset, FactorGrid, enumerate_factors, render
from shapestudy.evaluation.projection import factor_recovery, iou, project

# Sizes from 4: at size 3 a circle renders as a square, so tuples would share images.
SMALL = FactorGrid(canvas=16, size_min=4, size_max=7)


def renders_of(grid):
    factors = enumerate_factors(grid)
    dataset = Dataset(render(grid, factors).astype(np.float32) / 255, factors, {})
    return dataset.images, dataset.factor_codes()


@pytest.fixture(scope="module")
def small():
    return renders_of(SMALL)


def test_renders_project_onto_themselves(small):
    images, _ = small
    index, distance = project(images, images)
    np.testing.assert_array_equal(index, np.arange(len(images)))
    np.testing.assert_array_equal(distance, 0)


def test_default_grid_renders_project_onto_themselves():
    images, _ = renders_of(FactorGrid())
    rows = np.random.default_rng(0).choice(len(images), 1000, replace=False)
    index, distance = project(images[rows], images)
    np.testing.assert_array_equal(index, rows)
    np.testing.assert_array_equal(distance, 0)


def test_distance_is_the_brute_force_minimum(small):
    images, _ = small
    queries = np.random.default_rng(1).random((40, *images.shape[1:]), dtype=np.float32)
    index, distance = project(queries, images, chunk=16)
    brute = np.sqrt(((queries[:, None] - images[None]) ** 2).sum(axis=(2, 3)))
    np.testing.assert_allclose(distance, brute.min(axis=1), rtol=1e-5)
    np.testing.assert_allclose(brute[np.arange(40), index], brute.min(axis=1), rtol=1e-5)


def test_chunking_does_not_change_the_answer(small):
    images, _ = small
    queries = np.random.default_rng(2).random((100, *images.shape[1:]), dtype=np.float32)
    for got, expected in zip(project(queries, images, chunk=7), project(queries, images)):
        np.testing.assert_array_equal(got, expected)


def test_iou_known_values():
    empty = np.zeros((2, 2))
    left = np.array([[1.0, 0.0], [1.0, 0.0]])
    top = np.array([[1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(
        iou(np.stack([empty, left, left, left]), np.stack([empty, left, top, 1 - left])),
        [1.0, 1.0, 1 / 3, 0.0],
    )
    # Thresholded first: 0.6 counts as on, 0.4 as off.
    assert iou(left[None] * 0.6, left[None]) == 1.0
    assert iou(left[None] * 0.4, left[None]) == 0.0


def test_factor_recovery_of_renders_is_perfect(small):
    images, codes = small
    scores = factor_recovery(images, codes, images, codes)
    assert scores["factor_recovery"] == 1.0
    assert all(scores[f"factor_recovery_{name}"] == 1.0 for name in ("shape", "size", "x", "y"))
    assert scores["mean_projection_distance"] == 0.0
    assert scores["n_images"] == len(images)


def test_factor_recovery_of_noisy_renders(small):
    images, codes = small
    noisy = images + np.random.default_rng(3).normal(0, 0.1, images.shape).astype(np.float32)
    assert factor_recovery(noisy, codes, images, codes)["factor_recovery"] == 1.0


def test_factor_recovery_counts_wrong_tuples(small):
    images, codes = small
    wrong = codes.copy()
    wrong[:100, 2] += 1  # x off by one in the first 100 rows
    scores = factor_recovery(images, wrong, images, codes)
    assert scores["factor_recovery"] == pytest.approx(1 - 100 / len(images))
    assert scores["factor_recovery_x"] == pytest.approx(1 - 100 / len(images))
    assert scores["factor_recovery_y"] == 1.0
