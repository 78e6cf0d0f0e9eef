# %% [markdown]
# # Exploring a finished study
#
# This notebook loads the trained runs of a finished study through the
# [Python API](python-api.md) and shows reconstructions of test images, samples of every sampler
# the study evaluated, and a latent traversal: one AE and one VAE side by side.
#
# Run it from the folder that holds the study's `results/` (the project folder for the default
# study), or point `SHAPESTUDY_RESULTS` at a `results/` folder. In Jupyter (with jupytext
# installed, `docs/explore.py` opens as a notebook), or as a script:
#
# ```bash
# .venv/bin/python docs/explore.py                                   # the default study
# SHAPESTUDY_RESULTS=quick/results .venv/bin/python docs/explore.py  # the quick look
# ```
#
# As a script it prints what it made; set `SHAPESTUDY_FIGURES` to a folder to save each figure
# there as a PNG. `SHAPESTUDY_RUNS` (comma-separated run names) chooses the runs shown.

# %%
import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from shapestudy import runs
from shapestudy.data import dataset, pixels

RESULTS = Path(os.environ.get("SHAPESTUDY_RESULTS", "results"))
FIGURES = os.environ.get("SHAPESTUDY_FIGURES")  # a folder to save the figures in; unset: not saved
N = 8  # images per row
STEPS = 7  # images per latent traversal


def image_rows(rows: dict, title: str, name: str):
    """One labelled row of images (in [0, 1]) per entry of `rows`, as one figure. The figure is
    returned, not shown: Jupyter displays it, and a script under the Agg backend needs no window."""
    columns = max(len(images) for images in rows.values())
    figure, axes = plt.subplots(len(rows), 1, figsize=(0.7 * columns + 2.5, 0.75 * len(rows) + 0.6),
                                squeeze=False)
    for axis, (label, images) in zip(axes[:, 0], rows.items()):
        # Images side by side, each framed by a grey line, as one image: fast to draw.
        strip = np.concatenate([np.pad(image, 1, constant_values=0.3) for image in images], axis=1)
        axis.imshow(strip, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        axis.set_xticks([])
        axis.set_yticks([])
        axis.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    figure.suptitle(title, fontsize=10)
    if FIGURES:
        Path(FIGURES).mkdir(parents=True, exist_ok=True)
        figure.savefig(Path(FIGURES) / f"{name}.png", dpi=100, bbox_inches="tight")
        print(f"saved {Path(FIGURES) / f'{name}.png'}")
    return figure


# %% [markdown]
# ## The runs
#
# Every folder under `results/models/` is a trained run. Unless `SHAPESTUDY_RUNS` names them, the
# notebook shows one run per model family: the one whose latent size is nearest the number of
# factors (4), first by name.

# %%
names = runs.names(RESULTS)
records = {name: json.loads((RESULTS / "models" / name / "record.json").read_text()) for name in names}
if os.environ.get("SHAPESTUDY_RUNS"):
    shown = os.environ["SHAPESTUDY_RUNS"].split(",")
else:
    by_model = {}
    for name in sorted(names, key=lambda name: (abs(records[name]["config"]["latent_dim"] - 4), name)):
        by_model.setdefault(records[name]["config"]["model"], name)
    shown = list(by_model.values())
examples = [runs.load(name, RESULTS) for name in shown]
print(f"{len(names)} trained runs; shown: {', '.join(shown)}")
for run in examples:
    record = records[run.name]
    print(f"{run.name}: stopped after {record['epochs_run']} epochs ({record['stop_reason']}), "
          f"converged: {record['converged']}")

# %% [markdown]
# ## Reconstructions
#
# The first test images and their reconstructions, decoded from the encoder's mean. The dataset
# stores pixels as uint8 (0 or 255); `run.encode` takes them so, or as floats in [0, 1].

# %%
test = dataset.load(str(RESULTS / "data" / "shapes.parquet"), split="test")
test_images = pixels.to_unit(test.images)
rows = {"test images": test_images[:N]}
for run in examples:
    again = run.decode(run.encode(test_images[:N]))
    rows[run.name] = again
    error = float(np.mean((again - test_images[:N]) ** 2))
    print(f"reconstructions {run.name}: {again.shape}, mean squared error per pixel {error:.4f}")
reconstructions = image_rows(rows, "Test images and their reconstructions", "reconstructions")

# %% [markdown]
# ## Samples of every sampler
#
# The samplers are those the study evaluated, as its score files record them
# (`results/scores/sample_quality/*.json`, each row's `settings.sampler`): the prior N(0, I), a
# Gaussian fitted to the training codes, a Gaussian mixture per k of `evaluation.mixture_components`
# and a kernel density estimate per bandwidth of `evaluation.kde_bandwidths`. `run.sample` draws what
# the evaluation drew with the same seed; beside each, the share of valid samples the evaluation
# measured.

# %%
validity, seed = {}, 0
for path in sorted((RESULTS / "scores" / "sample_quality").glob("*.json")):
    for section in json.loads(path.read_text())["runs"]:
        for row in section["rows"]:
            sampler, seed = row["settings"]["sampler"], row["settings"]["seed"]
            validity[section["run"], sampler] = row["scores"]["validity"]
samplers = list(dict.fromkeys(sampler for _, sampler in validity)) or ["prior", "fitted_gaussian"]
print(f"samplers: {', '.join(samplers)}")

rows = {}
for run in examples:
    for sampler in samplers:
        drawn = run.sample(N, sampler=sampler, seed=seed)
        valid = validity.get((run.name, sampler), float("nan"))
        rows[f"{run.name}\n{sampler}: {valid:.0%} valid"] = drawn
        print(f"samples {run.name} {sampler}: {drawn.shape}, evaluated validity {valid:.3f}")
samples = image_rows(rows, "Samples of each sampler", "samples")

# %% [markdown]
# ## A latent traversal
#
# Each row varies one latent dimension from its 2nd to its 98th percentile over the test codes,
# the other dimensions held at their median. A dimension that changes one factor alone (position,
# size or shape) is what MIG rewards.

# %%
rows = {}
for run in examples:
    codes = run.encode(test_images)
    low, centre, high = np.percentile(codes, [2, 50, 98], axis=0)
    for dim in range(run.config.latent_dim):
        z = np.tile(centre, (STEPS, 1)).astype(np.float32)
        z[:, dim] = np.linspace(low[dim], high[dim], STEPS)
        rows[f"{run.name} z{dim + 1}"] = run.decode(z)
    print(f"traversal {run.name}: {run.config.latent_dim} rows of {rows[f'{run.name} z1'].shape}")
traversal = image_rows(rows, "Latent traversals", "traversal")
