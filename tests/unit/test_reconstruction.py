"""Reconstruction scores on real renders, with answers known by construction."""

import numpy as np
import pytest

from shapestudy.data import dataset
from shapestudy.data.grid import FactorGrid
from shapestudy.evaluation.reconstruction import reconstruction_scores

GRID = FactorGrid(canvas=12, size_min=4, size_max=7)


@pytest.fixture(scope="module")
def images():
    return dataset.render(GRID, dataset.enumerate_factors(GRID)[:50]).astype(np.float32) / 255


def test_a_perfect_reconstruction(images):
    scores = reconstruction_scores(images, images)
    assert scores["mse"] == 0 and scores["iou"] == 1 and scores["psnr_db"] == 100
    assert scores["bce"] == pytest.approx(0, abs=1e-6)


def test_a_blank_reconstruction_of_known_error(images):
    scores = reconstruction_scores(images, np.zeros_like(images))
    assert scores["mse"] == pytest.approx(images.mean())
    assert scores["iou"] == 0
    # PSNR of each image from its own MSE: 10 log10(1 / share of lit pixels).
    lit = images.reshape(len(images), -1).mean(axis=1)
    assert scores["psnr_db"] == pytest.approx(np.mean(10 * np.log10(1 / lit)), rel=1e-6)


def test_a_half_grey_reconstruction_scores_half_pixel_error(images):
    scores = reconstruction_scores(images, np.full_like(images, 0.5))
    assert scores["mse"] == pytest.approx(0.25)
    assert scores["bce"] == pytest.approx(np.log(2), rel=1e-6)
