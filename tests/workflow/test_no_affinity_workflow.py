"""Where the system has no CPU affinity calls (macOS's Python lacks os.sched_getaffinity and
os.sched_setaffinity), jobs count os.cpu_count() cores, skip pinning with one line in their log,
and the workflow runs to its end."""

from pathlib import Path

from harness import TINY, config_of, make_project, snakemake

HIDES_AFFINITY = Path(__file__).parent / "no_affinity"  # its sitecustomize.py removes both calls
UNPINNED = "cpus unpinned: this system has no CPU affinity calls"


def test_the_tiny_workflow_runs_without_affinity_calls(tmp_path):
    study = make_project(tmp_path / "study", config_of(TINY))
    snakemake(study, check=True, pythonpath=HIDES_AFFINITY)
    logs = sorted((study / "logs").rglob("*.log"))
    # Every job (data, trainings, evaluations, tables, figures, experiments) started, said once
    # that it was not pinned, and wrote its outputs.
    # The data, 3 trainings (a point each), 4 evaluations (a metric each, every run of latent size
    # 2), 5 tables, 10 figures, the experiments; `all` has no log.
    assert len(logs) == 1 + 3 + 4 + 5 + 10 + 1
    for log in logs:
        assert log.read_text().count(UNPINNED) == 1, log
    assert len(list((study / "results" / "tables").glob("*.csv"))) == 5  # four metrics and the claims
    assert len(list((study / "results" / "figures").glob("*.png"))) == 10
    assert (study / "results" / "report" / "experiments.md").stat().st_size > 0
