"""A config that breaks a precondition between keys (shapestudy.preconditions) is refused through
Snakemake with its one line, before any job, and nothing is written (tests/unit/test_preconditions.py
checks every precondition's message and limit)."""

from __future__ import annotations

import harness
import pytest

# The squares study has 294 tuples, 235 of them training tuples and 30 test images.
REFUSED = {
    "batch-above-train": (dict(training__batch_size=236), "config error: training.batch_size: 236 is larger than the "
                          "train split (235 of 294 tuples): expected at most 235"),
    "k-of-test-images": (dict(evaluation__prdc_k=30), "config error: evaluation.prdc_k: 30 neighbours in sets of 30 "
                         "images"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_snakemake_refuses_before_any_job(tmp_path, name):
    changes, message = REFUSED[name]
    harness.write_config(tmp_path, harness.changed(harness.config_of(harness.SQUARES), **changes))
    result = harness.snakemake(tmp_path, timeout=120)
    assert result.returncode != 0
    lines = harness.message_lines(result)
    assert len(lines) == 1 and lines[0].startswith(message), lines
    assert harness.files_under(tmp_path) == set()
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()
