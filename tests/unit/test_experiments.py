"""The Experiments section of a study of the default size: a paper's length (at most about 1,500
words of text and 60 table rows), every claim in its summary, the main figures only, and the
appendix with every table in full; on tables aggregated from made-up scores of every run of
config.yaml's sweep (the numbers are random, the shapes are the default study's)."""

import numpy as np
import pandas as pd
import pytest
import yaml
from harness import ROOT

from shapestudy import config as study_config
from shapestudy.data import grid
from shapestudy.evaluation import samplers
from shapestudy.reporting import claims, experiments, tables
from shapestudy.reporting.figures import FIGURES

SCORES = {
    "reconstruction": ("mse", "bce", "psnr_db", "iou", "factor_recovery", "validity", "train_factor_recovery",
                       "train_validity"),
    "sample_quality": ("validity", "mean_distance", "coverage", "coverage_true", "novelty", "tv_x", "tv_size",
                       "pixel_precision_ceiling", "pixel_recall_ceiling"),
    "rate": ("rate_bits", "distortion", "kl_rate_bits", "posterior_noise_rate_bits", "active_dimensions",
             "entropy_bits"),
    "latents": ("mig", "r2_x", "r2_y", "r2_size", "accuracy_shape"),
}


@pytest.fixture(scope="module")
def study():
    config = study_config.validate(yaml.safe_load((ROOT / "config.yaml").read_text()))
    rng = np.random.default_rng(0)
    samplers_of_study = list(samplers.registry(config["evaluation"]["mixture_components"]))
    settings = {"reconstruction": [{"n_images": 1166}], "latents": [{"bins": 20}],
                "sample_quality": [{"sampler": s, "pixel_k": 5} for s in samplers_of_study],
                "rate": [{"sigma": s, "n_images": 1166} for s in config["evaluation"]["sigmas"]]}
    found = {}
    for metric, columns in SCORES.items():
        records = []
        for run, fields in study_config.runs(config).items():
            for used in settings[metric]:
                scores = {name: float(rng.uniform(0.05, 0.95)) for name in columns}
                scores["entropy_bits"], scores["converged"] = 13.51, float(rng.random() < 0.9)
                records.append({"run": run, **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()},
                                **used, **scores})
        frame = pd.DataFrame(records)
        found[metric] = tables.aggregate(frame, [*columns, "converged"])
    found["claims"] = claims.decide_all(found, config["claims"], grid.n_factors(config["data"]["shapes"]),
                                        config["figures"]["sigma"])
    captions = {name: f"The {name} figure." for name in FIGURES}
    return config, found, captions


def test_the_section_has_a_papers_length(study):
    config, found, captions = study
    blocks = experiments.section(config, found, captions, list(FIGURES))
    assert experiments.words(blocks) <= 1500 and experiments.table_rows(blocks) <= 60
    assert [b.name for b in blocks if b.kind == "figure"] == [name for name, f in FIGURES.items() if f.main]
    summary = next(b for b in blocks if b.name == "claims_summary")
    assert [row[0] for row in summary.rows] == list(claims.CLAIMS.values())  # every claim, in order
    assert all(int(row[1]) == sum(map(int, row[3:])) for row in summary.rows)  # tested = decided + undecided
    markdown = experiments.to_markdown(blocks)
    assert "## Conclusion" in markdown and "Holm" in markdown.split("## Conclusion")[1]


def test_the_appendix_has_every_table_in_full_and_every_figure(study):
    config, found, captions = study
    blocks = experiments.appendix(found, captions, list(FIGURES))
    shown = {b.name: len(b.rows) for b in blocks if b.kind == "table"}
    assert shown == {name: len(table) for name, table in found.items()}
    assert [b.name for b in blocks if b.kind == "figure"] == list(FIGURES)
    assert "\\begin{longtable}" in experiments.to_latex(blocks)  # the long tables break over pages
