"""Render every tuple of the factor grid to Parquet (rule generate_data)."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from shapestudy import data
from shapestudy.grid import from_settings

settings = snakemake.params.data
grid = from_settings(settings)
# Rendered and written a row group at a time: the job never holds the whole dataset.
data.write_parquet(data.batches(grid, settings["splits"], settings["seed"]), snakemake.output[0])
print(f"{grid.count} images, H(X) = {grid.entropy_bits:.2f} bits", file=sys.stderr)
