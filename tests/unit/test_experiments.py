"""The Experiments section of a study of the default size: a paper's length (at most about 1,500
words of text and 60 table rows), every claim in its summary, the main figures only, and the
appendix with every table in full; on tables aggregated from made-up scores of every run of
config.yaml's sweep (the numbers are random, the shapes are the default study's)."""

import pytest
import yaml
from harness import ROOT
from made_up import scores

from shapestudy import config as study_config
from shapestudy.data import dataset, grid
from shapestudy.evaluation import projection
from shapestudy.reporting import claims, experiments, formats, tables
from shapestudy.reporting.figures import FIGURES


@pytest.fixture(scope="module")
def study():
    config = study_config.validate(yaml.safe_load((ROOT / "config.yaml").read_text()))
    made = scores(config)
    found = {metric: tables.aggregate(frame, columns) for metric, (frame, columns) in made.items()}
    context = claims.Context(config["claims"], grid.n_factors(config["data"]["shapes"]), config["figures"]["sigma"],
                             config["evaluation"])
    found["claims"] = claims.decide_all(made, context)
    captions = {name: f"The {name} figure." for name in FIGURES}
    factors = dataset.enumerate_factors(grid.from_settings(config["data"]))
    return config, found, captions, (factors, dataset.render(grid.from_settings(config["data"]), factors))


def section(study):
    config, found, captions, (factors, images) = study
    closest = projection.closest_renders(images, config["evaluation"]["pixel_threshold"])
    return experiments.section(config, found, captions, list(FIGURES), closest, factors)


def test_the_section_has_a_papers_length(study):
    config, found, captions, _ = study
    blocks = section(study)
    assert experiments.words(blocks) <= 1500 and experiments.table_rows(blocks) <= 60
    assert [b.name for b in blocks if b.kind == "figure"] == [name for name, f in FIGURES.items() if f.main]
    summary = next(b for b in blocks if b.name == "primary_claims")
    # Every claim, in order, but the frontier's: config.yaml sweeps no kernel-density bandwidth.
    assert [row[0] for row in summary.rows] == [c.statement for c in claims.CLAIMS.values() if not c.on_frontier]
    secondary = found["claims"][found["claims"]["scope"] == claims.SECONDARY]
    assert [sum(map(int, row[-1].split("/"))) for row in summary.rows] == list(secondary.groupby("claim", sort=False).size())
    conclusion = formats.to_markdown(blocks).split("## Conclusion")[1]
    # One sentence per claim, each with its pooled difference and interval; the correction named.
    primary = found["claims"][found["claims"]["scope"] == claims.PRIMARY]
    assert conclusion.count("averaged over") == len(primary) == len(summary.rows) and "Holm" in conclusion
    assert conclusion.count(" [") >= len(primary)


def test_the_appendix_has_every_table_in_full_and_every_figure(study):
    config, found, captions, _ = study
    blocks = experiments.appendix(found, captions, list(FIGURES))
    shown = {b.name: len(b.rows) for b in blocks if b.kind == "table"}
    assert shown == {name: len(table) for name, table in found.items()}
    assert [b.name for b in blocks if b.kind == "figure"] == list(FIGURES)
    assert "\\begin{longtable}" in formats.to_latex(blocks)  # the long tables break over pages


def test_the_not_converged_note_is_dropped_only_where_every_run_converged(study):
    config, found, _, _ = study
    captions = {"samples": f"Samples of the example AE and VAE. {tables.NOT_CONVERGED_NOTE}. Mean ± sd over seeds."}
    converged = found["reconstruction"].assign(**{f"{tables.CONVERGED}_mean": 1.0})
    assert experiments.readable_captions(captions, converged) == {
        "samples": "Samples of the example AE and VAE. Mean ± sd over seeds."}
    one_capped = converged.copy()
    one_capped.loc[one_capped.index[0], f"{tables.CONVERGED}_mean"] = 2 / 3
    assert experiments.readable_captions(captions, one_capped) == captions


def test_the_best_fitted_table_says_where_samples_beat_the_ceiling():
    import pandas as pd

    cell = experiments.best_fitted_cell({"gmm100": "GMM k=100"})
    below = pd.Series({"validity_mean": 0.43, "train_validity_mean": 0.531, "sampler": "gmm100"})
    above = pd.Series({"validity_mean": 0.247, "train_validity_mean": 0.236, "sampler": "gmm100"})
    assert cell(below) == "43.0% (GMM k=100; ceiling 53.1%)"
    assert cell(above) == "24.7% (GMM k=100; ceiling 23.6%, exceeded)"
