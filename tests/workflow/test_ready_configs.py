"""The ready-made configs (configs/): each is complete, so merging it into config.yaml and replacing
config.yaml with it plan the same study; the quick one runs the whole pipeline; the seed report's
own setting runs on a small canvas and answers its 3-dimensional latent question. The cluster one
is planned through the SLURM profile in tests/workflow/test_slurm.py."""

import pandas as pd
import yaml
from harness import (TINY, config_of, deep_update, dry_run, make_project, output, planned_outputs, snakemake,
                     snapshot, write_config)

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


def test_the_seed_reports_setting_answers_whether_three_latents_hold_three_factors(tmp_path):
    # configs/seed.yaml on a small canvas, with few epochs and two seeds (a test needs two).
    config = yaml.safe_load((snapshot() / "configs" / "seed.yaml").read_text())
    small = {"data": {"canvas": 12, "size_min": 4, "size_max": 7},
             "sweep": {"ae": {"latent_dim": [3], "seed": [0, 1]},
                       "vae": {"latent_dim": [3], "beta": [1.0], "seed": [0, 1]}},
             "training": {"max_epochs": 3}, "evaluation": {"samples": 300, "mixture_components": [3]}}
    write_config(tmp_path, deep_update(config, small))
    snakemake(tmp_path, check=True, timeout=900)
    claims = pd.read_csv(tmp_path / "results" / "tables" / "claims.csv")
    one_factor = claims[claims["claim"] == "one_factor_per_dimension"]
    # Squares only: three factors, so the latent of 3 is the one asked; both models, the MSE loss.
    assert sorted(one_factor.loc[one_factor["scope"] == "secondary", "subject"]) == ["AE z=3 mse", "VAE z=3, β=1 mse"]
    assert one_factor["verdict"].notna().all()
    conclusion = (tmp_path / "results" / "report" / "experiments.md").read_text().split("## Conclusion")[1]
    assert "as many dimensions as factors" in conclusion and "averaged over 2 models" in conclusion


def test_the_families_config_trains_evaluates_and_reports_all_four_families(tmp_path):
    # configs/families.yaml on a small canvas, with few epochs, one likelihood and two seeds.
    config = yaml.safe_load((snapshot() / "configs" / "families.yaml").read_text())
    axes = {"reconstruction": ["bce"], "latent_dim": [4], "seed": [0, 1]}
    small = {"data": {"canvas": 12, "size_min": 4, "size_max": 7},
             "sweep": {name: axes for name in config["sweep"]},
             "training": {"max_epochs": 3}, "evaluation": {"samples": 300, "mixture_components": [3],
                                                           "kde_bandwidths": [0.1, 1.0]},
             "figures": {"latent_dim": 4}}
    write_config(tmp_path, deep_update(config, small))
    snakemake(tmp_path, check=True, timeout=900)
    results = tmp_path / "results"
    samples = pd.read_csv(results / "tables" / "sample_quality.csv")
    assert set(samples["model"]) == {"ae", "vae", "rae", "wae"}
    assert samples.groupby("model")["sampler"].apply(lambda s: {"kde0.1", "kde1"} <= set(s)).all()
    # The report's claims compare the AE and the VAE; the frontier claims the VAE and each other family.
    claims = pd.read_csv(results / "tables" / "claims.csv")
    on_frontier = claims["claim"].str.startswith("frontier_")
    assert not claims.loc[~on_frontier, "subject"].str.contains("RAE|WAE").any() and (~on_frontier).any()
    assert set(claims.loc[on_frontier, "claim"]) == {"frontier_ae", "frontier_rae", "frontier_wae"}
    experiments = (results / "report" / "experiments.md").read_text()
    assert all(f"the best {name} sampler" in experiments for name in ("AE", "VAE", "RAE", "WAE"))
    # Every table has each family's rows; the text names a model by its family's hyper-parameters.
    assert all(f"| {name}" in (results / "tables" / "reconstruction.md").read_text() for name in ("rae", "wae"))
    assert "RAE z=4, γ=1, λ_dec=0.001 bce" in experiments and "WAE z=4, λ=100 bce" in experiments
