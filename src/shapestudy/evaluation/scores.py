"""Score files: one per metric and latent size, with a section per run (every configuration and
seed of that size).

    {"runs": [{"run": id, "config": {training configuration}, "ran_on": {...},
               "rows": [{"settings": {...}, "scores": {...}}], ...}]}

"settings" holds everything that produced the scores besides the configuration (estimator
settings, sample sizes, noise level, sampler, ...); "scores" holds the numbers. A section also
says how the run's training ended ("training": epochs run, best epoch, stop reason, converged),
and may hold small arrays kept for figures beside its rows (not aggregated). Larger arrays (a
metric's `arrays`: decoded samples) go to an .npz file beside the score file, one entry per run and
name, "{run}/{name}".
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from shapestudy.files import where_it_ran, write_atomic, write_json


def row(settings: dict, scores: dict) -> dict:
    return {"settings": settings, "scores": scores}


def section(run: str, config: dict, rows: list[dict], **extra) -> dict:
    """One run's section of a score file; `extra` holds arrays kept for figures."""
    return {"run": run, "config": config, "rows": rows, "ran_on": where_it_ran(), **extra}


def write(path, sections: list[dict]) -> None:
    write_json(path, {"runs": sections})


def read(path) -> dict:
    try:
        content = json.loads(Path(path).read_text())
        if not isinstance(content["runs"], list):
            raise ValueError("'runs' is not a list")
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a readable score file ({type(error).__name__}: {error})") from None
    return content


def run_section(paths, run: str) -> tuple[Path, dict]:
    """The score file among `paths` that holds a run, and the run's section in it."""
    for path in paths:
        for found in read(path)["runs"]:
            if found["run"] == run:
                return Path(path), found
    raise ValueError(f"{', '.join(map(str, paths))}: no scores of run {run}")


def arrays_path(scores_path) -> Path:
    """The array file beside a score file (a metric's `arrays`)."""
    return Path(scores_path).with_suffix(".npz")


def write_arrays(path, arrays: dict[str, dict[str, np.ndarray]]) -> None:
    """Each run's named arrays ({run: {name: array}}), compressed, in one .npz file."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{f"{run}/{name}": array for run, named in arrays.items() for name, array in named.items()})
    write_atomic(path, buffer.getvalue())


def read_arrays(path, run: str) -> dict[str, np.ndarray]:
    """One run's named arrays from an .npz file of write_arrays."""
    try:
        with np.load(path) as stored:
            found = {key.removeprefix(f"{run}/"): stored[key] for key in stored.files if key.startswith(f"{run}/")}
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a readable array file ({error})") from None
    if not found:
        raise ValueError(f"{path}: no arrays of run {run}")
    return found
