"""Resources that follow the config (shapestudy.jobs.resources): a dry run plans every job with the
memory and runtime that its study's sizes need, so that a larger study asks a cluster for enough."""

from __future__ import annotations

import harness

from shapestudy import config as study_config
from shapestudy import sizes
from shapestudy.jobs import resources


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


def test_evaluation_time_counts_every_sampler():
    def runtime(**evaluation):
        planned = study(evaluation=dict(samples=100_000, **evaluation))
        return resources.evaluation(planned, "sample_quality", [{}])["runtime"]

    base = runtime(mixture_components=[3])
    assert runtime(mixture_components=[3], kde_bandwidths=[0.1, 0.3, 1.0]) == runtime(mixture_components=[3, 4, 5, 6])
    assert runtime(mixture_components=[3], kde_bandwidths=[0.1]) > base
    # The flow is a sampler and a fit: more time than one more mixture.
    assert runtime(mixture_components=[3], flow=True) > runtime(mixture_components=[3, 4])
