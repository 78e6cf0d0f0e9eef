"""Training jobs claim free cores through lock files: parallel jobs get different cores, a job
that finds none free keeps its whole mask, and a finished job's core is free again."""

import subprocess
import sys

import pytest

from shapestudy.jobs import cpus

CLAIM = (
    "import sys; from shapestudy.jobs import cpus; "
    "print(sorted(cpus.claim_cores(1, sys.argv[1]) or []), flush=True); sys.stdin.read()"
)

# Without affinity calls (macOS) nothing is pinned: tests/workflow/test_no_affinity_workflow.py.
pytestmark = pytest.mark.skipif(not cpus.can_pin() or len(cpus.allowed_cores()) < 2, reason="needs two cores to pin")


def start_job(lock_dir):
    job = subprocess.Popen(
        [sys.executable, "-c", CLAIM, str(lock_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    return job, job.stdout.readline().strip()


def test_parallel_jobs_get_different_cores(tmp_path):
    jobs, claimed = [], []
    try:
        for _ in range(len(cpus.allowed_cores()) + 1):
            job, cores = start_job(tmp_path)
            jobs.append(job)
            claimed.append(cores)
        *pinned, extra = claimed
        assert len(set(pinned)) == len(pinned) and "[]" not in pinned
        assert extra == "[]"  # no core free: the job keeps its whole mask
        jobs[0].communicate("")  # the first job ends; its core is free again
        job, cores = start_job(tmp_path)
        jobs.append(job)
        assert cores == pinned[0]
    finally:
        for job in jobs:
            if job.poll() is None:
                job.communicate("")
