"""The real workflow on a tiny study: outputs, no-op rerun, and reruns of exactly what changed."""

import json
import re

import pandas as pd
import pytest
import yaml
from harness import TINY, config_of, dry_run, output, planned_jobs, planned_outputs, snakemake, write_config

from shapestudy.evaluation import scores
from shapestudy.evaluation.metrics import METRICS


def test_every_output_exists_with_sane_values(tiny_study):
    project = tiny_study
    results = project / "results"
    table = pd.read_csv(results / "tables" / "reconstruction.csv").set_index(["model", "reconstruction"])
    # The AE has two seeds; the VAE is trained under both likelihoods.
    assert table["n"].to_dict() == {("ae", "mse"): 2, ("vae", "bce"): 1, ("vae", "mse"): 1}
    assert table["mse_mean"].between(0, 0.25).all()
    assert table["iou_mean"].between(0, 1).all()
    assert (table["psnr_db_mean"] > 5).all()
    assert table.loc[("ae", "mse"), "mse_sd"] > 0 and pd.isna(table.loc[("vae", "mse"), "mse_sd"])
    # 3 epochs, patience 8: every run stopped at the cap, flagged as not converged in every table.
    assert (table["converged_mean"] == 0).all()
    markdown = (results / "tables" / "reconstruction.md").read_text()
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(rows) == 4 and "±" in rows[1] and "±" not in rows[2]  # one seed: no sd
    assert all(row.startswith(("| ae† |", "| vae† |")) for row in rows[1:]) and "†: not every seed converged" in markdown
    assert r"\begin{tabular}" in (results / "tables" / "reconstruction.tex").read_text()
    points = {"ae-mlp-mse-z2": ["ae-mlp-mse-z2-s0", "ae-mlp-mse-z2-s1"], "vae-mlp-mse-z2-b1": ["vae-mlp-mse-z2-b1-s0"],
              "vae-mlp-bce-z2-b1": ["vae-mlp-bce-z2-b1-s0"]}
    # One job evaluates every run of a latent size, in the order of the config.
    scores = json.loads((results / "scores" / "reconstruction" / "z2.json").read_text())
    assert [section["run"] for section in scores["runs"]] == [run for runs in points.values() for run in runs]
    for point, runs in points.items():
        # One job trains every seed of a point.
        log = (project / "logs" / "train" / f"{point}.log").read_text()
        assert log.count("epoch 3/3") == len(runs)
        for run in runs:
            history = pd.read_csv(results / "models" / run / "history.csv")
            assert list(history["epoch"]) == [1, 2, 3]
            assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
            record = json.loads((results / "models" / run / "record.json").read_text())
            assert record["config"]["max_epochs"] == 3 and record["images_per_second"] > 0
            assert record["stop_reason"] == "max_epochs" and record["converged"] is False
            assert record["epochs_run"] == 3 and 1 <= record["best_epoch"] <= 3
            assert record["best"]["validation_loss"] == pytest.approx(history["validation_loss"].min(), rel=1e-6)
            assert record["config"]["seed"] == int(run[-1])
            assert set(record["versions"]) >= {"jax", "flax", "optax"}
            # A run stopped at the cap keeps its whole state (parameters, Adam's moments, the best
            # parameters), from which a higher cap continues it.
            finished = (results / "models" / run / "checkpoint.msgpack").stat().st_size
            assert finished > 3 * (results / "models" / run / "params.msgpack").stat().st_size
    for figure in ("reconstructions", "training_curves"):
        for ext in ("png", "pdf"):
            assert (results / "figures" / f"{figure}.{ext}").stat().st_size > 1000


def test_a_second_run_has_nothing_to_do(tiny_study):
    assert planned_jobs(dry_run(tiny_study)) == {}


def test_editing_the_package_code_of_a_stage_reruns_that_stage(copy_study):
    module = copy_study / "src" / "shapestudy" / "evaluation" / "reconstruction.py"
    module.write_text(module.read_text() + "\n# an edit\n")
    jobs = planned_jobs(dry_run(copy_study))
    assert not {"train_ae", "train_vae", "evaluate_sample_quality"} & set(jobs)
    assert jobs["evaluate_reconstruction"] == 1 and jobs["table"] == 1  # one job per latent size


