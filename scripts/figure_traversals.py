"""Latent traversals of the example AE and VAE (rule figure_traversals): each row varies one
latent dimension from its 2nd to its 98th percentile over the test codes, the others held at
their median."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt
import numpy as np

from shapestudy.data import dataset
from shapestudy.reporting import plotting
from shapestudy.training import artifacts
from shapestudy.training.inference import decode, encode

STEPS = 7
test = dataset.load(snakemake.input.data, "test")
runs = list(artifacts.trained_runs(snakemake.input.params, snakemake.input.records))
dims = max(trained.config.latent_dim for trained in runs)
width = plotting.PAGE_WIDTH / 2 * len(runs)
columns = STEPS * len(runs) + 2.5 * (len(runs) - 1)  # in image widths, with room between the panels
# Each panel is one image grid; the space between panels holds the next panel's row labels.
figure, axes = plt.subplots(1, len(runs), figsize=(width, width / columns * dims * 1.1), squeeze=False)
figure.subplots_adjust(wspace=0.3)
for axis, (_, model, params, config, outcome) in zip(axes[0], runs):
    codes, _ = encode(model, params, test.images)
    low, centre, high = np.percentile(codes, [2, 50, 98], axis=0)
    # All rows of the panel in one decode: row d varies dimension d.
    z = np.tile(centre, (config.latent_dim, STEPS, 1))
    for dim in range(config.latent_dim):
        z[dim, :, dim] = np.linspace(low[dim], high[dim], STEPS)
    images = decode(model, params, z.reshape(-1, config.latent_dim).astype(np.float32), config.reconstruction)
    labels = [f"z{dim + 1}\n[{low[dim]:.1f}, {high[dim]:.1f}]" for dim in range(config.latent_dim)]
    plotting.show_grid(axis, images.reshape(config.latent_dim, STEPS, *images.shape[1:]), labels,
                       title=plotting.run_label(vars(config), outcome), rows=dims)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
