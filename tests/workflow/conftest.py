"""The studies the workflow tests read, each run once per session by real Snakemake in a temporary
folder. Tests that change a study work on a copy; the fixture's folder stays as its run left it."""

import pytest
from harness import SQUARES, TABLE_FILES, TINY, config_of, copy_run, make_project, run_study


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory):
    """tests/configs/tiny.yaml run to every output, on its own copy of the project."""
    directory = tmp_path_factory.mktemp("tiny_study")
    make_project(directory, config_of(TINY))
    return run_study(directory, config_of(TINY))


@pytest.fixture
def copy_study(tiny_study, tmp_path):
    """A private copy of the finished tiny study, with Snakemake's metadata and file times."""
    return copy_run(tiny_study, tmp_path / "study")


@pytest.fixture(scope="session")
def squares_study(tmp_path_factory):
    """tests/configs/squares.yaml run from scratch to the reconstruction table, both trainings at once."""
    return run_study(tmp_path_factory.mktemp("squares_study"), config_of(SQUARES), *TABLE_FILES)


@pytest.fixture(scope="session")
def squares_study_again(tmp_path_factory):
    """The squares study run a second time from scratch, in another folder."""
    return run_study(tmp_path_factory.mktemp("squares_study_again"), config_of(SQUARES), *TABLE_FILES)
