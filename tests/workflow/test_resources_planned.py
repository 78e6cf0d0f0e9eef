"""Resources that follow the config (shapestudy.jobs.resources): a dry run plans every job with the
memory and runtime that its study's sizes need, so that a larger study asks a cluster for enough."""

from __future__ import annotations

import harness
import pytest

from shapestudy.jobs import resources

# The canvas-64 study measured for benchmarks/RESULTS.md: 187,110 tuples (sizes 5..32), an AE and
# a VAE of latent size 4, one seed, at most 3 epochs, 2,000 samples.
CANVAS_64 = dict(
    data={"canvas": 64, "shapes": ["square", "circle", "triangle"], "size_min": 5, "size_max": 32},
    sweep={"ae": {"latent_dim": [4]}, "vae": {"latent_dim": [4]}},
    training={"max_epochs": 3, "patience": 3, "batch_size": 128},
    evaluation={"samples": 2000},
    figures={"latent_dim": 4},
)
# Peak RSS of each job kind of that study, MB (benchmarks/RESULTS.md, max_rss of logs/benchmarks/).
MEASURED_64 = {"generate_data": 303, "train_ae": 2323, "train_vae": 2371, "evaluate_reconstruction": 1893,
               "evaluate_sample_quality": 2299, "evaluate_rate": 2208, "evaluate_latents": 1313}
JOBS = set(MEASURED_64)


def planned(tmp_path, config: dict) -> dict[str, dict[str, int]]:
    """mem_mb and runtime of each job of the study's dry run, by rule (the tiny and the measured
    study have one job per rule)."""
    harness.write_config(tmp_path, config)
    printed = harness.planned_resources(harness.dry_run(tmp_path))
    return {rule: {key: int(values[key]) for key in ("mem_mb", "runtime")}
            for (rule, _), values in printed.items() if rule in JOBS}


@pytest.fixture(scope="module")
def tiny_and_large(tmp_path_factory):
    tiny = planned(tmp_path_factory.mktemp("tiny"), harness.config_of(harness.SQUARES))
    large = planned(tmp_path_factory.mktemp("large"), harness.config_of(harness.SQUARES, **CANVAS_64))
    return tiny, large


def test_a_larger_study_asks_for_more_memory_and_time(tiny_and_large):
    tiny, large = tiny_and_large
    assert set(tiny) == set(large) == JOBS
    for rule in JOBS:
        assert large[rule]["mem_mb"] > tiny[rule]["mem_mb"] and large[rule]["runtime"] > tiny[rule]["runtime"], rule


def test_every_job_asks_for_more_than_its_measured_peak_and_snakemake(tiny_and_large):
    _, large = tiny_and_large
    for rule, peak in MEASURED_64.items():
        assert large[rule]["mem_mb"] >= peak + resources.SNAKEMAKE_MB, (rule, large[rule], peak)


