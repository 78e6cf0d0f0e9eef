"""Sample quality on the known manifold of one trained run (rule evaluate_samples): prior
samples for AE and VAE, and for the AE a Gaussian fitted to its training codes."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from shapestudy import artifacts, data, tables
from shapestudy.evaluation.samples import draw_latents, manifold_scores, prdc
from shapestudy.inference import decode, encode

settings = snakemake.params.evaluation
everything = data.load(snakemake.input.data)
model, params, config = artifacts.load_model(snakemake.input.params, snakemake.input.record)
n = settings["samples"]
training_codes = None if config.variational else encode(model, params, everything.subset("train").images)[0]
latents = draw_latents(n, config.latent_dim, settings["seed"], training_codes)

test_images = everything.subset("test").images
rows = []
for sampler, z in latents.items():
    samples = decode(model, params, z, config.reconstruction)
    result = manifold_scores(
        samples,
        everything.images,
        everything.factor_codes(),
        everything.factors["split"].to_numpy() == "test",
        iou_threshold=settings["validity_iou"],
        pixel_threshold=settings["pixel_threshold"],
    )
    # The pixel-space cross-check against test images; its coverage is not the manifold coverage.
    cross_check = prdc(test_images, samples, k=settings["prdc_k"])
    result.update({f"pixel_{name}": value for name, value in cross_check.items()})
    rows.append(
        tables.score_row(
            result,
            ["n_samples", "n_renders", "iou_threshold", "pixel_threshold", "pixel_k", "pixel_n_real", "pixel_n_fake"],
            sampler=sampler,
            seed=settings["seed"],
        )
    )
    print(sampler, rows[-1]["scores"], file=sys.stderr)
tables.write_scores(snakemake.output[0], snakemake.wildcards.run, vars(config), rows)
