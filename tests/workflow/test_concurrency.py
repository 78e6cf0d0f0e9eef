"""Concurrency: two trainings at once (--cores 2) each write only their own folder, atomically;
every output of both loads."""

from __future__ import annotations

import json
import re

import harness
import pandas as pd

from shapestudy.data import dataset
from shapestudy.reporting import tables
from shapestudy.training import artifacts

RUNS = (harness.AE_RUN, harness.VAE_RUN)


def test_the_two_trainings_of_the_study_ran_at_the_same_time(squares_study):
    lines = (squares_study / "snakemake.out").read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if re.match(r"(local)?rule train_(ae|vae):", line)]
    finishes = [i for i, line in enumerate(lines) if re.match(r"Finished jobid: \d+ \(Rule: train_(ae|vae)\)", line)]
    assert len(starts) == 2 and len(finishes) == 2
    assert max(starts) < min(finishes), "the second training started after the first had finished"


def test_every_output_of_concurrent_trainings_loads(squares_study):
    study = squares_study
    for run in RUNS:
        folder = study / f"results/models/{run}"
        # The outputs, and the seed's finished state (checkpoint.Checkpoint.finish).
        assert sorted(p.name for p in folder.iterdir()) == ["checkpoint.msgpack", "history.csv", "params.msgpack", "record.json"]
        model, params, config = artifacts.load_model(folder / "params.msgpack", folder / "record.json")
        assert run.startswith(f"{config.model}-{config.arch}-{config.reconstruction}-z{config.latent_dim}")
        assert json.loads((folder / "record.json").read_text())["config"] == harness.study_runs(harness.SQUARES)[run]
        history = pd.read_csv(folder / "history.csv")
        assert history["epoch"].tolist() == list(range(1, harness.EPOCHS + 1))
        scores, _ = tables.read_scores([study / f"results/scores/reconstruction/z{config.latent_dim}.json"])
        assert run in set(scores["run"])
    assert len(dataset.load(str(study / "results/data/shapes.parquet")).images) == 294
    assert set(pd.read_csv(study / harness.TABLE_FILES[0])["n"]) == {1}
    leftovers = [p for p in (study / "results").rglob("*") if p.name.endswith(".part")]
    assert leftovers == []
