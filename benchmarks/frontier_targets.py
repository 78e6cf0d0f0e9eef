"""Issue 27's target on a finished study with a bandwidth sweep (configs/families.yaml): does some
model's sampler reach validity >= 0.70 at novelty >= 0.08? Per model (configuration, mean over
seeds): the best validity among its samplers at novelty >= 0.08, the most novelty among those at
validity >= 0.70, its ceiling (validity of its reconstructions of training images) and where its
kernel-density frontier crosses novelty 0.08 (not a pass/fail test).

    .venv/bin/python benchmarks/frontier_targets.py --study families

Prints Markdown for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from shapestudy import families
from shapestudy.reporting import formats, frontier

VALIDITY, NOVELTY = 0.70, 0.08


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, required=True)
    args = parser.parse_args(argv)
    tables = args.study / "results" / "tables"
    samples = pd.read_csv(tables / "sample_quality.csv")
    reconstruction = pd.read_csv(tables / "reconstruction.csv")
    keys = [k for k in families.POINT_KEYS if k in samples]
    samples = samples.merge(reconstruction[[*keys, "train_validity_mean"]], on=keys)
    rows = []
    for _, model in samples.groupby(keys, sort=False):
        novel = model[model["novelty_mean"] >= NOVELTY]
        valid = model[model["validity_mean"] >= VALIDITY]
        best = novel.loc[novel["validity_mean"].idxmax()] if len(novel) else None
        curve = frontier.curve(model)
        at = frontier.validity_at(curve["novelty_mean"].to_numpy(float), curve["validity_mean"].to_numpy(float), NOVELTY)
        rows.append((families.label(model.iloc[0]),
                     f"{best['validity_mean']:.3f} ({best['sampler']}, novelty {best['novelty_mean']:.3f})"
                     if best is not None else "none",
                     f"{valid['novelty_mean'].max():.3f}" if len(valid) else "none",
                     f"{at:.3f}", f"{model['train_validity_mean'].iloc[0]:.3f}"))
    columns = ["model", f"best validity at novelty >= {NOVELTY:g} (sampler)",
               f"most novelty at validity >= {VALIDITY:g}", f"frontier at novelty {NOVELTY:g}", "ceiling"]
    print("\n".join(formats.markdown_table(columns, rows)))


if __name__ == "__main__":
    main()
