"""Sample quality on the known manifold of each trained seed of a point (rule evaluate_samples):
prior samples for AE and VAE, and for the AE a Gaussian fitted to its training codes."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from shapestudy import artifacts, data, tables
from shapestudy.evaluation.samples import draw_latents, manifold_scores, prdc
from shapestudy.inference import decode, encode

settings = snakemake.params.evaluation
everything = data.load(snakemake.input.data)
train_images = everything.subset("train").images
test_images = everything.subset("test").images
factor_codes = everything.factor_codes()
test_mask = everything.factors["split"].to_numpy() == "test"
sections = []
for run, model, params, config in artifacts.trained_runs(snakemake.input.params, snakemake.input.records):
    training_codes = None if config.variational else encode(model, params, train_images)[0]
    latents = draw_latents(settings["samples"], config.latent_dim, settings["seed"], training_codes)
    rows = []
    for sampler, z in latents.items():
        samples = decode(model, params, z, config.reconstruction)
        result = manifold_scores(
            samples,
            everything.images,
            factor_codes,
            test_mask,
            iou_threshold=settings["validity_iou"],
            pixel_threshold=settings["pixel_threshold"],
        )
        # The pixel-space cross-check against the test images, with as many samples as test images
        # (the first ones): PRDC compares sets of equal size (Naeem et al. 2020), and recall and
        # coverage grow with the number of samples. Its coverage is not the manifold coverage.
        cross_check = prdc(test_images, samples[: len(test_images)], k=settings["prdc_k"])
        result.update({f"pixel_{name}": value for name, value in cross_check.items()})
        rows.append(
            tables.score_row(
                result,
                ["n_samples", "n_renders", "iou_threshold", "pixel_threshold", "pixel_k", "pixel_n_real", "pixel_n_fake"],
                sampler=sampler,
                seed=settings["seed"],
            )
        )
        print(run, sampler, rows[-1]["scores"], file=sys.stderr)
    sections.append(tables.run_scores(run, vars(config), rows))
tables.write_scores(snakemake.output[0], snakemake.wildcards.point, sections)
