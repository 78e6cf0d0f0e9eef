"""The ready-made configs (configs/): each is complete, so merging it into config.yaml and replacing
config.yaml with it plan the same study; the quick one runs the whole pipeline. The cluster one is
planned through the SLURM profile in tests/workflow/test_slurm.py."""

from harness import TINY, config_of, dry_run, make_project, output, planned_outputs, snakemake, snapshot

from shapestudy.evaluation.metrics import METRICS
from shapestudy.reporting.figures import FIGURES


def test_merging_the_quick_config_or_replacing_config_yaml_with_it_plans_the_same_jobs(tmp_path):
    project = make_project(tmp_path / "project", config_of(TINY))
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
