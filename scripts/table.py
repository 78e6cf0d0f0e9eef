"""Aggregate one metric family's score files over seeds (rule table)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from shapestudy import tables

table = tables.write_tables(snakemake.input, dict(snakemake.output), snakemake.params.title)
print(f"{len(table)} rows from {len(snakemake.input)} score files", file=sys.stderr)
