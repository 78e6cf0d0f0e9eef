"""Data the unit tests share: small real shapes datasets, written and read as the workflow does."""

import atexit
import shutil
import tempfile

import pytest

from shapestudy.jobs import cpus

# One compilation cache for the tier, fresh each session (no program compiled by an earlier run or
# another JAX is ever loaded): tests that compile the same program (the same configuration's
# epoch, encoder or flow) load it instead of compiling it again. Set before any test imports JAX.
CACHE = tempfile.mkdtemp(prefix="shapestudy-unit-jax-")
atexit.register(shutil.rmtree, CACHE, ignore_errors=True)
cpus.compilation_cache(CACHE)

from shapestudy.data import dataset  # noqa: E402
from shapestudy.data.grid import FactorGrid


@pytest.fixture(scope="session")
def shapes_splits(tmp_path_factory):
    """(train, validation) images of a small real shapes dataset: `shapes_splits(canvas, size_max)`."""
    made = {}

    def splits(canvas: int, size_max: int):
        if (canvas, size_max) not in made:
            path = tmp_path_factory.mktemp("data") / "shapes.parquet"
            grid = FactorGrid(canvas=canvas, size_min=4, size_max=size_max)
            dataset.write_parquet(dataset.generate(grid, {"train": 0.8, "validation": 0.1, "test": 0.1}, 0), path)
            made[canvas, size_max] = dataset.load(path, "train").images, dataset.load(path, "validation").images
        return made[canvas, size_max]

    return splits
