"""One evaluation job: score every trained seed of a point with one metric family and write the
point's score file (a section per seed). The seeds share the job's start-up, the dataset and the
compiled programs."""

from __future__ import annotations

import sys

from shapestudy import artifacts, data, scores
from shapestudy.evaluation.metrics import METRICS


def evaluate_point(family: str, data_path, params_paths, record_paths, settings: dict, output, point: str) -> None:
    metric = METRICS[family]
    dataset = data.load(data_path)
    sections = []
    for trained in artifacts.trained_runs(params_paths, record_paths):
        result = metric.score(dataset, trained, settings)
        sections.append(scores.section(trained.run, vars(trained.config), training=trained.outcome, **result))
        print(trained.run, result["rows"], file=sys.stderr)
    scores.write(output, point, sections)
