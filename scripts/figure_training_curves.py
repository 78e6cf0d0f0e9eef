"""Training and validation loss per epoch, mean and range over seeds, one panel per model and
beta (rule figure_training_curves)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from shapestudy import families
from shapestudy.reporting import plotting

frames = []
for path, record_path in zip(snakemake.input.histories, snakemake.input.records):
    record = json.loads(Path(record_path).read_text())
    keys = {k: record["config"][k] for k in families.RUN_KEYS}
    frames.append(pd.read_csv(path).assign(**keys, converged=float(record.get("converged", True))))
frame = plotting.with_variant(pd.concat(frames, ignore_index=True))
variants = list(dict.fromkeys(frame["variant"]))
colours = plotting.latent_colours(frame["latent_dim"])
columns = min(len(variants), 3)
rows = -(-len(variants) // columns)
figure, axes = plt.subplots(rows, columns, figsize=(plotting.PAGE_WIDTH, 2.0 * rows), squeeze=False,
                            constrained_layout=True)
for axis in axes.flat[len(variants):]:
    axis.set_visible(False)
for axis, name in zip(axes.flat, variants):
    for latent_dim, runs in frame[frame["variant"] == name].groupby("latent_dim"):
        for split, style in (("train", "-"), ("validation", "--")):
            per_epoch = runs.groupby("epoch")[f"{split}_loss"]
            mean, low, high = per_epoch.mean(), per_epoch.min(), per_epoch.max()
            axis.plot(mean.index, mean, color=colours[latent_dim], ls=style, lw=0.9)
            axis.fill_between(mean.index, low, high, color=colours[latent_dim], alpha=0.2, lw=0)
    axis.set(yscale="log", xlabel="epoch", title=name)
for row in axes:
    row[0].set_ylabel("loss per image")
handles = [plt.Line2D([], [], color=c, label=f"latent {d}") for d, c in colours.items()]
handles += [plt.Line2D([], [], color="0.3", ls="-", label="train"), plt.Line2D([], [], color="0.3", ls="--", label="validation")]
axes[0, columns - 1].legend(handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
