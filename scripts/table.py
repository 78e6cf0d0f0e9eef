"""Aggregate one metric family's score files over seeds (rule table)."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from shapestudy import tables

table = tables.write_tables(snakemake.input, dict(snakemake.output), snakemake.params.title)
print(f"{len(table)} rows from {len(snakemake.input)} score files", file=sys.stderr)
