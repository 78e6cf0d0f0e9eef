"""Every config that validation accepts runs to the end; every other is refused before any job.

Hypothesis draws tiny studies across the schema's ranges, with the settings that depend on the
data's sizes (batch size, PRDC k, bins, figure settings) drawn up to or past the limits those
sizes set, so that about two thirds of the drawn configs break some precondition. Each drawn config runs through real
Snakemake: a refused one must stop with one line, a non-zero exit and nothing written; the first
FULL_RUNS accepted ones must run the whole study, and the others must plan it (a dry run), which
builds every rule's inputs and resources from the config.
"""

from __future__ import annotations

import harness
import hypothesis
import hypothesis.strategies as st

from shapestudy import config as study_config
from shapestudy.data.grid import FactorGrid
from shapestudy.data.splits import split_sizes

EXAMPLES = 10  # drawn configs per CI run
FULL_RUNS = 2  # accepted configs that run the whole study (about a minute each here)
SIGMAS = [0.03, 0.1, 0.3, 1.0]
tried = {"refused": 0, "ran": 0, "planned": 0}


def mostly(valid: st.SearchStrategy, invalid: st.SearchStrategy) -> st.SearchStrategy:
    """A value from `valid` seven times in eight, else from `invalid`: with about ten settings
    drawn this way, about a third of the drawn configs keep every precondition."""
    return st.sampled_from([valid] * 7 + [invalid]).flatmap(lambda strategy: strategy)


def below(limit: int, low: int = 1) -> st.SearchStrategy[int]:
    """At least `low` and at most `limit` (or `low` where the limit is below it), often the limit."""
    return st.one_of(st.just(max(limit, low)), st.integers(low, max(limit, low)))


@st.composite
def tiny_configs(draw) -> dict:
    config = harness.config_of(harness.TINY)
    canvas = draw(st.integers(4, 12))
    shapes = draw(st.lists(st.sampled_from(["square", "circle", "triangle"]), min_size=1, max_size=3, unique=True))
    # Sizes below 4 make circles look like squares; above the canvas they do not fit.
    size_min = draw(mostly(st.integers(min(4, canvas), canvas), st.integers(1, 3)))
    size_max = draw(mostly(st.integers(size_min, min(canvas, size_min + 3)), st.just(canvas + 1)))
    train, validation, test = draw(mostly(st.sampled_from([(0.8, 0.1, 0.1), (0.6, 0.2, 0.2), (0.34, 0.33, 0.33)]),
                                          st.sampled_from([(0.98, 0.01, 0.01), (0.8, 0.1, 0.05)])))
    config["data"].update(canvas=canvas, shapes=shapes, size_min=size_min, size_max=size_max,
                          splits={"train": train, "validation": validation, "test": test})
    # The sizes the data would have, where the grid is valid: the limits the settings below are drawn around.
    try:
        tuples = FactorGrid(canvas, tuple(shapes), size_min, size_max).count
    except ValueError:
        tuples = 50
    sizes = split_sizes(tuples, {"train": train, "validation": validation, "test": test})
    latent_dims = draw(st.lists(st.sampled_from([1, 2, 3, 4]), min_size=1, max_size=2, unique=True))
    models = draw(st.sampled_from([["ae"], ["vae"], ["ae", "vae"]]))
    config["sweep"] = {
        model: {"arch": [draw(st.sampled_from(["mlp", "mlp", "conv"]))],
                "reconstruction": [draw(st.sampled_from(["mse", "bce"]))], "latent_dim": latent_dims, "seed": [0],
                **({"beta": [draw(st.sampled_from([0.0, 1.0, 4.0]))]} if model == "vae" else {})}
        for model in models
    }
    max_epochs = draw(st.integers(1, 3))
    config["training"].update(
        max_epochs=max_epochs, patience=draw(st.integers(1, 4)), tolerance=draw(st.sampled_from([0.0, 0.002, 0.5])),
        batch_size=draw(mostly(below(sizes["train"]), st.integers(sizes["train"] + 1, 2 * sizes["train"] + 1))),
        reductions=draw(st.integers(0, 2)), reduction_factor=draw(st.sampled_from([0.1, 0.5])),
        warmup_epochs=draw(mostly(st.integers(0, max_epochs - 1), st.integers(max_epochs, max_epochs + 2))),
    )
    samples = draw(st.integers(1, 300))
    sets = min(samples, sizes["test"])  # the PRDC cross-check's sets: k must be below
    sigmas = draw(st.lists(st.sampled_from(SIGMAS), min_size=1, max_size=3, unique=True))
    config["evaluation"].update(
        samples=samples, sigmas=sigmas,
        prdc_k=draw(mostly(below(sets - 1), st.integers(max(sets, 1), sets + 2))),
        mi_bins=draw(mostly(below(min(tuples, 40), low=2), st.integers(tuples + 1, tuples + 3))),
    )
    config["figures"].update(latent_dim=draw(mostly(st.sampled_from(latent_dims), st.just(5))),
                             sigma=draw(mostly(st.sampled_from(sigmas), st.just(0.5))),
                             examples=draw(st.integers(1, 8)))
    return config


def refusal(config: dict) -> str | None:
    try:
        study_config.validate(harness.changed(config))
    except study_config.ConfigError as error:
        return str(error)
    return None


@hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[hypothesis.HealthCheck.too_slow],
                     phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
@hypothesis.given(config=tiny_configs())
def test_a_config_is_refused_before_any_job_or_the_study_finishes(tmp_path_factory, config):
    workdir = tmp_path_factory.mktemp("drawn")
    harness.write_config(workdir, config)
    message = refusal(config)
    if message is not None:
        tried["refused"] += 1
        print(f"refused: {message}")
        result = harness.snakemake(workdir, timeout=120)
        assert result.returncode != 0
        assert harness.message_lines(result) == [f"config error: {message}"]
        assert harness.files_under(workdir) == set() and not (workdir / "results").exists()
    elif tried["ran"] < FULL_RUNS:
        tried["ran"] += 1
        harness.snakemake(workdir, timeout=900, check=True)
        assert harness.planned_jobs(harness.dry_run(workdir)) == {}  # nothing left to do
        assert (workdir / "results/report/experiments.md").exists()
    else:
        tried["planned"] += 1
        jobs = harness.planned_jobs(harness.dry_run(workdir))
        assert jobs["generate_data"] == 1 and jobs["all"] == 1
    print(f"drawn configs so far: {tried}")
