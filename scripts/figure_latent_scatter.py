"""Test codes of the 2-d AE and VAE, coloured by each factor (rule figure_latent_scatter)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt

from shapestudy.data import dataset
from shapestudy.data.grid import FACTORS
from shapestudy.reporting import plotting
from shapestudy.training import artifacts
from shapestudy.training.inference import encode

test = dataset.load(snakemake.input.data, "test")
runs = list(artifacts.trained_runs(snakemake.input.params, snakemake.input.records))
factors = test.factor_codes()
figure, axes = plt.subplots(
    len(runs), len(FACTORS), figsize=(plotting.PAGE_WIDTH, 1.75 * len(runs)), squeeze=False, constrained_layout=True
)
for row, (_, model, params, config, outcome) in enumerate(runs):
    codes, _ = encode(model, params, test.images)
    for column, name in enumerate(FACTORS):
        axis = axes[row, column]
        discrete = name == "shape"
        colours = plt.get_cmap("tab10" if discrete else "viridis")
        points = axis.scatter(codes[:, 0], codes[:, 1], c=factors[:, column], s=2, cmap=colours, rasterized=True,
                              vmin=0 if discrete else None, vmax=9 if discrete else None)
        if discrete:
            handles = [plt.Line2D([], [], ls="", marker="o", ms=3, color=colours(i), label=s)
                       for i, s in enumerate(test.grid.shapes)]
            axis.legend(handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), handletextpad=0.1)
        else:
            figure.colorbar(points, ax=axis, label=f"{name} (pixels)", shrink=0.9)
        axis.set_xlabel("z1")
        axis.set_ylabel("z2")
        axis.set_title(f"{plotting.run_label(vars(config), outcome)}: {name}")
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
