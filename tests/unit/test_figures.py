"""The figure registry (shapestudy.reporting.figures): which runs the figures show, the settings
each figure depends on, and a script and a caption for every figure."""

import yaml
from harness import ROOT, TINY, config_of

from shapestudy import config as study_config
from shapestudy.reporting import figures


def default_runs():
    config = study_config.validate(yaml.safe_load((ROOT / "config.yaml").read_text()))
    return config, study_config.runs(config)


def test_the_examples_are_one_run_per_model_and_likelihood_at_the_figures_latent_size():
    config, runs = default_runs()
    chosen = figures.example_runs(runs, config)
    # The lowest seed and the first beta of the sweep, at figures.latent_dim (4).
    assert chosen == ["ae-mlp-mse-z4-s0", "ae-mlp-bce-z4-s0", "vae-mlp-mse-z4-b1-s0", "vae-mlp-bce-z4-b1-s0"]
    config["figures"]["latent_dim"] = 8
    assert all("-z8-" in run for run in figures.example_runs(runs, config))


def test_the_latent_scatter_exists_only_with_a_two_dimensional_latent():
    config, runs = default_runs()
    scatter = figures.FIGURES["latent_scatter"]
    assert scatter.chosen_runs(runs, config) == ["ae-mlp-mse-z2-s0", "ae-mlp-bce-z2-s0", "vae-mlp-mse-z2-b1-s0",
                                                 "vae-mlp-bce-z2-b1-s0"]
    without_two = {run: fields for run, fields in runs.items() if fields["latent_dim"] != 2}
    assert scatter.exists(runs, config) and not scatter.exists(without_two, config)
    assert figures.FIGURES["rate"].exists(without_two, config)  # a figure of tables always exists


def test_a_figure_depends_on_exactly_the_settings_it_names():
    config = study_config.validate(config_of(TINY))
    assert figures.settings(config, ("figures.sigma", "data.splits.test", "evaluation.mixture_components")) == {
        "figures": {"sigma": 0.1}, "data": {"splits": {"test": 0.1}}, "evaluation": {"mixture_components": [3]}}
    assert figures.settings(config, ()) == {}


def test_every_figure_has_its_script_and_caption_and_every_script_a_figure():
    for name in figures.FIGURES:
        assert (ROOT / "scripts" / f"figure_{name}.py").is_file(), name
        assert (ROOT / "workflow" / "report" / f"{name}.rst").is_file(), name
    scripts = {path.stem.removeprefix("figure_") for path in (ROOT / "scripts").glob("figure_*.py")}
    assert scripts == set(figures.FIGURES)


def test_a_figure_reads_only_what_exists():
    from shapestudy.evaluation.metrics import METRICS

    for figure in figures.FIGURES.values():
        # The tables of results/tables/: one per metric, and the claims decided from them.
        assert set(figure.scores) <= set(METRICS) and set(figure.tables) <= {*METRICS, "claims"}, figure.name
        assert figure.runs is None or figure.runs in figures.RUN_CHOICES, figure.name
        assert not (figure.models or figure.scores) or figure.runs, figure.name
