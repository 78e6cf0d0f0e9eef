"""Resources that follow the config (shapestudy.jobs.resources): a dry run plans every job with the
memory and runtime that its study's sizes need, so that a larger study asks a cluster for enough."""

from __future__ import annotations

import harness

from shapestudy import config as study_config
from shapestudy import sizes
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


def study(**changes) -> sizes.Study:
    """The default study's data (11,655 tuples of 28x28), with changes."""
    data = {"canvas": 28, "shapes": ["square", "circle", "triangle"], "size_min": 5, "size_max": 14}
    return sizes.Study(study_config.validate(harness.config_of(harness.SQUARES, data=data, **changes)))


def test_training_time_follows_the_epochs_cap_the_seeds_and_the_architecture():
    run = dict(next(iter(study_config.runs(harness.config_of(harness.SQUARES)).values())), max_epochs=40)
    base = resources.training(study(), [run])["runtime"]
    assert resources.training(study(), [dict(run, max_epochs=400)])["runtime"] > base
    assert resources.training(study(), [run] * 3)["runtime"] > base
    assert resources.training(study(), [dict(run, arch="conv")])["runtime"] > base


def test_evaluation_memory_follows_the_samples_and_the_bins():
    def memory(family, **evaluation):
        return resources.evaluation(study(evaluation=evaluation), family, [{}])["mem_mb"]

    assert memory("sample_quality", samples=100_000) > memory("sample_quality", samples=1000)
    assert memory("latents", mi_bins=2000) > memory("latents", mi_bins=20)
