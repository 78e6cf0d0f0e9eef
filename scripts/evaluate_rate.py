"""Information rate R(sigma) with its distortion D(sigma) on the test split, and for a VAE the
posterior-noise rate, KL rate and active dimensions, for each trained seed of a point (rule
evaluate_rate)."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

import math

from shapestudy import artifacts, data, tables
from shapestudy.evaluation.rate import active_dimensions, kl_rate_bits, posterior_noise_rate, rate_distortion
from shapestudy.inference import decode, encode

settings = snakemake.params.evaluation
everything = data.load(snakemake.input.data)
test = everything.subset("test")
sections = []
for run, model, params, config in artifacts.trained_runs(snakemake.input.params, snakemake.input.records):
    mean, logvar = encode(model, params, test.images)
    if config.variational:
        posterior = {
            "posterior_noise_rate_bits": posterior_noise_rate(mean, logvar),
            "kl_rate_bits": kl_rate_bits(mean, logvar),
            "active_dimensions": active_dimensions(mean, settings["active_threshold"]),
        }
    else:
        posterior = dict.fromkeys(["posterior_noise_rate_bits", "kl_rate_bits", "active_dimensions"], math.nan)
    rows = []
    for result in rate_distortion(
        mean,
        lambda z: decode(model, params, z, config.reconstruction),
        test.images,
        settings["sigmas"],
        seed=settings["seed"],
        entropy_bits=everything.grid.entropy_bits,
    ):
        result.update(posterior)
        rows.append(tables.score_row(result, ["sigma", "seed", "n_images"], active_threshold=settings["active_threshold"]))
    sections.append(tables.run_scores(run, vars(config), rows))
    print(run, rows, file=sys.stderr)
tables.write_scores(snakemake.output[0], snakemake.wildcards.point, sections)
