"""Render every tuple of the factor grid to Parquet (rule generate_data)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from shapestudy import data
from shapestudy.grid import FactorGrid

settings = snakemake.params.data
grid = FactorGrid(settings["canvas"], tuple(settings["shapes"]), settings["size_min"], settings["size_max"])
table = data.generate(grid, settings["splits"], settings["seed"])
data.write_parquet(table, snakemake.output[0])
print(f"{table.num_rows} images, H(X) = {grid.entropy_bits:.2f} bits", file=sys.stderr)
