"""The Python API for trained runs: the documented example (docs/python-api.md), run for real on the tiny study."""

import re

import numpy as np
import pytest
from harness import ROOT, VAE_RUN

from shapestudy import runs
from shapestudy.data import dataset
from shapestudy.evaluation import samplers


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


def test_a_run_samples_what_the_evaluation_scored(tiny_study):
    run = runs.load(VAE_RUN, tiny_study / "results")
    train = dataset.load(str(tiny_study / "results" / "data" / "shapes.parquet"), split="train").images
    codes = run.encode(train)
    for name in ("prior", "fitted_gaussian", "gmm3"):
        scored = samplers.draw_latents(20, 2, 0, lambda: codes, [3])[name]
        np.testing.assert_array_equal(run.sample(5, name, seed=0), run.decode(scored[:5]))
    reconstructions = run.decode(run.encode(train[:50]))
    assert np.abs(reconstructions - train[:50]).mean() < np.abs(train[:50] - train[:50].mean()).mean()


def test_an_unknown_run_or_sampler_is_named(tiny_study):
    with pytest.raises(ValueError, match="no trained run 'vae-nope'"):
        runs.load("vae-nope", tiny_study / "results")
    with pytest.raises(ValueError, match="unknown sampler 'uniform'"):
        runs.load(VAE_RUN, tiny_study / "results").sample(4, "uniform")
