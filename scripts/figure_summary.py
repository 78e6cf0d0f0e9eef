"""The headline figure (rule figure_summary): sample validity, reconstruction error, rate against
distortion at one noise level, and MIG, against latent size for every model and beta."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from shapestudy.reporting import plotting

tables = {name: plotting.with_variant(pd.read_csv(path)) for name, path in snakemake.input.items()}
sigma = snakemake.params.settings["figures"]["sigma"]
colours = plotting.variant_colours(tables["reconstruction"])
figure, axes = plt.subplots(2, 2, figsize=(plotting.PAGE_WIDTH, 4.6), constrained_layout=True)


def against_latent(axis, table, score, label, suffix="", **style):
    for name, rows in table.groupby("variant", sort=False):
        axis.errorbar(rows["latent_dim"], rows[f"{score}_mean"], yerr=rows[f"{score}_sd"].fillna(0),
                      color=colours[name], marker="o", ms=3, lw=1, capsize=2, label=name + suffix, **style)
    axis.set(xscale="log", xlabel="latent dimensions", ylabel=label)
    axis.set_xticks(sorted(table["latent_dim"].unique()), [str(d) for d in sorted(table["latent_dim"].unique())])
    axis.minorticks_off()


samples = tables["sample_quality"]
# Solid: the prior N(0, I); dashed: per configuration, the best of the densities fitted to the codes.
prior = samples[samples["sampler"] == "prior"]
fitted = samples[samples["sampler"] != "prior"]
best_fitted = fitted.loc[fitted.groupby(["variant", "latent_dim"], sort=False)["validity_mean"].idxmax()]
against_latent(axes[0, 0], prior, "validity", "valid samples (share)")
if len(best_fitted):
    against_latent(axes[0, 0], best_fitted, "validity", "valid samples (share)", suffix=", best fitted", ls="--")
axes[0, 0].set_title("(a) decoded samples that are valid shapes")
axes[0, 0].set_ylim(-0.03, 1.03)
axes[0, 0].legend(frameon=False, fontsize=5, ncol=2)

against_latent(axes[0, 1], tables["reconstruction"], "mse", "test MSE per pixel")
axes[0, 1].set_yscale("log")
axes[0, 1].set_title("(b) reconstruction error")

rate = tables["rate"][np.isclose(tables["rate"]["sigma"], sigma)]
# Eight markers, repeated for a sweep with more latent sizes (the colours still tell the models apart).
markers = dict(zip(sorted(rate["latent_dim"].unique()), itertools.cycle("os^Dvp<>")))
for (name, latent_dim), rows in rate.groupby(["variant", "latent_dim"], sort=False):
    axes[1, 0].errorbar(rows["rate_bits_mean"], rows["distortion_mean"], xerr=rows["rate_bits_sd"].fillna(0),
                        yerr=rows["distortion_sd"].fillna(0), color=colours[name], marker=markers[latent_dim], ms=4, ls="")
plotting.entropy_line(axes[1, 0], rate["entropy_bits_mean"].iloc[0], "vertical")
axes[1, 0].set(xlabel=f"R(σ={sigma:g}) (bits)", ylabel=f"D(σ={sigma:g}): squared error per image", yscale="log")
axes[1, 0].set_title("(c) rate and distortion with latent noise")
handles = [plt.Line2D([], [], color="0.3", ls="", marker=m, label=f"latent {d}") for d, m in markers.items()]
axes[1, 0].legend(handles=handles + [plt.Line2D([], [], color="0.4", ls=":", label="H(X)")], frameon=False, fontsize=6)

against_latent(axes[1, 1], tables["latents"], "mig", "MIG")
axes[1, 1].set_title("(d) disentanglement (MIG)")
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
