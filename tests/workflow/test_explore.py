"""The exploration notebook (docs/explore.py), run as a plain script on the finished tiny study:
it loads the runs through shapestudy.runs, and makes and saves its figures from real arrays."""

import json
import os
import re
import subprocess
import sys

import matplotlib.image
from harness import ROOT, TINY, config_of

NOTEBOOK = ROOT / "docs" / "explore.py"
FIGURES = ("reconstructions", "samples", "traversal")


def test_the_notebook_runs_on_a_finished_study(tiny_study, tmp_path):
    config = config_of(TINY)
    canvas = config["data"]["canvas"]
    samplers = ["prior", "fitted_gaussian", *(f"gmm{k}" for k in config["evaluation"]["mixture_components"])]
    results = tiny_study / "results"
    env = dict(os.environ, SHAPESTUDY_RESULTS=str(results), SHAPESTUDY_FIGURES=str(tmp_path / "figures"),
               MPLBACKEND="Agg")
    env.pop("SHAPESTUDY_RUNS", None)
    done = subprocess.run([sys.executable, str(NOTEBOOK)], cwd=tiny_study, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    printed = done.stdout

    # One run per model family of the study, each a trained run of it.
    shown = re.search(r"shown: (.*)", printed).group(1).split(", ")
    models = {json.loads((results / "models" / run / "record.json").read_text())["config"]["model"] for run in shown}
    assert models == set(config["sweep"]) and len(shown) == len(models)

    for run in shown:
        # Reconstructions of the first 8 test images, with a real error per pixel (pixels in [0, 1]).
        found = re.search(rf"reconstructions {run}: \(8, {canvas}, {canvas}\), mean squared error per pixel (\S+)",
                          printed)
        assert found and 0 <= float(found.group(1)) < 1, printed
        # Every sampler the evaluation recorded, with the validity it measured.
        for sampler in samplers:
            found = re.search(rf"samples {run} {sampler}: \(8, {canvas}, {canvas}\), evaluated validity (\S+)", printed)
            assert found and 0 <= float(found.group(1)) <= 1, printed
        # One traversal row per latent dimension.
        latent_dim = json.loads((results / "models" / run / "record.json").read_text())["config"]["latent_dim"]
        assert f"traversal {run}: {latent_dim} rows of (7, {canvas}, {canvas})" in printed
    assert f"samplers: {', '.join(samplers)}" in printed

    for name in FIGURES:
        image = matplotlib.image.imread(tmp_path / "figures" / f"{name}.png")
        # A drawn figure: shapes on a background, not a blank canvas.
        assert image.shape[0] > 50 and image.shape[1] > 50 and image[..., :3].std() > 0.05, name
