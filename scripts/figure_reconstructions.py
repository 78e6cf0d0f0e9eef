"""Test images next to their AE and VAE reconstructions (rule figure_reconstructions)."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

import matplotlib.pyplot as plt
import numpy as np

from shapestudy import artifacts, data, plotting
from shapestudy.inference import reconstruct

test = data.load(snakemake.input.data, "test")
n = min(snakemake.params.examples, len(test.images))
images = test.images[np.linspace(0, len(test.images) - 1, n).astype(int)]
rows = [("test image", images)]
for params_path, record_path in zip(snakemake.input.params, snakemake.input.records):
    model, params, config = artifacts.load_model(params_path, record_path)
    rows.append((plotting.run_label(vars(config)), reconstruct(model, params, images, config.reconstruction)))

figure, axes = plt.subplots(len(rows), n, figsize=(plotting.COLUMN_WIDTH, 0.45 * len(rows) * plotting.COLUMN_WIDTH / n * 2.2), squeeze=False)
for row, (label, pictures) in enumerate(rows):
    for column in range(n):
        plotting.show_image(axes[row, column], pictures[column])
    axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center")
figure.subplots_adjust(wspace=0.05, hspace=0.05)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
