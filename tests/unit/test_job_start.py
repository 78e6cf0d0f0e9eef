"""What jobs.start sets up for a job's process before numpy and JAX load."""

import os
import subprocess
import sys

# A job's first lines, with a stand-in for Snakemake's object; then what numpy was set to.
JOB = """
import sys, types
from shapestudy.jobs.start import start_job
start_job(types.SimpleNamespace(log=[sys.argv[1]], threads=1, resources={}, rule="probe", wildcards=[]))
from numpy._core import multiarray
print(multiarray._set_madvise_hugepage(True))  # returns the setting numpy started with
"""


def test_jobs_do_not_ask_for_huge_pages(tmp_path):
    # Touching a new array that numpy had asked huge pages for cost 0.33-0.45 s here instead of
    # 13-27 ms (benchmarks/RESULTS.md); a job turns the request off unless its environment says.
    env = {key: value for key, value in os.environ.items() if key != "NUMPY_MADVISE_HUGEPAGE"}
    for setting, expected in [(None, "False"), ("1", "True")]:
        if setting is not None:
            env["NUMPY_MADVISE_HUGEPAGE"] = setting
        ran = subprocess.run([sys.executable, "-c", JOB, str(tmp_path / "job.log")], env=env, capture_output=True,
                             text=True, timeout=60, check=True)
        assert ran.stdout.strip() == expected
