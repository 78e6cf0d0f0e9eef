"""The Python API for trained runs: the documented example (docs/python-api.md), run for real on the tiny study."""

import re

import numpy as np
import pytest
from harness import ROOT, VAE_RUN

from shapestudy import runs
from shapestudy.data import dataset
from shapestudy.evaluation import scores
from shapestudy.evaluation.projection import nearest_renders
from shapestudy.sizes import STORED_SAMPLES


def documented_example() -> str:
    text = (ROOT / "docs" / "python-api.md").read_text()
    (block,) = re.findall(r"<!-- python-api:[^>]*-->\n```python\n(.*?)```", text, flags=re.S)
    return block


def test_the_readme_example_runs_on_a_finished_study(tiny_study, monkeypatch):
    # The tiny study's VAE stands in for the default study's, and its mixture has 3 components.
    example = documented_example().replace("vae-mlp-bce-z4-b1-s0", VAE_RUN).replace("gmm10", "gmm3")
    monkeypatch.chdir(tiny_study)
    namespace = {}
    exec(compile(example, "docs/python-api.md", "exec"), namespace)
    canvas = namespace["test"].shape[1]
    assert namespace["codes"].shape == (8, 2) and namespace["again"].shape == (8, canvas, canvas)
    assert namespace["samples"].shape == (64, canvas, canvas)
    assert (tiny_study / "vae-gmm3.png").stat().st_size > 0


@pytest.mark.parametrize("run_name", [VAE_RUN, "vae-mlp-bce-z2-b1-s0", "ae-mlp-mse-z2-s1"])
def test_a_run_samples_what_the_evaluation_scored(tiny_study, run_name):
    """Every sampler drawn through the API gives the samples the evaluation stored, bit for bit, and
    as many of them score the validity the evaluation reported."""
    results = tiny_study / "results"
    run = runs.load(run_name, results)
    path, section = scores.run_section(sorted((results / "scores" / "sample_quality").glob("*.json")), run_name)
    stored = scores.read_arrays(scores.arrays_path(path), run_name)
    everything = dataset.load(str(results / "data" / "shapes.parquet"))
    assert {row["settings"]["sampler"] for row in section["rows"]} == {"prior", "fitted_gaussian", "gmm3"}
    for row in section["rows"]:
        name, settings = row["settings"]["sampler"], row["settings"]
        drawn = run.sample(settings["n_samples"], name, seed=settings["seed"])
        np.testing.assert_array_equal(drawn[:STORED_SAMPLES], stored[f"{name}/samples"], err_msg=name)
        nearest = nearest_renders(drawn, everything.images, everything.factor_codes(), settings["iou_threshold"],
                                  settings["pixel_threshold"])
        assert nearest.valid.mean() == row["scores"]["validity"], name


def test_the_api_reads_images_as_the_dataset_stores_them_or_in_unit_range(tiny_study):
    run = runs.load(VAE_RUN, tiny_study / "results")
    train = dataset.load(str(tiny_study / "results" / "data" / "shapes.parquet"), split="train").images[:50]
    assert train.dtype == np.uint8 and train.max() == 255
    np.testing.assert_array_equal(run.encode(train), run.encode(train / np.float32(255)))
    reconstructions = run.decode(run.encode(train))
    unit = train / 255
    assert np.abs(reconstructions - unit).mean() < np.abs(unit - unit.mean()).mean()


def test_an_unknown_run_or_sampler_is_named(tiny_study):
    with pytest.raises(ValueError, match="no trained run 'vae-nope'"):
        runs.load("vae-nope", tiny_study / "results")
    with pytest.raises(ValueError, match="unknown sampler 'uniform'"):
        runs.load(VAE_RUN, tiny_study / "results").sample(4, "uniform")
