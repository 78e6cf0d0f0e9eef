"""Training and validation loss per epoch for every run, one panel per model (rule
figure_training_curves)."""

import sys

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from shapestudy import plotting

histories = [pd.read_csv(path).assign(run=Path(path).parent.name) for path in snakemake.input]
frame = pd.concat(histories, ignore_index=True)
frame["model"] = frame["run"].str.split("-").str[0]
frame["latent"] = frame["run"].str.split("-").str[2]

models = sorted(frame["model"].unique())
figure, axes = plt.subplots(1, len(models), figsize=(plotting.PAGE_WIDTH, 2.3), squeeze=False, sharey=False)
latents = sorted(frame["latent"].unique(), key=lambda z: int(z[1:]))
colours = dict(zip(latents, plt.cm.viridis([i / max(len(latents) - 1, 1) for i in range(len(latents))])))
for axis, model in zip(axes[0], models):
    for run, history in frame[frame["model"] == model].groupby("run"):
        colour = colours[history["latent"].iloc[0]]
        axis.plot(history["epoch"], history["train_loss"], color=colour, lw=0.8, alpha=0.7)
        axis.plot(history["epoch"], history["validation_loss"], color=colour, lw=0.8, ls="--", alpha=0.7)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss per image (summed over pixels)")
    axis.set_title(f"{model.upper()}: train (solid), validation (dashed)")
handles = [plt.Line2D([], [], color=c, label=f"latent {z[1:]}") for z, c in colours.items()]
axes[0, -1].legend(handles=handles, loc="upper right", frameon=False)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
