"""Render every tuple of the factor grid to Parquet (rule generate_data)."""

import sys

from shapestudy.jobs.start import start_job

start_job(snakemake)

from shapestudy.data import dataset
from shapestudy.data.grid import from_settings

settings = snakemake.params.data
grid = from_settings(settings)
# Rendered and written a row group at a time: the job never holds the whole dataset.
dataset.write_parquet(dataset.batches(grid, settings["splits"], settings["seed"]), snakemake.output[0])
print(f"{grid.count} images, H(X) = {grid.entropy_bits:.2f} bits", file=sys.stderr)
