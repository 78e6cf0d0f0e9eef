"""The figure registry: one entry per figure of the study, the one place that says what a figure
reads and which settings it depends on. The workflow makes one rule per entry
(workflow/rules/figures.smk) that runs scripts/figure_{name}.py and shows the figure in the report
with the caption workflow/report/{name}.rst: adding a figure is its script, its caption and one
entry here.

A figure's script finds its inputs by name (snakemake.input): the dataset and the chosen runs'
`params` and `records` (with `models`), the score files of the chosen runs per metric
(`{metric}_scores`, with the metric's array files), the tables it names (`{metric}` or `claims`, the CSV), and
every run's `histories` and `records` (with `histories`). Its params are the chosen run ids
(`runs`) and the config settings it names, as a nested dict (`settings`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from shapestudy.evaluation import samplers

# The config keys that decide the study's samplers, for the figures that show each sampler.
SAMPLER_SETTINGS = tuple(f"evaluation.{key}" for key in samplers.SETTINGS)


def _first_of_each_model(runs: dict[str, dict]) -> list[str]:
    """One run per model and likelihood: the lowest seed and first beta of the sweep."""
    chosen = {}
    for run_id, run in runs.items():
        chosen.setdefault((run["model"], run["reconstruction"]), run_id)
    return list(chosen.values())


def example_runs(runs: dict[str, dict], config: dict) -> list[str]:
    """The example runs of the figures: one per model and likelihood at figures.latent_dim (one of
    the sweep's, checked by validation)."""
    wanted = config["figures"]["latent_dim"]
    return _first_of_each_model({k: r for k, r in runs.items() if r["latent_dim"] == wanted})


def two_dimensional_runs(runs: dict[str, dict], config: dict) -> list[str]:
    """One run with a 2-d latent per model and likelihood: the latent scatter plots codes as they are."""
    return _first_of_each_model({k: r for k, r in runs.items() if r["latent_dim"] == 2})


RUN_CHOICES: dict[str, Callable[[dict, dict], list[str]]] = {
    "examples": example_runs,
    "two_dimensional": two_dimensional_runs,
}


@dataclasses.dataclass(frozen=True)
class Figure:
    name: str
    runs: str | None = None  # the trained runs it shows (a key of RUN_CHOICES)
    models: bool = False  # loads those runs' models and the dataset
    scores: tuple[str, ...] = ()  # metrics whose score files of those runs it reads
    tables: tuple[str, ...] = ()  # the tables it reads: metrics', or the claims ("claims")
    histories: bool = False  # every run's training history and record
    settings: tuple[str, ...] = ()  # the dotted config keys it depends on, e.g. "figures.sigma"
    main: bool = False  # shown in the Experiments section; every figure is in its appendix

    def chosen_runs(self, runs: dict[str, dict], config: dict) -> list[str]:
        return RUN_CHOICES[self.runs](runs, config) if self.runs else []

    def exists(self, runs: dict[str, dict], config: dict) -> bool:
        """A figure of chosen runs exists only if the sweep has such runs (the latent scatter
        needs a 2-d latent)."""
        return self.runs is None or bool(self.chosen_runs(runs, config))


FIGURES = {
    figure.name: figure
    for figure in (
        Figure("reconstructions", runs="examples", models=True, settings=("figures.examples",)),
        Figure("samples", runs="examples", scores=("sample_quality",),
               settings=("figures.examples", *SAMPLER_SETTINGS), main=True),
        Figure("frontier", tables=("sample_quality", "reconstruction", "claims"),
               settings=(*SAMPLER_SETTINGS, "data.splits.test", "claims.frontier_novelty"), main=True),
        Figure("traversals", runs="examples", models=True),
        Figure("latent_scatter", runs="two_dimensional", models=True),
        Figure("rate", tables=("rate",)),
        Figure("rate_vs_beta", tables=("rate",), settings=("figures.sigma",)),
        Figure("mutual_information", runs="examples", scores=("latents",), main=True),
        Figure("training_curves", histories=True),
        Figure("summary", tables=("sample_quality", "rate", "latents", "reconstruction"), settings=("figures.sigma",),
               main=True),
    )
}


def settings(config: dict, keys) -> dict:
    """The config's values at the given dotted keys, as a nested dict: {"figures": {"sigma": 0.1}}."""
    found: dict = {}
    for key in keys:
        *parents, last = key.split(".")
        source, target = config, found
        for part in parents:
            source, target = source[part], target.setdefault(part, {})
        target[last] = source[last]
    return found