def test_changing_one_beta_reruns_that_configuration_and_the_aggregation(copy_study):
    project = copy_study
    ae_params = project / "results" / "models" / "ae-mlp-mse-z2-s0" / "params.msgpack"
    before = ae_params.stat().st_mtime_ns
    config = config_of(TINY)
    config["sweep"]["vae"]["beta"] = [2.0]
    write_config(project, config)
    jobs = planned_outputs(dry_run(project))
    assert {j for j in jobs if j.startswith(("train", "evaluate"))} == {
        *(f"train_vae:point=vae-mlp-{likelihood}-z2-b2" for likelihood in ("mse", "bce")),
        *(f"evaluate_{metric}:group=z2" for metric in METRICS),
    }
    assert "table:table=reconstruction" in jobs
    snakemake(project, check=True)
    assert ae_params.stat().st_mtime_ns == before
    # The evaluation jobs score the new configurations and reuse the AE seeds' scores.
    for metric in METRICS:
        log = (project / "logs" / f"evaluate_{metric}" / "z2.log").read_text()
        assert log.count(": scored ") == 2 and log.count("scores reused") == 2, (metric, log)
    table = pd.read_csv(project / "results" / "tables" / "reconstruction.csv")
    assert sorted(table["beta"]) == [0.0, 2.0, 2.0]
    assert planned_jobs(dry_run(project)) == {}


def test_a_new_seed_reruns_its_point_and_leaves_the_other_seeds_bitwise_the_same(copy_study):
    project = copy_study
    models = project / "results" / "models"
    before = {run: (models / run / "params.msgpack").read_bytes() for run in ("ae-mlp-mse-z2-s0", "ae-mlp-mse-z2-s1")}
    config = config_of(TINY)
    config["sweep"]["ae"]["seed"] = [0, 1, 2]
    write_config(project, config)
    jobs = planned_outputs(dry_run(project))
    assert {j for j in jobs if j.startswith(("train", "evaluate"))} == {
        "train_ae:point=ae-mlp-mse-z2", *(f"evaluate_{metric}:group=z2" for metric in METRICS)
    }
    scored = {run: scores.run_section([project / "results/scores/rate/z2.json"], run)[1]["rows"] for run in before}
    snakemake(project, check=True)
    # Only the new seed trains: the others are restored from their finished state.
    log = (project / "logs" / "train" / "ae-mlp-mse-z2.log").read_text()
    assert log.count("epoch 1/3 ") == 1 and log.count("resuming from") == 2
    # Only the new seed is scored: the other runs' scores (the AE's two seeds, the two VAEs) are
    # reused, the same numbers.
    for metric in METRICS:
        log = (project / "logs" / f"evaluate_{metric}" / "z2.log").read_text()
        assert log.count(": scored ") == 1 and log.count("scores reused") == 4, (metric, log)
    assert {run: scores.run_section([project / "results/scores/rate/z2.json"], run)[1]["rows"] for run in before} == scored
    # A seed's training depends on its configuration alone, not on the seeds trained beside it.
    assert {run: (models / run / "params.msgpack").read_bytes() for run in before} == before
    assert (models / "ae-mlp-mse-z2-s2" / "params.msgpack").read_bytes() != before["ae-mlp-mse-z2-s0"]
    table = pd.read_csv(project / "results" / "tables" / "reconstruction.csv").set_index(["model", "reconstruction"])
    assert table["n"].to_dict() == {("ae", "mse"): 3, ("vae", "bce"): 1, ("vae", "mse"): 1}


def respelled(config: dict) -> str:
    """The config as another file that says the same: every mapping's keys in reverse order, and
    numbers written another way (an integer where the schema says number, an exponent)."""

    def reverse(value):
        return {key: reverse(value[key]) for key in reversed(list(value))} if isinstance(value, dict) else value

    text = yaml.safe_dump(reverse(config), sort_keys=False)
    for old, new in (("learning_rate: 0.001", "learning_rate: 1.0e-3"), ("tolerance: 0.002", "tolerance: 2.0e-3"),
                     ("beta:\n    - 1.0\n", "beta:\n    - 1\n")):
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_the_same_config_in_another_key_order_or_number_spelling_reruns_nothing(copy_study):
    # The copy's own project sits elsewhere, so its report job reads its captions from a new path:
    # bring the copy up to date first.
    snakemake(copy_study, check=True)
    write_config(copy_study, respelled(config_of(TINY)))
    assert planned_jobs(dry_run(copy_study)) == {}


