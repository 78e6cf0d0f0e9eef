"""Stale results: editing a package module a rule imports, or upgrading jax/flax/optax, reruns
that rule and what depends on it, and nothing else (the rules carry a code fingerprint and the
library versions in their params; Snakemake reruns a job whose params changed).
tests/workflow/test_fingerprint_reruns.py goes over every module.

Each case edits its own copy of the project (the installed package is never touched): the jobs of
a dry run are planned from the copy's Snakefile, whose code() reads the copy's src/."""

from __future__ import annotations

from pathlib import Path

import harness
import pytest

JAX_UPGRADE = Path(__file__).parent / "jax_upgrade"  # its sitecustomize.py reports a later jax


def dry_run(study, tmp_path, edit=None, pythonpath=None):
    study = harness.copy_run(study, tmp_path / "study")
    project = harness.copy_project(tmp_path / "project", harness.snapshot())
    if edit is not None:
        path, old, new = edit
        text = (project / path).read_text()
        assert text.count(old) >= 1, f"{path} no longer contains {old!r}"
        (project / path).write_text(text.replace(old, new, 1))
    result = harness.snakemake(study, "-n", *harness.TABLE_FILES, project=project, timeout=120, pythonpath=pythonpath)
    assert result.returncode == 0, result.stdout + result.stderr
    return harness.planned_jobs(result), result.stdout + result.stderr


def test_an_unedited_copy_of_the_project_reruns_nothing(squares_study, tmp_path):
    jobs, output = dry_run(squares_study, tmp_path)
    assert jobs == {} and "Nothing to be done" in output


@pytest.mark.parametrize(
    "edit, expected",
    [
        # evaluation/reconstruction.py: the reconstruction scores and their table, no training
        (("src/shapestudy/evaluation/reconstruction.py", '"""', '"""Edited. '),
         {"evaluate_reconstruction": 1, "table": 1}),
        # losses.py: every training and evaluation that imports it, then the table
        (("src/shapestudy/training/losses.py", '"""', '"""Edited. '), {"train_ae": 1, "train_vae": 1, "evaluate_reconstruction": 1, "table": 1}),
        # a jax upgrade, simulated: the library versions in the train rule's params report another
        (None, {"train_ae": 1, "train_vae": 1, "evaluate_reconstruction": 1, "table": 1}),
    ],
    ids=["evaluation/reconstruction.py", "losses.py", "jax-version"],
)
def test_an_edit_reruns_the_rules_that_depend_on_it(squares_study, tmp_path, edit, expected):
    jobs, output = dry_run(squares_study, tmp_path, edit, pythonpath=None if edit else JAX_UPGRADE)
    assert jobs == expected
    # The first rule in the chain reruns for its params (the code hash or the versions), the
    # others because their input will be new. (Snakemake 9.27.1's --list-changes params is no
    # help here: it lists an output of every job that has recorded params, changed or not.)
    assert "reason: Params have changed since last execution" in output
