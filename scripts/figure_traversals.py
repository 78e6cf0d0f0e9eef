"""Latent traversals of the example AE and VAE (rule figure_traversals): each row varies one
latent dimension from its 2nd to its 98th percentile over the test codes, the others held at
their median."""

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

import matplotlib.pyplot as plt
import numpy as np

from shapestudy import artifacts, data, plotting
from shapestudy.inference import decode, encode

STEPS = 7
test = data.load(snakemake.input.data).subset("test")
runs = artifacts.load_models(snakemake.input.params, snakemake.input.records)
dims = max(config.latent_dim for _, _, config in runs)
width = plotting.PAGE_WIDTH / 2 * len(runs)
# A wide empty column between the panels leaves room for the second panel's row labels.
ratios = ([1] * STEPS + [2.5]) * (len(runs) - 1) + [1] * STEPS
figure, axes = plt.subplots(
    dims, len(ratios), figsize=(width, width / sum(ratios) * dims * 1.1), squeeze=False,
    gridspec_kw={"width_ratios": ratios},
)
for panel, (model, params, config) in enumerate(runs):
    codes, _ = encode(model, params, test.images)
    low, centre, high = np.percentile(codes, [2, 50, 98], axis=0)
    first = panel * (STEPS + 1)
    axes[0, first + STEPS // 2].set_title(plotting.model_label(vars(config)))
    for dim in range(dims):
        if dim >= config.latent_dim:
            for step in range(STEPS):
                axes[dim, first + step].axis("off")
            continue
        z = np.tile(centre, (STEPS, 1))
        z[:, dim] = np.linspace(low[dim], high[dim], STEPS)
        images = decode(model, params, z.astype(np.float32), config.reconstruction)
        for step in range(STEPS):
            plotting.show_image(axes[dim, first + step], images[step])
        axes[dim, first].set_ylabel(f"z{dim + 1}\n[{low[dim]:.1f}, {high[dim]:.1f}]", rotation=0, ha="right", va="center")
for panel in range(1, len(runs)):
    for dim in range(dims):
        axes[dim, panel * (STEPS + 1) - 1].axis("off")
figure.subplots_adjust(wspace=0.05, hspace=0.05)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
