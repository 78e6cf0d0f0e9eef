"""Divergence: a NaN or infinite loss stops the training job with one line naming the
configuration and the epoch; no model and no scores are written for it. An epoch without a batch
is said to be one, not a divergence."""

from __future__ import annotations

import harness

HUGE_LEARNING_RATE = 1e4  # Adam steps of 1e4 on the tiny study: NaN in the first epoch (AE and VAE)


def test_workflow_stops_a_diverging_training_with_one_line(tmp_path):
    config = harness.config_of(harness.SQUARES, training={"learning_rate": HUGE_LEARNING_RATE})
    harness.write_config(tmp_path, config)
    result = harness.snakemake(tmp_path, "--keep-going", *harness.TABLE_FILES)
    assert result.returncode != 0
    for point, run in ((harness.AE_POINT, harness.AE_RUN), (harness.VAE_POINT, harness.VAE_RUN)):
        log = (tmp_path / f"logs/train/{point}.log").read_text()
        assert "Traceback" not in log
        last = log.splitlines()[-1]
        assert last.startswith(f"error in train_{point.split('-')[0]} {point}: training diverged at epoch 1 "), last
        assert f"learning_rate={HUGE_LEARNING_RATE}" in last and last in result.stderr
        model = tmp_path / f"results/models/{run}"
        assert not model.exists() or not any(model.iterdir())  # no model, no checkpoint
    assert harness.files_under(tmp_path / "results") == {"data/shapes.parquet"}  # no scores, no tables
