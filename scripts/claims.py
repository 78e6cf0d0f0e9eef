"""Decide the report's claims from the tables over seeds (rule claims)."""

import sys

from shapestudy.jobs.start import start_job

start_job(snakemake)

import pandas as pd

from shapestudy.data import grid
from shapestudy.reporting import claims

tables = {name: pd.read_csv(path) for name, path in snakemake.input.items()}
decided = claims.decide_all(tables, snakemake.params.claims, grid.n_factors(snakemake.params.shapes),
                            snakemake.params.sigma)
claims.write(decided, dict(snakemake.output))
print(f"{len(decided)} claim rows: {claims.count_verdicts(decided)}", file=sys.stderr)
