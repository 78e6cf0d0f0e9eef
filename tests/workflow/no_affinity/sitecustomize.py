"""Python runs this module at start-up when its folder is on PYTHONPATH: it removes the CPU
affinity calls from `os`, as macOS's Python lacks them, for the whole process (Snakemake and every
job script it starts). Used by tests/workflow/test_no_affinity_workflow.py."""

import os

for name in ("sched_getaffinity", "sched_setaffinity"):
    if hasattr(os, name):
        delattr(os, name)
