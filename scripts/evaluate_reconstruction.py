"""Reconstruction scores of one trained run on the test split (rule evaluate_reconstruction)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from shapestudy import artifacts, data, tables
from shapestudy.evaluation.reconstruction import reconstruction_scores
from shapestudy.inference import reconstruct

test = data.load(snakemake.input.data, "test")
model, params, config = artifacts.load_model(snakemake.input.params, snakemake.input.record)
reconstructions = reconstruct(model, params, test.images, config.reconstruction)
scores = reconstruction_scores(test.images, reconstructions, snakemake.params.pixel_threshold)
settings = {k: scores.pop(k) for k in ("pixel_threshold", "n_images")}
tables.write_scores(snakemake.output[0], snakemake.wildcards.run, vars(config), [{"settings": settings, "scores": scores}])
print(scores, file=sys.stderr)
