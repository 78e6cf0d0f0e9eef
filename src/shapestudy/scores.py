"""Score files: one per point of the sweep and metric family, with a section per run (seed).

    {"point": id, "runs": [{"run": id, "config": {training configuration}, "ran_on": {...},
                            "rows": [{"settings": {...}, "scores": {...}}], ...}]}

"settings" holds everything that produced the scores besides the configuration (estimator
settings, sample sizes, noise level, sampler, ...); "scores" holds the numbers. A section also
says how the run's training ended ("training": epochs run, best epoch, stop reason, converged),
and may hold arrays kept for figures beside its rows (not aggregated).
"""

from __future__ import annotations

import json
from pathlib import Path

from shapestudy.files import where_it_ran, write_json


def row(settings: dict, scores: dict) -> dict:
    return {"settings": settings, "scores": scores}


def section(run: str, config: dict, rows: list[dict], **extra) -> dict:
    """One run's section of a score file; `extra` holds arrays kept for figures."""
    return {"run": run, "config": config, "rows": rows, "ran_on": where_it_ran(), **extra}


def write(path, point: str, sections: list[dict]) -> None:
    write_json(path, {"point": point, "runs": sections})


def read(path) -> dict:
    try:
        content = json.loads(Path(path).read_text())
        if not isinstance(content["runs"], list):
            raise ValueError("'runs' is not a list")
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a readable score file ({type(error).__name__}: {error})") from None
    return content


def run_section(paths, run: str) -> dict:
    """The section of one run in the given score files."""
    for path in paths:
        for found in read(path)["runs"]:
            if found["run"] == run:
                return found
    raise ValueError(f"{', '.join(map(str, paths))}: no scores of run {run}")
