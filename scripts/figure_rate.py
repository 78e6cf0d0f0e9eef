"""R(sigma) against sigma, and distortion against rate, for every configuration (rule figure_rate)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt
import pandas as pd

from shapestudy.reporting import plotting

table = plotting.with_variant(pd.read_csv(snakemake.input.rate))
colours = plotting.variant_colours(table)
markers = dict(zip(sorted(table["latent_dim"].unique()), "os^Dvp<>"))
figure, (rate_axis, rd_axis) = plt.subplots(1, 2, figsize=(plotting.PAGE_WIDTH, 2.6), constrained_layout=True)
for (name, latent_dim), curve in table.groupby(["variant", "latent_dim"], sort=False):
    style = dict(color=colours[name], marker=markers[latent_dim], ms=3, lw=1)
    rate_axis.errorbar(curve["sigma"], curve["rate_bits_mean"], yerr=curve["rate_bits_sd"].fillna(0), **style)
    rd_axis.errorbar(curve["rate_bits_mean"], curve["distortion_mean"], xerr=curve["rate_bits_sd"].fillna(0),
                     yerr=curve["distortion_sd"].fillna(0), **style)
entropy = table["entropy_bits_mean"].iloc[0]
plotting.entropy_line(rate_axis, entropy)
plotting.entropy_line(rd_axis, entropy, "vertical")
rate_axis.set(xscale="log", xlabel="latent noise σ", ylabel="R(σ) (bits)", title="Information rate (eq. 11)")
rd_axis.set(yscale="log", xlabel="R(σ) (bits)", ylabel="D(σ): squared error per image", title="Rate against distortion")
handles = [plt.Line2D([], [], color=c, lw=1.5, label=v) for v, c in colours.items()]
handles += [plt.Line2D([], [], color="0.3", ls="", marker=m, ms=3, label=f"latent {d}") for d, m in markers.items()]
handles.append(plt.Line2D([], [], color="0.4", ls=":", label=f"H(X) = {entropy:.2f} bits"))
rd_axis.legend(handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
