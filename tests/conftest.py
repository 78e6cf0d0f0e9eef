"""The test tiers: tests/unit (no Snakemake run, no training beyond a few steps) and tests/workflow
(studies run for real by Snakemake, marked `workflow`; some also `slurm` or `browser`). The
markers are registered in pyproject.toml: `pytest tests/unit`, `pytest -m "not slurm and not browser"`.
This folder is on sys.path (pytest's rootdir conftest), so every tier imports `harness`."""

from pathlib import Path

import pytest

WORKFLOW = Path(__file__).parent / "workflow"


def pytest_collection_modifyitems(items):
    for item in items:
        if WORKFLOW in Path(item.fspath).parents:
            item.add_marker(pytest.mark.workflow)
