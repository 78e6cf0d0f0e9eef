"""Test images next to their AE and VAE reconstructions (rule figure_reconstructions)."""

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

import matplotlib.pyplot as plt
import numpy as np

from shapestudy import artifacts, data, plotting
from shapestudy.inference import reconstruct

test = data.load(snakemake.input.data).subset("test")
n = min(snakemake.params.examples, len(test.images))
images = test.images[np.linspace(0, len(test.images) - 1, n).astype(int)]
rows = [("test image", images)]
for model, params, config in artifacts.load_models(snakemake.input.params, snakemake.input.records):
    rows.append((plotting.model_label(vars(config)), reconstruct(model, params, images, config.reconstruction)))

width = plotting.COLUMN_WIDTH
figure, axes = plt.subplots(len(rows), n, figsize=(width, width / n * len(rows) * 1.05), squeeze=False)
for row, (label, pictures) in enumerate(rows):
    for column in range(n):
        plotting.show_image(axes[row, column], pictures[column])
    axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center")
figure.subplots_adjust(wspace=0.05, hspace=0.05)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
