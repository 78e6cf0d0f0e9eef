"""Test images next to their AE and VAE reconstructions (rule figure_reconstructions)."""

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

import matplotlib.pyplot as plt
import numpy as np

from shapestudy import artifacts, data, plotting
from shapestudy.inference import reconstruct
from shapestudy.pixels import to_unit

test = data.load(snakemake.input.data, "test")
n = min(snakemake.params.examples, len(test.images))
images = to_unit(test.images[np.linspace(0, len(test.images) - 1, n).astype(int)])
labels, rows = ["test image"], [images]
for _, model, params, config, outcome in artifacts.trained_runs(snakemake.input.params, snakemake.input.records):
    labels.append(plotting.run_label(vars(config), outcome))
    rows.append(reconstruct(model, params, images, config.reconstruction))

width = plotting.COLUMN_WIDTH
figure, axis = plt.subplots(figsize=(width, width / n * len(rows) * 1.05))
plotting.show_grid(axis, np.stack(rows), labels)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
