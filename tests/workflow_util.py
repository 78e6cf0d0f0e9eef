"""Running the real workflow on a tiny study in a temporary copy of the project."""

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

TINY = {
    "data": {
        "canvas": 12,
        "shapes": ["square", "circle"],
        "size_min": 4,
        "size_max": 7,
        "splits": {"train": 0.8, "validation": 0.1, "test": 0.1},
        "seed": 0,
    },
    "sweep": {
        "ae": {"arch": ["mlp"], "latent_dim": [2], "seed": [0, 1]},
        "vae": {"arch": ["mlp"], "latent_dim": [2], "beta": [1.0], "seed": [0]},
    },
    "training": {"epochs": 3, "batch_size": 32, "learning_rate": 0.001, "reconstruction": "mse"},
    "evaluation": {
        "pixel_threshold": 0.5,
        "samples": 500,
        "validity_iou": 0.9,
        "prdc_k": 5,
        "sigmas": [0.1, 1.0],
        "active_threshold": 0.01,
        "mi_bins": 20,
        "seed": 0,
    },
    "figures": {"latent_dim": 2, "examples": 4, "sigma": 0.1},
}


def tiny_config(**changes) -> dict:
    """The tiny study with some sections replaced, e.g. tiny_config(sweep={...})."""
    config = copy.deepcopy(TINY)
    config.update(copy.deepcopy(changes))
    return config


def make_project(directory: Path, config: dict) -> Path:
    """A copy of the workflow and package sources with `config` as its config.yaml.

    The copy's src/ is what the rules fingerprint, so editing it stands for editing the package.
    """
    for part in ("Snakefile", "workflow", "scripts", "src"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, directory / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, directory / part)
    write_config(directory, config)
    return directory


def write_config(directory: Path, config: dict) -> None:
    (directory / "config.yaml").write_text(yaml.safe_dump(config))


def snakemake(directory: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run snakemake in `directory`; the output is in .stdout (stderr merged)."""
    result = subprocess.run(
        [SNAKEMAKE, "--cores", "2", *arguments],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(arguments)} failed:\n{result.stdout[-5000:]}")
    return result


def planned_jobs(directory: Path) -> dict[str, int]:
    """Jobs a dry run would execute, by rule: the 'Job stats' table of `snakemake -n`."""
    output = snakemake(directory, "--dry-run").stdout
    if "Nothing to be done" in output:
        return {}
    table = output.split("Job stats:", 1)[1].split("total", 1)[0]
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)\s*$", table, re.M) if rule != "job"}


def planned_outputs(directory: Path) -> set[str]:
    """Wildcards of every job a dry run would execute, as 'rule:point=...' strings."""
    output = snakemake(directory, "--dry-run").stdout
    jobs = set()
    for block in output.split("\nrule ")[1:]:
        rule = block.split(":", 1)[0].strip()
        match = re.search(r"wildcards: (.*)", block)
        jobs.add(f"{rule}:{match.group(1).strip()}" if match else rule)
    return jobs
