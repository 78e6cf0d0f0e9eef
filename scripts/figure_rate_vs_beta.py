"""The VAE's KL rate, R(sigma) and active dimensions against beta, per latent size (rule
figure_rate_vs_beta)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from shapestudy import families
from shapestudy.reporting import plotting, tables

LIKELIHOOD_STYLES = {"mse": "-", "bce": "--"}


def mark(curve) -> str:
    """The tables' mark for a curve with a configuration whose seeds did not all converge."""
    return f" {tables.NOT_CONVERGED_MARK}" if tables.not_converged(curve).any() else ""

table = pd.read_csv(snakemake.input.rate)
sigma = snakemake.params.settings["figures"]["sigma"]
vae = table[families.uses(table["model"], "beta") & np.isclose(table["sigma"], sigma)].sort_values("beta")
panels = [
    ("kl_rate_bits", "KL rate (bits)"),
    ("rate_bits", f"R(σ={sigma:g}) (bits)"),
    ("active_dimensions", "active dimensions"),
]
figure, axes = plt.subplots(1, len(panels), figsize=(plotting.PAGE_WIDTH, 2.2), constrained_layout=True)
colours = plotting.latent_colours(vae["latent_dim"])
for axis, (score, label) in zip(axes, panels):
    for (latent_dim, likelihood), curve in vae.groupby(["latent_dim", "reconstruction"]):
        axis.errorbar(curve["beta"], curve[f"{score}_mean"], yerr=curve[f"{score}_sd"].fillna(0),
                      color=colours[latent_dim], marker="o", ms=3, lw=1, ls=LIKELIHOOD_STYLES.get(likelihood, ":"),
                      label=f"latent {latent_dim}, {likelihood}" + mark(curve))
    if score != "active_dimensions" and len(vae):
        plotting.entropy_line(axis, vae["entropy_bits_mean"].iloc[0])
    axis.set(xscale="log", xlabel="β", ylabel=label)
    axis.set_xticks(sorted(vae["beta"].unique()), [f"{b:g}" for b in sorted(vae["beta"].unique())])
    axis.minorticks_off()
if vae.empty:
    for axis in axes:
        axis.text(0.5, 0.5, "no VAE in the sweep", ha="center", va="center", transform=axis.transAxes)
handles, labels = axes[0].get_legend_handles_labels()
axes[-1].legend(handles, labels, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
