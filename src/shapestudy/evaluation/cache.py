"""Each run's scores, kept so that an evaluation job reuses them while nothing that produced them
changed: the run's parameters (their bytes), its training configuration, the metric, its settings,
the code that scores (the rule's code fingerprint) and the library versions.

An evaluation job scores every run of one latent size and writes one score file; Snakemake reruns
the job whenever one of its runs changes (a seed or a configuration added, a run continued after the
cap was raised), and deletes the job's outputs first. The cache, results/scores/{metric}/cache/{run}.json
(and .npz for a metric's arrays), is not an output, so it survives, and the job scores only the runs
whose key changed. A cache entry is written atomically; an unreadable or foreign one is ignored.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from shapestudy.files import write_atomic, write_json


def key(params_path, config: dict, identity: dict) -> str:
    """What the run's scores depend on, as one hash."""
    digest = hashlib.sha256(Path(params_path).read_bytes())
    digest.update(json.dumps({"config": config, **identity}, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class ScoreCache:
    def __init__(self, directory):
        self.directory = Path(directory)

    def _paths(self, run: str) -> tuple[Path, Path]:
        return self.directory / f"{run}.json", self.directory / f"{run}.npz"

    def load(self, run: str, run_key: str) -> tuple[dict, dict] | None:
        """(arrays, what the metric scored) of the run under this key, or None."""
        section_path, arrays_path = self._paths(run)
        try:
            entry = json.loads(section_path.read_text())
            if entry["key"] != run_key:
                return None
            arrays = {}
            if entry["arrays"]:
                with np.load(arrays_path) as stored:
                    arrays = {name: stored[name] for name in stored.files}
            return arrays, entry["scored"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, run: str, run_key: str, arrays: dict, scored: dict) -> None:
        section_path, arrays_path = self._paths(run)
        if arrays:
            buffer = io.BytesIO()
            np.savez_compressed(buffer, **arrays)
            write_atomic(arrays_path, buffer.getvalue())
        # The entry last: it names the key, so an entry is only ever read beside its arrays.
        write_json(section_path, {"key": run_key, "scored": scored, "arrays": bool(arrays)})
