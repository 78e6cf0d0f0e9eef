"""One evaluation job: score every trained run of one latent size with one metric and write its
score file (a section per run), and the arrays the metric keeps, if any. The runs share the job's
start-up, the dataset and the metric's compiled code, and the runs of a configuration its compiled
programs; a run whose parameters and scoring settings did not change since it was last scored
takes its scores from the cache (cache.py) instead."""

from __future__ import annotations

import sys
from pathlib import Path

from shapestudy import files
from shapestudy.data import dataset
from shapestudy.evaluation import scores
from shapestudy.evaluation.cache import ScoreCache, key
from shapestudy.evaluation.metrics import METRICS
from shapestudy.training import artifacts


def evaluate_runs(name: str, data_path, params_paths, record_paths, settings: dict, outputs: dict, code: str) -> None:
    """Score the runs; `outputs` names the score file ("scores") and, for a metric that keeps
    arrays, their file ("arrays"); `code` is the rule's code fingerprint."""
    metric = METRICS[name]
    cache = ScoreCache(Path(outputs["scores"]).parent / "cache")
    identity = {"metric": name, "settings": settings, "code": code, "versions": files.package_versions()}
    shapes, sections, arrays = None, [], {}
    for params_path, record_path in zip(params_paths, record_paths):
        run = Path(params_path).parent.name
        record = artifacts.read_record(record_path)
        # The cap is left out: a run restored or continued to the same parameters scores the same.
        config = {field: value for field, value in record["config"].items() if field != "max_epochs"}
        run_key = key(params_path, config, identity)
        cached = cache.load(run, run_key)
        if cached is None:
            shapes = shapes or dataset.load(data_path)  # only a job with a seed to score reads the dataset
            result = metric.score(shapes, artifacts.load_trained(params_path, record_path), settings)
            cached = result.pop("arrays", {}), {**result, "ran_on": files.where_it_ran()}
            cache.save(run, run_key, *cached)
            print(f"{run}: scored {result['rows']}", file=sys.stderr)
        else:
            print(f"{run}: scores reused (its parameters and scoring settings are unchanged)", file=sys.stderr)
        arrays[run], scored = cached
        sections.append({"run": run, "config": record["config"], **scored, "training": artifacts.outcome(record)})
    if metric.arrays:
        scores.write_arrays(outputs["arrays"], arrays)
    scores.write(outputs["scores"], sections)
