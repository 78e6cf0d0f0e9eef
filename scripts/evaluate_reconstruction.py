"""Reconstruction scores and factor recovery on the test split of each trained seed of a point
(rule evaluate_reconstruction)."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from shapestudy import artifacts, data, tables
from shapestudy.evaluation.projection import factor_recovery
from shapestudy.evaluation.reconstruction import reconstruction_scores
from shapestudy.inference import reconstruct

everything = data.load(snakemake.input.data)
test = everything.subset("test")
sections = []
for run, model, params, config in artifacts.trained_runs(snakemake.input.params, snakemake.input.records):
    reconstructions = reconstruct(model, params, test.images, config.reconstruction)
    result = reconstruction_scores(test.images, reconstructions, snakemake.params.pixel_threshold)
    result.update(factor_recovery(reconstructions, test.factor_codes(), everything.images, everything.factor_codes()))
    row = tables.score_row(result, ["pixel_threshold", "n_images"])
    sections.append(tables.run_scores(run, vars(config), [row]))
    print(run, row, file=sys.stderr)
tables.write_scores(snakemake.output[0], snakemake.wildcards.point, sections)
