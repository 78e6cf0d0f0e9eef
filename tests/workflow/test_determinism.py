"""Determinism: the squares study run twice from scratch gives byte-identical tables (and data and
models). (That a finished study has nothing left to do is in test_stale.py.)"""

from __future__ import annotations

import harness


def test_two_runs_from_scratch_give_byte_identical_tables(squares_study, squares_study_again):
    first, second = squares_study, squares_study_again
    compared = [*harness.TABLE_FILES, "results/data/shapes.parquet"]
    compared += [f"results/models/{run}/params.msgpack" for run in (harness.AE_RUN, harness.VAE_RUN)]
    for name in compared:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
