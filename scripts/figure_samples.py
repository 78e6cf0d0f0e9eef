"""Decoded samples of the example AE and VAE, a row per sampler, each framed green if its nearest
render matches it (IoU >= the validity threshold), red if not: the first samples the evaluation
scored, as it stored them (rule figure_samples)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt

from shapestudy.evaluation import samplers, scores
from shapestudy.reporting import plotting

n = snakemake.params.settings["figures"]["examples"]
labels = samplers.labels(snakemake.params.settings["evaluation"])
rows = []
for run in snakemake.params.runs:
    path, section = scores.run_section(snakemake.input.sample_quality_scores, run)
    arrays = scores.read_arrays(scores.arrays_path(path), run)
    for row in section["rows"]:
        sampler = row["settings"]["sampler"]
        label = f"{plotting.run_label(section['config'], section['training'])}\n{labels[sampler]}: {row['scores']['validity']:.0%} valid"
        rows.append((label, arrays[f"{sampler}/samples"][:n], arrays[f"{sampler}/valid"][:n]))

width = plotting.COLUMN_WIDTH
figure, axes = plt.subplots(len(rows), n, figsize=(width, width / n * len(rows) * 1.1), squeeze=False)
for row, (label, samples, valid) in enumerate(rows):
    for column in range(n):
        plotting.show_image(axes[row, column], samples[column])
        plotting.mark(axes[row, column], valid[column])
    axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center")
figure.subplots_adjust(wspace=0.08, hspace=0.08)
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
