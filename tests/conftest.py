"""Shared pytest configuration and the tiny study that several tests read."""

import pytest
from harness import SHAPES, copy_run, make_project, snakemake, tiny_config

from shapestudy import data
from shapestudy.grid import FactorGrid


def pytest_configure(config):
    # Tests that start a real single-node SLURM cluster (tests/slurm/cluster.sh; needs root and
    # apt-get the first time). Deselect with: pytest -m "not slurm"
    config.addinivalue_line("markers", "slurm: runs Snakemake through a real SLURM cluster (tests/slurm/cluster.sh)")


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory):
    """The tiny study, run once for the session. Tests that change it work on a copy
    (`copy_study`); this directory stays as the first run left it."""
    directory = make_project(tmp_path_factory.mktemp("tiny_study"), tiny_config(SHAPES))
    snakemake(directory, check=True)
    return directory


@pytest.fixture
def copy_study(tiny_study, tmp_path):
    """A private copy of the finished tiny study, with Snakemake's metadata and file times."""
    return copy_run(tiny_study, tmp_path / "study")


@pytest.fixture(scope="session")
def shapes_splits(tmp_path_factory):
    """(train, validation) images of a small real shapes dataset: `shapes_splits(canvas, size_max)`."""
    made = {}

    def splits(canvas: int, size_max: int):
        if (canvas, size_max) not in made:
            path = tmp_path_factory.mktemp("data") / "shapes.parquet"
            grid = FactorGrid(canvas=canvas, size_min=4, size_max=size_max)
            data.write_parquet(data.generate(grid, {"train": 0.8, "validation": 0.1, "test": 0.1}, 0), path)
            made[canvas, size_max] = data.load(path, "train").images, data.load(path, "validation").images
        return made[canvas, size_max]

    return splits
