"""One evaluation job: score every trained seed of a point with one metric and write the
point's score file (a section per seed), and the arrays the metric keeps, if any. The seeds share
the job's start-up, the dataset and the compiled programs."""

from __future__ import annotations

import sys

from shapestudy.data import dataset
from shapestudy.evaluation import scores
from shapestudy.evaluation.metrics import METRICS
from shapestudy.training import artifacts


def evaluate_point(name: str, data_path, params_paths, record_paths, settings: dict, outputs: dict,
                   point: str) -> None:
    """Score the point's runs; `outputs` names the score file ("scores") and, for a metric that
    keeps arrays, their file ("arrays")."""
    metric = METRICS[name]
    shapes = dataset.load(data_path)
    sections, arrays = [], {}
    for trained in artifacts.trained_runs(params_paths, record_paths):
        result = metric.score(shapes, trained, settings)
        arrays[trained.run] = result.pop("arrays", {})
        sections.append(scores.section(trained.run, vars(trained.config), training=trained.outcome, **result))
        print(trained.run, result["rows"], file=sys.stderr)
    if metric.arrays:
        scores.write_arrays(outputs["arrays"], arrays)
    scores.write(outputs["scores"], point, sections)
