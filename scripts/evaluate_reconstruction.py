"""Reconstruction scores and factor recovery of one trained run on the test split (rule
evaluate_reconstruction)."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from shapestudy import artifacts, data, tables
from shapestudy.evaluation.projection import factor_recovery
from shapestudy.evaluation.reconstruction import reconstruction_scores
from shapestudy.inference import reconstruct

everything = data.load(snakemake.input.data)
test = everything.subset("test")
model, params, config = artifacts.load_model(snakemake.input.params, snakemake.input.record)
reconstructions = reconstruct(model, params, test.images, config.reconstruction)
result = reconstruction_scores(test.images, reconstructions, snakemake.params.pixel_threshold)
result.update(factor_recovery(reconstructions, test.factor_codes(), everything.images, everything.factor_codes()))
row = tables.score_row(result, ["pixel_threshold", "n_images"])
tables.write_scores(snakemake.output[0], snakemake.wildcards.run, vars(config), [row])
print(row, file=sys.stderr)
