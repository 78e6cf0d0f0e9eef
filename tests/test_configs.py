"""The ready-made configs (configs/): each is complete, so merging it into config.yaml and replacing
config.yaml with it plan the same study; the quick one runs the whole pipeline. The cluster one is
planned through the SLURM profile in tests/test_slurm.py."""

import pytest
import yaml
from harness import ROOT, dry_run, make_project, output, planned_outputs, snakemake, snapshot, tiny_config

from shapestudy import config as study_config
from shapestudy.evaluation.metrics import METRICS

CONFIGS = ("quick", "cluster")
FIGURES = ("reconstructions", "samples", "frontier", "traversals", "latent_scatter", "rate", "rate_vs_beta", "mutual_information",
           "training_curves", "summary")


def keys(config: dict, prefix: str = "") -> set[str]:
    """Every key of a nested mapping, as dotted paths; the sweep's models and axes included."""
    found = set()
    for key, value in config.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found


@pytest.mark.parametrize("name", CONFIGS)
def test_a_config_is_complete_and_valid(name):
    default = yaml.safe_load((ROOT / "config.yaml").read_text())
    config = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text())
    assert keys(config) == keys(default)
    study_config.validate(config)  # raises ConfigError naming the key


def test_merging_the_quick_config_or_replacing_config_yaml_with_it_plans_the_same_jobs(tmp_path):
    project = make_project(tmp_path / "project", tiny_config({}))
    quick = str(snapshot() / "configs" / "quick.yaml")
    merged = planned_outputs(dry_run(project, configfile=quick))
    replaced = planned_outputs(dry_run(project, "--replace-workflow-config", configfile=quick))
    assert merged == replaced and "train_vae:point=vae-mlp-bce-z4-b1" in merged


def test_the_quick_config_runs_every_table_figure_and_the_experiments(tmp_path):
    # A folder without config.yaml: the quick config alone, as `--directory quick` runs it.
    snakemake(tmp_path, configfile=str(snapshot() / "configs" / "quick.yaml"), check=True, timeout=900)
    results = tmp_path / "results"
    expected = [f"tables/{table}.{ext}" for table in (*METRICS, "claims") for ext in ("csv", "md", "tex", "html")]
    expected += [f"figures/{figure}.{ext}" for figure in FIGURES for ext in ("png", "pdf")]
    expected += [f"report/experiments.{ext}" for ext in ("md", "tex", "html")]
    assert [path for path in expected if not (results / path).is_file() or (results / path).stat().st_size == 0] == []
    assert len(list((results / "models").glob("*/params.msgpack"))) == 4
    assert "Nothing to be done" in output(snakemake(tmp_path, "-n", configfile=str(snapshot() / "configs" / "quick.yaml")))
