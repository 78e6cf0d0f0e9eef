"""Preconditions between config keys (shapestudy.preconditions): each one refuses a config that
breaks it with one line naming its key and what was expected, accepts the value at its limit, and
a refusal through Snakemake writes nothing."""

from __future__ import annotations

from typing import NamedTuple

import harness
import pytest

from shapestudy import config as study_config
from shapestudy.data import dataset
from shapestudy.data.grid import FactorGrid
from shapestudy.data.splits import split_sizes
from shapestudy.preconditions import PRECONDITIONS

# The base: harness SQUARES, 294 tuples (squares of sizes 3..6 on 12x12), split 235 / 29 / 30;
# batch 32, 200 samples, prdc_k 5, 20 bins, sweep latent size 2, 2 warmup epochs, cap 80.
# Five tuples: squares of size 4 on a 5x5 canvas have 4 positions; the train split then holds one.
FOUR_TUPLES = dict(data__canvas=5, data__size_min=4, data__size_max=4,
                   data__splits={"train": 0.25, "validation": 0.25, "test": 0.5},
                   training__batch_size=1, evaluation__prdc_k=1, evaluation__mi_bins=2)


class Case(NamedTuple):
    precondition: str
    refused: dict  # changes (harness.changed) that break it
    accepted: dict  # changes at its limit, or beside it, that every precondition accepts
    message: str  # the start of the one line


CASES = {
    "size-beyond-canvas": Case("sizes_fit_the_canvas", dict(data__size_max=13), dict(data__size_max=12),
                               "data.size_max: sizes 3..13 do not fit a canvas of 12: expected size_min <= size_max"),
    "shapes-alike": Case("shapes_look_different",
                         dict(data__shapes=["square", "circle"], data__size_min=1),
                         dict(data__shapes=["square", "circle"], data__size_min=4),
                         "data.size_min: at size 1 the shapes square and circle render the same image"),
    "fractions-sum": Case("fractions_add_up_to_one",
                          dict(data__splits={"train": 0.7, "validation": 0.1, "test": 0.1}),
                          dict(data__splits={"train": 0.7, "validation": 0.2, "test": 0.1}),
                          "data.splits: fractions add up to 0.9: expected 1"),
    "empty-validation": Case("no_split_is_empty",
                             dict(data__splits={"train": 0.998, "validation": 0.001, "test": 0.001}),
                             # 0.005 of 294 rounds to 1 tuple each (k below the 2 test images).
                             dict(data__splits={"train": 0.99, "validation": 0.005, "test": 0.005},
                                  evaluation__prdc_k=1),
                             "data.splits: a split of 294 tuples would be empty (validation: 0.001 of them"),
    "batch-above-train": Case("a_batch_fits_the_train_split", dict(training__batch_size=236),
                              dict(training__batch_size=235),
                              "training.batch_size: 236 is larger than the train split (235 of 294 tuples): "
                              "expected at most 235"),
    "warmup-to-cap": Case("warmup_ends_before_the_cap", dict(training__warmup_epochs=80),
                          dict(training__warmup_epochs=79),
                          "training.warmup_epochs: 80 warmup epochs reach training.max_epochs 80, so no run could "
                          "converge"),
    "k-of-test-images": Case("prdc_sets_exceed_k", dict(evaluation__prdc_k=30), dict(evaluation__prdc_k=29),
                             "evaluation.prdc_k: 30 neighbours in sets of 30 images (the 30 test images against "
                             "the first 30 of evaluation.samples 200 and as many of the 235 training images): "
                             "expected prdc_k below 30"),
    "k-of-samples": Case("prdc_sets_exceed_k", dict(evaluation__samples=5), dict(evaluation__samples=6),
                         "evaluation.prdc_k: 5 neighbours in sets of 5 images"),
    "one-training-code": Case("fitted_samplers_have_codes", FOUR_TUPLES,
                              # Nine tuples on a 6x6 canvas: two training codes, and a mixture of two.
                              dict(FOUR_TUPLES, data__canvas=6, evaluation__mixture_components=[2]),
                              "data.splits: the train split has 1 tuple, too few codes to fit the "
                              "fitted_gaussian sampler"),
    "mixture-above-codes": Case("mixtures_have_codes", dict(evaluation__mixture_components=[3, 236]),
                                dict(evaluation__mixture_components=[3, 235]),
                                "evaluation.mixture_components: a mixture of 236 components for the 235 training "
                                "codes of the train split: expected at most 235 components"),
    "bins-above-rows": Case("bins_do_not_outnumber_rows", dict(evaluation__mi_bins=295),
                            dict(evaluation__mi_bins=294),
                            "evaluation.mi_bins: 295 bins for the 294 tuples of the grid: expected at most 294"),
    "sigma-not-evaluated": Case("figure_sigma_is_evaluated", dict(figures__sigma=0.5), dict(figures__sigma=0.3),
                                "figures.sigma: 0.5 is not in evaluation.sigmas"),
    "latent-not-trained": Case("figure_latent_size_is_trained", dict(figures__latent_dim=4),
                               dict(figures__latent_dim=4, sweep__vae__latent_dim=[2, 4]),
                               "figures.latent_dim: 4 is not a latent size of the sweep [2]: expected one of them"),
}


def config_with(changes: dict) -> dict:
    return harness.changed(harness.config_of(harness.SQUARES), **changes)


def test_every_precondition_has_a_case_and_says_why():
    assert {case.precondition for case in CASES.values()} == set(PRECONDITIONS)
    assert all(condition.reason and condition.jobs for condition in PRECONDITIONS.values())


@pytest.mark.parametrize("name", CASES)
def test_a_broken_precondition_is_one_line_naming_its_key(name):
    case = CASES[name]
    with pytest.raises(study_config.ConfigError) as caught:
        study_config.validate(config_with(case.refused))
    message = str(caught.value)
    assert "\n" not in message and "expected" in message, message
    assert message.startswith(f"{PRECONDITIONS[case.precondition].key}: ") and message.startswith(case.message), message


@pytest.mark.parametrize("name", CASES)
def test_the_limit_of_a_precondition_is_accepted(name):
    study_config.validate(config_with(CASES[name].accepted))


@pytest.mark.parametrize(
    "canvas, shapes, sizes, fractions",
    [(12, ("square",), (3, 6), (0.8, 0.1, 0.1)), (12, ("square",), (3, 6), (0.99, 0.005, 0.005)),
     (9, ("square", "circle", "triangle"), (4, 9), (0.333, 0.333, 0.334)), (5, ("square",), (4, 4), (0.25, 0.25, 0.5)),
     (7, ("triangle",), (4, 5), (0.1, 0.75, 0.15))],
)
def test_split_sizes_from_the_config_are_those_of_the_dataset(canvas, shapes, sizes, fractions):
    grid = FactorGrid(canvas, shapes, *sizes)
    fractions = dict(zip(("train", "validation", "test"), fractions))
    labels = dataset.generate(grid, fractions, seed=3).column("split").to_pylist()
    assert split_sizes(grid.count, fractions) == {split: labels.count(split) for split in fractions}