def test_every_table_holds_its_scores_with_their_settings(tiny_study):
    tables = tiny_study / "results" / "tables"
    samples = pd.read_csv(tables / "sample_quality.csv")
    # Every sampler for every model: the prior, the fitted Gaussian and the tiny study's mixture.
    assert samples.groupby(["model", "reconstruction"])["sampler"].apply(set).map(
        lambda found: found == {"prior", "fitted_gaussian", "gmm3"}).all()
    assert samples["validity_mean"].between(0, 1).all() and (samples["n_samples"] == 500).all()
    rate = pd.read_csv(tables / "rate.csv")
    assert sorted(rate["sigma"].unique()) == [0.1, 1.0]
    assert (rate.groupby(["model", "reconstruction", "latent_dim"])["rate_bits_mean"].diff().dropna() < 0).all()  # R falls with sigma
    assert rate.loc[rate["model"] == "vae", "kl_rate_bits_mean"].gt(0).all()
    latents = pd.read_csv(tables / "latents.csv")
    assert latents["mig_mean"].between(0, 1).all() and (latents["bins"] == 20).all()
    # Every reconstruction row carries its ceilings: the train split's validity and exact recovery.
    reconstruction = pd.read_csv(tables / "reconstruction.csv")
    assert reconstruction[["validity_mean", "train_validity_mean", "train_factor_recovery_mean"]].notna().all().all()
    assert (samples["pixel_precision_ceiling_mean"] > 0).all()  # PRDC of real images, beside every sample score
    experiments = (tiny_study / "results" / "report" / "experiments.md").read_text()
    assert "**Table 1: The primary claims" in experiments
    assert re.search(r"Generation \((Table \d+, )+Figure \d+\)", experiments)  # every reference resolved
    assert "0 of 4 runs converged" in experiments and "![summary](../figures/summary.png)" in experiments
    claims = pd.read_csv(tables / "claims.csv")
    assert set(claims["verdict"]) <= {"supported", "contradicted", "equivalent", "undecided"}
    # One beta, and every latent smaller than the 4 factors: no rate, one-factor or reconstruction
    # claims; each sample claim answered once (primary), then per configuration.
    assert set(claims["claim"]) == {"prior_samples", "same_sampler", "prior_against_fitted"}
    assert claims.groupby("claim")["scope"].apply(lambda s: (s == "primary").sum()).eq(1).all()
    # The VAEs have one seed: no interval for a comparison with one.
    assert claims.loc[claims["n"] == 1, "low"].isna().all() and (claims["n"] == 1).all()
    # Primary tests held to the family-wise error, the exploratory rows to the false discovery rate.
    assert claims.groupby("scope")["correction"].unique().map(list).to_dict() == {"primary": ["holm"], "secondary": ["bh"]}
    assert experiments.rstrip().endswith(".") and "## Conclusion" in experiments
    # The appendix: every table in full and every figure.
    appendix = (tiny_study / "results" / "report" / "appendix.md").read_text()
    assert all(f"results/tables/{name}.csv" in appendix for name in METRICS)
    assert appendix.count("![") == len(list((tiny_study / "results" / "figures").glob("*.png")))


def test_a_changed_table_or_figure_script_reruns_just_its_figures(copy_study):
    script = copy_study / "scripts" / "figure_rate.py"
    script.write_text(script.read_text() + "\n# an edit\n")
    assert planned_outputs(dry_run(copy_study)) == {"figure_rate", "experiments", "all"}
    snakemake(copy_study, check=True)
    table = copy_study / "results" / "tables" / "rate.csv"
    table.touch()  # a new time but the same content is no change
    assert planned_outputs(dry_run(copy_study)) == set()
    table.write_text(table.read_text().replace("mlp", "mlp ", 1))
    # The figures that read the rate table; not the claims, which read every seed's scores.
    assert planned_outputs(dry_run(copy_study)) == {"figure_rate", "figure_rate_vs_beta", "figure_summary",
                                                    "experiments", "all"}


def test_the_linter_asks_only_for_conda_or_containers(tmp_path):
    """`snakemake --lint` finds nothing but the per-rule software-environment lint, which this
    workflow answers with constraints.txt instead (docs/architecture.md: A pinned stack)."""
    write_config(tmp_path, config_of(TINY))
    text = output(snakemake(tmp_path, "--lint"))
    rules = re.findall(r"^Lints for rule (\w+)", text, re.M)
    assert len(rules) >= 18 and "Lints for snakefile" not in text
    assert set(re.findall(r"^\s+\* (.*)", text, re.M)) == {"Specify a conda environment or container for each rule.:"}
