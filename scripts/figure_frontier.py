"""The validity-novelty frontier (rule figure_frontier): small multiples, a panel per likelihood
(row) and latent size (column), validity against novelty for every model there: its
kernel-density frontier (the bandwidth sweep of evaluation.kde_bandwidths, when there is one) as a
curve, each other sampler as a point, and its ceiling, the validity of its reconstructions of
training images, as a dashed line; then the verdicts of the claims that compare the models'
samples (claims.csv)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt
import pandas as pd

from shapestudy import families
from shapestudy.evaluation import samplers
from shapestudy.reporting import claims, frontier, plotting, statistics

settings = snakemake.params.settings
samples = plotting.with_variant(pd.read_csv(snakemake.input.sample_quality))
reconstruction = pd.read_csv(snakemake.input.reconstruction)
keys = [k for k in families.POINT_KEYS if k in samples]
samples = samples.merge(reconstruction[[*keys, "train_validity_mean"]], on=keys)
labels = samplers.labels(settings["evaluation"])
on_curve = samples["sampler"].map(samplers.is_sweep)
markers = dict(zip([name for name in labels if not samplers.is_sweep(name)], "os^Dvp<>*"))
colours = plotting.variant_colours(samples)
likelihoods, latents = list(dict.fromkeys(samples["reconstruction"])), sorted(samples["latent_dim"].unique())
figure = plt.figure(figsize=(plotting.PAGE_WIDTH, 1.45 * len(likelihoods) + 2.2), layout="constrained")
# Two subfigures, each laid out alone: the verdicts' long labels leave the panels' widths be.
top, bottom = figure.subfigures(2, 1, height_ratios=[1.45 * len(likelihoods), 2.2])
axes = top.subplots(len(likelihoods), len(latents), sharex=True, sharey=True, squeeze=False)
for (row, likelihood), (column, latent) in ((r, c) for r in enumerate(likelihoods) for c in enumerate(latents)):
    axis = axes[row, column]
    here = samples[(samples["reconstruction"] == likelihood) & (samples["latent_dim"] == latent)]
    for variant, rows in here.groupby("variant", sort=False):
        colour = colours[variant]
        line = frontier.curve(rows)
        axis.plot(line["novelty_mean"], line["validity_mean"], color=colour, lw=1.0, marker=".", ms=2.5)
        for _, point in rows[~rows["sampler"].map(samplers.is_sweep)].iterrows():
            axis.plot(point["novelty_mean"], point["validity_mean"], color=colour, marker=markers[point["sampler"]],
                      ms=3.5, ls="", alpha=0.9)
        # No sampler of this decoder is expected to draw more valid images than it reconstructs.
        axis.axhline(rows["train_validity_mean"].iloc[0], color=colour, ls="--", lw=0.7, alpha=0.8)
    # Novelty of a generator uniform over M: the test share of the tuples; a copy of training images: 0.
    axis.axvline(settings["data"]["splits"]["test"], color="0.4", ls=":", lw=0.8)
    if on_curve.any():
        axis.axvline(settings["claims"]["frontier_novelty"], color="0.6", ls="-", lw=0.6)
    axis.set_title(f"{likelihood}, z={latent}", fontsize=7)
    axis.tick_params(labelsize=6)
for axis in axes[-1]:
    axis.set_xlabel("novelty", fontsize=7)
for axis in axes[:, 0]:
    axis.set_ylabel("validity", fontsize=7)
handles = [plt.Line2D([], [], color=c, lw=1.0, label=v) for v, c in colours.items()]
handles += [plt.Line2D([], [], color="0.3", marker=markers[name], ls="", ms=3.5, label=labels[name])
            for name in markers if name in set(samples["sampler"])]
if on_curve.any():
    handles.append(plt.Line2D([], [], color="0.3", lw=1.0, marker=".", ms=2.5,
                              label="kernel density, bandwidths\n" + ", ".join(
                                  f"{samplers.by_name(n).bandwidth:g}" for n in labels if samplers.is_sweep(n))))
    handles.append(plt.Line2D([], [], color="0.6", lw=0.6, label="the frontier claims' novelty"))
handles.append(plt.Line2D([], [], color="0.3", ls="--", lw=0.7, label="ceiling: validity of the\nreconstructions of training images"))
handles.append(plt.Line2D([], [], color="0.4", ls=":", lw=0.8, label="uniform over M"))
top.legend(handles=handles, loc="outside right center", frameon=False, fontsize=6)
# (c) The verdicts of the claims that compare samples (the registry's claims on sample quality):
# the primary test's, and how many of the per-configuration comparisons of each likelihood
# are supported, contradicted, equivalent or undecided, after each family's correction.
compared = [claim for claim in claims.CLAIMS.values() if claim.metric == "sample_quality"]
decided = pd.read_csv(snakemake.input.claims)
decided = decided[decided["claim"].isin([claim.name for claim in compared])]
primary = decided[decided["scope"] == claims.PRIMARY].set_index("claim")["verdict"]
blocks = decided[decided["scope"] == claims.SECONDARY]
counts = blocks.groupby(["claim", "reconstruction", "verdict"], sort=False).size().unstack(fill_value=0)
counts = counts.reindex(columns=list(statistics.VERDICTS), fill_value=0)
verdict_colours = dict(zip(statistics.VERDICTS, ("#4d9221", "#c51b7d", "#4393c3", "0.8")))
bars, left = bottom.subplots(), 0
short = {claim.name: claim.name.replace("_", " ") for claim in compared}
names = [f"{short[claim]} ({likelihood}); pooled: {primary.get(claim, 'n/a')}" for claim, likelihood in counts.index]
for verdict, colour in verdict_colours.items():
    bars.barh(names, counts[verdict], left=left, color=colour, label=verdict, height=0.6)
    left = left + counts[verdict]
bars.invert_yaxis()
bars.tick_params(axis="y", labelsize=6)
corrections = ", ".join(statistics.CORRECTIONS[c] for c in decided["correction"].unique())
bars.set(xlabel=f"per-configuration comparisons ({corrections})")
bars.set_title("verdicts of the claims that compare the models' samples", fontsize=8)
bars.legend(frameon=False, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
