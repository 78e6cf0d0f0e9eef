"""Where the system has no CPU affinity calls (macOS's Python lacks os.sched_getaffinity and
os.sched_setaffinity), jobs count os.cpu_count() cores, skip pinning with one line in their log,
and the workflow runs to its end."""

import os
from importlib import metadata
from pathlib import Path

from harness import SHAPES, make_project, snakemake, tiny_config

from shapestudy import cpus

HIDES_AFFINITY = Path(__file__).parent / "no_affinity"  # its sitecustomize.py removes both calls
UNPINNED = "cpus unpinned: this system has no CPU affinity calls"


def test_without_affinity_calls_a_job_counts_every_core_and_is_not_pinned(monkeypatch, tmp_path):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # absent already on macOS
    monkeypatch.delattr(os, "sched_setaffinity", raising=False)
    monkeypatch.setenv("XLA_FLAGS", "")
    assert not cpus.can_pin()
    assert cpus.allowed_cores() == list(range(os.cpu_count()))
    assert cpus.claim_cores(1, str(tmp_path)) is None
    assert list(tmp_path.iterdir()) == []  # no core was locked either
    # The XLA flags of a process with os.cpu_count() cores.
    jaxlib = ".".join(metadata.version("jaxlib").split(".")[:2])
    wanted = cpus.MULTICORE_XLA_FLAGS.get(jaxlib, []) if os.cpu_count() > 1 else []
    assert cpus.configure_xla() == wanted and os.environ["XLA_FLAGS"] == " ".join(wanted)


def test_the_tiny_workflow_runs_without_affinity_calls(tmp_path):
    study = make_project(tmp_path / "study", tiny_config(SHAPES))
    snakemake(study, check=True, pythonpath=HIDES_AFFINITY)
    logs = sorted((study / "logs").rglob("*.log"))
    # Every job (data, trainings, evaluations, tables, figures, experiments) started, said once
    # that it was not pinned, and wrote its outputs.
    assert len(logs) == 32  # `all` has no log
    for log in logs:
        assert log.read_text().count(UNPINNED) == 1, log
    assert len(list((study / "results" / "tables").glob("*.csv"))) == 5  # four metric families and the claims
    assert len(list((study / "results" / "figures").glob("*.png"))) == 10
    assert (study / "results" / "report" / "experiments.md").stat().st_size > 0
