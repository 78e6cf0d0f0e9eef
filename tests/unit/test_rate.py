import numpy as np
import pytest

from shapestudy.evaluation.rate import (
    active_dimensions,
    information_rate,
    kl_rate_bits,
    posterior_noise_rate,
    rate_distortion,
)


def test_information_rate_of_gaussian_codes_is_the_closed_form():
    stds = np.array([0.5, 1.0, 3.0])
    codes = np.random.default_rng(0).normal(size=(200_000, 3)) * stds
    for sigma in (0.1, 0.5, 2.0):
        expected = (0.5 * np.log2(1 + stds**2 / sigma**2)).sum()
        assert information_rate(codes, sigma) == pytest.approx(expected, rel=1e-2)


def test_information_rate_grows_with_the_scale_of_the_code():
    codes = np.random.default_rng(1).normal(size=(1000, 2))
    assert information_rate(10 * codes, 1.0) > information_rate(codes, 1.0)
    assert information_rate(codes, 0.0) == np.inf
    assert information_rate(np.ones((10, 2)), 0.0) == 0.0


def test_posterior_noise_rate_of_a_known_posterior():
    signs = np.tile([1.0, -1.0], 500)[:, None]
    mean = signs * np.array([1.0, 2.0, 0.0])  # Var[mu] = 1, 4, 0 exactly
    logvar = np.log(np.where(signs > 0, 0.5, 1.5)) * np.ones((1, 3))  # E[sigma^2] = 1 in every dim
    expected = 0.5 * np.log2(1 + 1.0) + 0.5 * np.log2(1 + 4.0)
    assert posterior_noise_rate(mean, logvar) == pytest.approx(expected)


def test_kl_rate_of_a_known_posterior():
    assert kl_rate_bits(np.zeros((10, 4)), np.zeros((10, 4))) == 0.0
    signs = np.tile([1.0, -1.0], 5)[:, None] * np.ones((1, 2))
    # mu^2 = 1, sigma^2 = 1 in two dims: KL = 2 * 1/2 nats.
    assert kl_rate_bits(signs, np.zeros((10, 2))) == pytest.approx(1 / np.log(2))
    # mu = 0, sigma^2 = 2 in three dims: KL = 3 * 1/2 (2 - 1 - ln 2) nats.
    expected = 3 * 0.5 * (1 - np.log(2)) / np.log(2)
    assert kl_rate_bits(np.zeros((7, 3)), np.full((7, 3), np.log(2))) == pytest.approx(expected)


def test_active_dimensions():
    rng = np.random.default_rng(2)
    mean = rng.normal(size=(5000, 5)) * np.array([1.0, 0.5, 0.01, 0.001, 0.0])
    assert active_dimensions(mean) == 2
    assert active_dimensions(mean, threshold=1e-5) == 3


def test_rate_distortion_with_an_identity_decoder():
    codes = np.random.default_rng(3).normal(size=(100_000, 2)).astype(np.float32)
    rows = rate_distortion(codes, lambda z: z, codes, [0.0, 0.5, 1.0], seed=7)
    assert [row["sigma"] for row in rows] == [0.0, 0.5, 1.0]
    assert all(set(row) == {"sigma", "rate_bits", "distortion"} for row in rows)
    assert rows[0]["distortion"] == 0.0 and rows[0]["rate_bits"] == np.inf
    # Decoding z + eps with the identity: D = sum of the noise variances = d sigma^2.
    assert rows[2]["distortion"] == pytest.approx(2.0, rel=2e-2)
    # The same eps serves every sigma, so D scales exactly with sigma^2.
    assert rows[2]["distortion"] == pytest.approx(4 * rows[1]["distortion"], rel=1e-5)
    assert rows[1]["rate_bits"] == pytest.approx(information_rate(codes, 0.5))
    again = rate_distortion(codes, lambda z: z, codes, sigmas=[1.0], seed=7)
    assert again[0] == rows[2]


def test_rate_distortion_sums_over_pixels():
    codes = np.zeros((4, 3), dtype=np.float32)
    images = np.zeros((4, 2, 2), dtype=np.float32)

    def decode(z):
        return np.ones((len(z), 2, 2), dtype=np.float32)

    (row,) = rate_distortion(codes, decode, images, sigmas=[1.0], seed=0)
    assert row["distortion"] == 4.0  # four pixels of error 1 per image, averaged over images
