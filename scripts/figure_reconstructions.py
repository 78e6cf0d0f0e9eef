"""Test images next to their AE and VAE reconstructions (rule figure_reconstructions)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt
import numpy as np

from shapestudy.data import dataset
from shapestudy.data.pixels import to_unit
from shapestudy.reporting import plotting
from shapestudy.training import artifacts
from shapestudy.training.inference import reconstruct

test = dataset.load(snakemake.input.data, "test")
n = min(snakemake.params.settings["figures"]["examples"], len(test.images))
images = to_unit(test.images[np.linspace(0, len(test.images) - 1, n).astype(int)])
labels, rows = ["test image"], [images]
for _, model, params, config, outcome in artifacts.trained_runs(snakemake.input.params, snakemake.input.records):
    labels.append(plotting.run_label(vars(config), outcome))
    rows.append(reconstruct(model, params, images, config.reconstruction))

width = plotting.COLUMN_WIDTH
figure, axis = plt.subplots(figsize=(width, width / n * len(rows) * 1.05))
plotting.show_grid(axis, np.stack(rows), labels)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
