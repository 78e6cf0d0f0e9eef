import numpy as np
import pytest

from shapestudy.data.dataset import Dataset, enumerate_factors
from shapestudy.data.grid import FactorGrid
from shapestudy.data.splits import assign_splits
from shapestudy.evaluation.latents import linear_probe, mig, mutual_information_matrix

# Every factor of this grid has at most 13 values, under 20 bins: a copied factor loses nothing.
SMALL = FactorGrid(canvas=16, size_min=4, size_max=7)
FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def factor_codes(grid):
    factors = enumerate_factors(grid)
    return Dataset(np.zeros((len(factors), 1, 1)), factors, {}).factor_codes()


def entropy_bits(column):
    _, counts = np.unique(column, return_counts=True)
    p = counts / counts.sum()
    return -(p * np.log2(p)).sum()


@pytest.fixture(scope="module")
def codes():
    return factor_codes(SMALL)


def test_mutual_information_of_copied_factors(codes):
    information = mutual_information_matrix(codes.astype(float), codes)
    assert information.shape == (4, 4)
    np.testing.assert_allclose(np.diag(information), [entropy_bits(c) for c in codes.T])
    assert information.min() >= -1e-12
    # Affine maps of a latent keep its bins, so its information.
    scaled = codes * np.array([3.0, -0.5, 10.0, 1.0]) + 7
    np.testing.assert_allclose(mutual_information_matrix(scaled, codes), information, atol=1e-12)


def test_mutual_information_of_an_independent_code_is_small(codes):
    noise = np.random.default_rng(0).normal(size=(len(codes), 3))
    information = mutual_information_matrix(noise, codes, bins=10)
    assert information.shape == (3, 4)
    assert information.max() < 0.1


def test_mig_of_copied_factors_is_near_one(codes):
    scores = mig(codes.astype(float), codes)
    assert scores["mig_shape"] == pytest.approx(1.0)  # shape is independent of the other factors
    for name in ("size", "x", "y"):
        assert scores[f"mig_{name}"] > 0.9
    gaps = [scores[f"mig_{name}"] for name in ("shape", "size", "x", "y")]
    assert scores["mig"] == pytest.approx(np.mean(gaps))
    assert scores["mig_factors"] == "shape,size,x,y"


def test_mig_of_an_independent_code_is_near_zero(codes):
    noise = np.random.default_rng(1).normal(size=(len(codes), 6))
    assert abs(mig(noise, codes)["mig"]) < 0.05


def test_mig_leaves_out_a_factor_with_one_value():
    codes = factor_codes(FactorGrid(canvas=16, shapes=("square",), size_min=4, size_max=7))
    scores = mig(codes.astype(float), codes)
    assert np.isnan(scores["mig_shape"]) and not np.isnan(scores["mig"])
    assert scores["mig_factors"] == "size,x,y"


def test_mig_include_names_the_averaged_factors(codes):
    scores = mig(codes.astype(float), codes, bins=15, include=("x", "y"))
    assert scores["mig_factors"] == "x,y"
    assert scores["mig"] == pytest.approx((scores["mig_x"] + scores["mig_y"]) / 2)
    with pytest.raises(ValueError, match="unknown factor"):
        mig(codes.astype(float), codes, include=("colour",))


def split(codes):
    labels = assign_splits(len(codes), FRACTIONS, seed=0)
    return labels == "train", labels == "test"


def test_linear_probe_of_the_factors_themselves(codes):
    train, test = split(codes)
    scores = linear_probe(codes[train], codes[train], codes[test], codes[test])
    for name in ("x", "y", "size"):
        assert scores[f"r2_{name}"] > 0.999
    # One scalar latent holds the shape index: a multinomial classifier separates the middle class.
    assert scores["accuracy_shape"] == 1.0
    assert set(scores) == {"r2_x", "r2_y", "r2_size", "accuracy_shape"}  # scores only


def test_linear_probe_of_an_independent_code(codes):
    train, test = split(codes)
    noise = np.random.default_rng(2).normal(size=(len(codes), 4))
    scores = linear_probe(noise[train], codes[train], noise[test], codes[test], ridge=0.1)
    for name in ("x", "y", "size"):
        assert abs(scores[f"r2_{name}"]) < 0.05
    assert scores["accuracy_shape"] < 0.45  # chance is 1/3


def test_linear_probe_with_a_single_shape():
    codes = factor_codes(FactorGrid(canvas=16, shapes=("square",), size_min=4, size_max=7))
    train, test = split(codes)
    scores = linear_probe(codes[train, 1:], codes[train], codes[test, 1:], codes[test])
    assert np.isnan(scores["accuracy_shape"])
    assert scores["r2_x"] > 0.999
