"""What the latent dimensions mean, for each trained seed of a point (rule evaluate_latents):
mutual information of each latent with each factor and MIG over the whole set M, and linear
probes fitted on the training split and scored on the test split, all on the encoder means."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from shapestudy import artifacts, data, tables
from shapestudy.evaluation.latents import linear_probe, mig, mutual_information_matrix
from shapestudy.inference import encode

bins = snakemake.params.evaluation["mi_bins"]
everything = data.load(snakemake.input.data)
factors = everything.factor_codes()
split = everything.factors["split"].to_numpy()
train, test = split == "train", split == "test"
sections = []
for run, model, params, config in artifacts.trained_runs(snakemake.input.params, snakemake.input.records):
    codes, _ = encode(model, params, everything.images)
    # Every tuple once: the factors are exactly uniform over M, and the plug-in MI estimate has ten
    # times the samples of the test split.
    result = mig(codes, factors, bins=bins)
    result.update(linear_probe(codes[train], factors[train], codes[test], factors[test]))
    row = tables.score_row(
        result, ["bins", "mig_factors", "ridge", "shape_classifier", "n_train", "n_test"], mi_rows="all tuples"
    )
    information = mutual_information_matrix(codes, factors, bins=bins)
    sections.append(tables.run_scores(run, vars(config), [row], mutual_information_bits=information.tolist()))
    print(run, row, file=sys.stderr)
tables.write_scores(snakemake.output[0], snakemake.wildcards.point, sections)
