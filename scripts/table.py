"""Aggregate one metric's score files over seeds (rule table)."""

import sys

from shapestudy.jobs.start import start_job

start_job(snakemake)

from shapestudy.reporting import tables

table = tables.write_tables(snakemake.input, dict(snakemake.output), snakemake.params.title)
print(f"{len(table)} rows from {len(snakemake.input)} score files", file=sys.stderr)
