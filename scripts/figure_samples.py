"""Decoded samples of the example AE and VAE, a row per sampler of the registry that applies to
the model, each framed green if its nearest render matches it (IoU >= the validity threshold),
red if not (rule figure_samples). The samples are the first ones the evaluation scored."""

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

import matplotlib.pyplot as plt

from shapestudy import artifacts, data, plotting, scores
from shapestudy.evaluation import samplers
from shapestudy.evaluation.projection import TranslatedTemplates, iou
from shapestudy.inference import decode, encode

settings = snakemake.params.evaluation
n = snakemake.params.examples
everything = data.load(snakemake.input.data)
# Nearest renders as the evaluation finds them, with the renders kept as stored (uint8).
templates = TranslatedTemplates(everything.images, everything.factor_codes())

labels = samplers.labels(settings["mixture_components"])
rows = []
for run, model, params, config, outcome in artifacts.trained_runs(snakemake.input.params, snakemake.input.records):
    section = scores.run_section(snakemake.input.scores, run)
    validity = {row["settings"]["sampler"]: row["scores"]["validity"] for row in section["rows"]}
    latents = samplers.draw_latents(n, config.latent_dim, settings["seed"],
                                    lambda: encode(model, params, everything.subset("train").images)[0],
                                    settings["mixture_components"])
    for sampler, z in latents.items():
        samples = decode(model, params, z, config.reconstruction)
        index, _ = templates.project(samples)
        valid = iou(samples, everything.images[index], settings["pixel_threshold"]) >= settings["validity_iou"]
        label = f"{plotting.run_label(vars(config), outcome)}\n{labels[sampler]}: {validity[sampler]:.0%} valid"
        rows.append((label, samples, valid))

width = plotting.COLUMN_WIDTH
figure, axes = plt.subplots(len(rows), n, figsize=(width, width / n * len(rows) * 1.1), squeeze=False)
for row, (label, samples, valid) in enumerate(rows):
    for column in range(n):
        plotting.show_image(axes[row, column], samples[column])
        plotting.mark(axes[row, column], valid[column])
    axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center")
figure.subplots_adjust(wspace=0.08, hspace=0.08)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
