"""Mutual information between each latent and each factor for the example runs (rule
figure_mutual_information)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import matplotlib.pyplot as plt
import numpy as np

from shapestudy.data.grid import FACTORS
from shapestudy.evaluation import scores
from shapestudy.reporting import plotting

sections = [scores.run_section(snakemake.input.latents_scores, run)[1] for run in snakemake.params.runs]
matrices = [np.array(section["mutual_information_bits"]) for section in sections]
top = max(m.max() for m in matrices)
figure, axes = plt.subplots(1, len(sections), figsize=(plotting.COLUMN_WIDTH * len(sections) / 1.6, 2.4),
                            squeeze=False, constrained_layout=True)
for axis, section, matrix in zip(axes[0], sections, matrices):
    image = axis.imshow(matrix, cmap="magma", vmin=0, vmax=top, aspect="auto")
    for (i, j), value in np.ndenumerate(matrix):
        axis.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=6,
                  color="white" if value < 0.6 * top else "black")
    axis.set_xticks(range(len(FACTORS)), FACTORS)
    axis.set_yticks(range(len(matrix)), [f"z{i + 1}" for i in range(len(matrix))])
    mig = section["rows"][0]["scores"]["mig"]
    axis.set_title(f"{plotting.run_label(section['config'], section.get('training', {}))}, MIG {mig:.2f}")
figure.colorbar(image, ax=axes[0, -1], label="mutual information (bits)")
plotting.save(figure, snakemake.output.png, snakemake.output.pdf)
