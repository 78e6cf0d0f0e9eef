"""The shapes generator on real renders: distinct images, closed-form counts, splits, bytes."""

import filecmp

import numpy as np
import pyarrow.parquet as pq
import pytest

from shapestudy.data import dataset
from shapestudy.data.grid import FactorGrid
from shapestudy.data.pixels import above, to_unit

FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}


@pytest.fixture(scope="module")
def default_table():
    return dataset.generate(FactorGrid(), FRACTIONS, seed=0)


def test_counts_equal_the_closed_form():
    assert FactorGrid(shapes=("square",)).count == 3885
    assert FactorGrid().count == 3 * 3885
    factors = dataset.enumerate_factors(FactorGrid())
    assert len(factors) == 11655
    assert factors.groupby("shape", observed=True).size().tolist() == [3885, 3885, 3885]
    assert FactorGrid().entropy_bits == pytest.approx(13.5087, abs=1e-4)
    assert FactorGrid(shapes=("square",)).entropy_bits == pytest.approx(11.9237, abs=1e-4)


def test_every_tuple_renders_a_distinct_image_inside_the_canvas():
    grid = FactorGrid()
    factors = dataset.enumerate_factors(grid)
    images = dataset.render(grid, factors)
    assert len({image.tobytes() for image in images}) == len(factors)
    # Each shape touches all four sides of its bounding box and nothing outside it.
    rows = np.flatnonzero(images[123].any(axis=1))
    cols = np.flatnonzero(images[123].any(axis=0))
    size, x, y = factors.loc[123, ["size", "x", "y"]]
    assert (rows[0], rows[-1], cols[0], cols[-1]) == (y, y + size - 1, x, x + size - 1)


@pytest.mark.parametrize("shape", ["square", "circle", "triangle"])
def test_shapes_touch_every_side_of_their_box(shape):
    for size in range(1, 15):
        mask = dataset.shape_mask(shape, size)
        assert mask[0].any() and mask[-1].any() and mask[:, 0].any() and mask[:, -1].any()


def test_splits_are_disjoint_by_tuple_and_sized_by_fraction(default_table):
    frame = default_table.select(["shape", "size", "x", "y", "split"]).to_pandas()
    frame["shape"] = frame["shape"].astype(str)
    assert not frame.duplicated(["shape", "size", "x", "y"]).any()
    counts = frame["split"].value_counts()
    assert counts["train"] == round(0.8 * 11655)
    assert counts["validation"] == round(0.1 * 11655)
    assert counts.sum() == 11655


def test_splits_depend_on_the_seed():
    a = dataset.assign_splits(1000, FRACTIONS, seed=0)
    b = dataset.assign_splits(1000, FRACTIONS, seed=1)
    assert (a != b).any()


def test_same_config_writes_a_byte_identical_file(tmp_path, default_table):
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    dataset.write_parquet(default_table, first)
    dataset.write_parquet(dataset.generate(FactorGrid(), FRACTIONS, seed=0), second)
    assert filecmp.cmp(first, second, shallow=False)


def test_parquet_holds_factors_split_image_and_metadata(tmp_path, default_table):
    path = tmp_path / "shapes.parquet"
    dataset.write_parquet(default_table, path)
    schema = pq.read_schema(path)
    assert str(schema.field("shape").type) == "dictionary<values=string, indices=int8, ordered=0>"
    image_type = schema.field("image").type
    assert image_type.list_size == 784 and str(image_type.value_type) == "uint8"
    metadata = dataset.read_metadata(path)
    assert metadata["rows"] == 11655 and metadata["canvas"] == 28 and metadata["seed"] == 0
    assert metadata["generator_version"] == dataset.GENERATOR_VERSION
    test = dataset.load(path, "test")
    # Images as stored, uint8: a quarter of float32's memory.
    assert test.images.shape == (len(test.factors), 28, 28) and test.images.dtype == np.uint8
    assert set(np.unique(test.images)) == {0, 255}
    assert (test.factors["split"] == "test").all()
    # The stored image is the render of the stored tuple.
    grid = test.grid
    assert np.array_equal(dataset.render(grid, test.factors.iloc[:50]), test.images[:50])


def test_a_grid_whose_shapes_coincide_is_refused():
    # A 3-pixel circle is a 3-pixel square: the tuples would not render distinct images.
    with pytest.raises(ValueError, match="at size 3 the shapes square and circle render the same image"):
        FactorGrid(canvas=12, size_min=3, size_max=6)
    assert FactorGrid(canvas=12, shapes=("square",), size_min=1, size_max=6).count > 0


def test_stored_pixels_are_thresholded_as_their_levels():
    stored = np.arange(256, dtype=np.uint8).reshape(16, 16)
    for threshold in [-0.1, 0.0, 0.3, 0.5, 254 / 255, 1.0, 1.5]:
        np.testing.assert_array_equal(above(stored, threshold), to_unit(stored) > threshold)
    floats = np.array([0.2, 0.5, 0.50000001, 0.7])  # float64: compared as float32, as to_unit holds them
    np.testing.assert_array_equal(above(floats, 0.5), [False, False, False, True])
