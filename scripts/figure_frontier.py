"""The validity-novelty frontier (rule figure_frontier): for every configuration and sampler, the
share of valid samples against the share of them that are test tuples never seen in training,
and against the share of the renderable set they cover; each configuration's ceiling, the validity
of its reconstructions of training images, as a dashed mark across its samplers; and the verdicts
of the claims that compare the VAE's samples with the AE's (claims.csv)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt
import pandas as pd

from shapestudy.evaluation import samplers
from shapestudy.reporting import claims, plotting, statistics
from shapestudy.reporting.tables import SEED_FREE_KEYS

samples = plotting.with_variant(pd.read_csv(snakemake.input.sample_quality))
reconstruction = pd.read_csv(snakemake.input.reconstruction)
keys = [k for k in SEED_FREE_KEYS if k in samples]
samples = samples.merge(reconstruction[[*keys, "train_validity_mean"]], on=keys)
labels = samplers.labels(snakemake.params.settings["evaluation"])
markers = dict(zip(labels, "os^Dvp<>*" * len(labels)))  # a marker per sampler, repeating after nine
colours = plotting.variant_colours(samples)
figure = plt.figure(figsize=(plotting.PAGE_WIDTH, 4.3), layout="constrained")
# Two subfigures, each laid out alone: the verdicts' long labels leave the scatter panels' widths be.
top, bottom = figure.subfigures(2, 1, height_ratios=[3.0, 1.3])
axes = top.subplots(1, 2, sharey=True)
for (variant, sampler), rows in samples.groupby(["variant", "sampler"], sort=False):
    for axis, x in zip(axes, ["novelty", "coverage"]):
        axis.errorbar(rows[f"{x}_mean"], rows["validity_mean"], xerr=rows[f"{x}_sd"].fillna(0),
                      yerr=rows["validity_sd"].fillna(0), color=colours[variant], marker=markers[sampler],
                      ms=4, ls="", lw=0.6, capsize=1.5, alpha=0.85)
# The ceiling of each configuration: no sampler of its decoder draws more valid images than it
# reconstructs of the images it was trained on.
for (variant, _), rows in samples.groupby(["variant", "latent_dim"], sort=False):
    for axis, x in zip(axes, ["novelty", "coverage"]):
        axis.hlines(rows["train_validity_mean"].iloc[0], rows[f"{x}_mean"].min(), rows[f"{x}_mean"].max(),
                    color=colours[variant], ls="--", lw=0.8, alpha=0.7)
# Novelty of a generator uniform over M: the test share of the tuples; one that copies training
# images scores 0. Coverage of as many draws from the data distribution: coverage_true.
axes[0].axvline(snakemake.params.settings["data"]["splits"]["test"], color="0.4", ls=":", lw=1, label="uniform over M")
axes[1].axvline(samples["coverage_true_mean"].iloc[0], color="0.4", ls=":", lw=1, label="as many true samples")
axes[0].set(xlabel="novelty (share of valid samples that are test tuples)", ylabel="validity (share of samples)")
axes[1].set(xlabel="coverage of the renderable set")
axes[0].set_title("(a) validity against novelty")
axes[1].set_title("(b) validity against coverage")
handles = [plt.Line2D([], [], color=c, marker="o", ls="", ms=4, label=v) for v, c in colours.items()]
handles += [plt.Line2D([], [], color="0.3", marker=markers[s], ls="", ms=4, label=labels[s]) for s in samples["sampler"].unique()]
handles.append(plt.Line2D([], [], color="0.3", ls="--", lw=0.8, label="ceiling: validity of the\nreconstructions of training images"))
top.legend(handles=handles, loc="outside right center", frameon=False, fontsize=6)
for axis in axes:
    axis.legend(frameon=False, fontsize=6, loc="center right")
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
bars.set_title("(c) verdicts of the claims that compare VAE and AE samples")
bars.legend(frameon=False, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
