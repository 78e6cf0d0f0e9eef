"""Decide the report's claims from the scores of every seed (rule claims)."""

import sys

from shapestudy.jobs.start import start_job

start_job(snakemake)

from shapestudy.data import grid
from shapestudy.reporting import claims, tables

scores = {metric: tables.read_scores(paths) for metric, paths in snakemake.input.items()}
context = claims.Context(snakemake.params.claims, grid.n_factors(snakemake.params.shapes), snakemake.params.sigma,
                         snakemake.params.samplers)
decided = claims.decide_all(scores, context)
claims.write(decided, dict(snakemake.output))
print(f"{len(decided)} claim rows: {claims.count_verdicts(decided)}", file=sys.stderr)
