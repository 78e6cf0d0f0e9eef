"""Where the system has no CPU affinity calls (macOS's Python lacks os.sched_getaffinity and
os.sched_setaffinity), jobs count os.cpu_count() cores, skip pinning with one line in their log,
and the workflow runs to its end."""

import os
from importlib import metadata

from shapestudy.jobs import cpus

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


