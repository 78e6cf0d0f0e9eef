"""Every seed the schema accepts works in every library that draws from it: a tiny study with every
seed the config names (the split's, the trainings', the evaluation's, and so the samplers') at the
integer limits of the libraries runs to the end (shapestudy.seeds)."""

import json

import pytest
from harness import TINY, config_of, run_study

# numpy takes any seed; scikit-learn's mixtures one below 2**32, JAX's keys one below 2**63.
LIMITS = [0, 2**32 - 1, 2**63, 2**64 + 5]


@pytest.mark.parametrize("seed", LIMITS)
def test_a_study_with_every_seed_at_a_limit_runs_to_the_end(tmp_path, seed):
    config = config_of(TINY, data={"seed": seed}, evaluation={"seed": seed}, training={"max_epochs": 3},
                       sweep={"ae": {"seed": [seed]}, "vae": {"seed": [seed], "reconstruction": ["mse"]}})
    study = run_study(tmp_path, config)
    records = sorted((study / "results" / "models").glob("*/record.json"))
    assert [json.loads(path.read_text())["config"]["seed"] for path in records] == [seed, seed]
    scores = json.loads((study / "results" / "scores" / "sample_quality" / "z2.json").read_text())
    assert {row["settings"]["sampler"] for row in scores["runs"][0]["rows"]} == {"prior", "fitted_gaussian", "gmm3"}
    assert (study / "results" / "report" / "experiments.md").stat().st_size > 0
