"""The cap is a safety cap: raising training.max_epochs in a finished study continues each run that
stopped at the old cap from its saved state, to the parameters a run with the higher cap gets from
the start, and leaves converged runs and their scores alone; lowering it trains again only the runs
that went past the new cap."""

import json

import pandas as pd
import pytest
from harness import AE_POINT, SQUARES, TABLE_FILES, VAE_POINT, config_of, run_study, snakemake, write_config

POINTS = (AE_POINT, VAE_POINT)
RUNS = tuple(f"{point}-s0" for point in POINTS)
# The squares study with a rule that converges in tens of epochs.
FAST = {"patience": 3, "tolerance": 0.02, "reductions": 1, "learning_rate": 0.003}


def config(cap: int) -> dict:
    return config_of(SQUARES, training={**FAST, "max_epochs": cap})


def records(study) -> dict[str, dict]:
    return {run: json.loads((study / f"results/models/{run}/record.json").read_text()) for run in RUNS}


def params(study) -> dict[str, bytes]:
    return {run: (study / f"results/models/{run}/params.msgpack").read_bytes() for run in RUNS}


def trained_epochs(study, point) -> list[str]:
    """The epochs the last training job of a point trained, as logged ('5/200', ...)."""
    log = (study / f"logs/train/{point}.log").read_text()
    return [line.split()[1] for line in log.splitlines() if line.startswith("epoch ")]


def rerun(study, cap: int) -> None:
    write_config(study, config(cap))
    snakemake(study, *TABLE_FILES, check=True)


def scores_of(study) -> pd.DataFrame:
    table = pd.read_csv(study / "results/tables/reconstruction.csv")
    return table[[c for c in table if c.endswith(("_mean", "_sd"))]]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """The study trained with a cap of 200 from the start."""
    return run_study(tmp_path_factory.mktemp("fresh"), config(200), *TABLE_FILES)


def test_raising_the_cap_continues_capped_runs_and_then_leaves_converged_ones_alone(tmp_path, fresh):
    study = run_study(tmp_path / "study", config(4), *TABLE_FILES)
    assert {run: r["stop_reason"] for run, r in records(study).items()} == dict.fromkeys(RUNS, "max_epochs")

    rerun(study, 200)
    converged = records(study)
    for point, run in zip(POINTS, RUNS):
        assert converged[run]["converged"] and converged[run]["epochs_run"] > 4
        # Continued from epoch 4, not trained from the start.
        assert trained_epochs(study, point)[0] == "5/200" and converged[run]["resumed_from_epoch"] == 4
    # The same parameters, bit for bit, as runs with the higher cap from the start, and the same scores.
    assert params(study) == params(fresh)
    assert scores_of(study).equals(scores_of(fresh))

    rerun(study, 800)
    for point in POINTS:
        assert trained_epochs(study, point) == []  # restored, not trained
    # The study's target is the reconstruction table: its evaluation ran, and reused the scores.
    log = (study / "logs/evaluate_reconstruction/z2.log").read_text()
    assert log.count("scores reused") == len(RUNS) and ": scored " not in log, log
    assert params(study) == params(fresh) and scores_of(study).equals(scores_of(fresh))
    assert {run: r["epochs_run"] for run, r in records(study).items()} == {
        run: r["epochs_run"] for run, r in converged.items()}

    # Below where the runs ended, they train again from the start, to the lower cap.
    lower = min(r["epochs_run"] for r in converged.values()) - 1
    rerun(study, lower)
    for point, run in zip(POINTS, RUNS):
        epochs = trained_epochs(study, point)
        assert epochs[0] == f"1/{lower}" and len(epochs) == lower
        assert records(study)[run]["stop_reason"] == "max_epochs"
