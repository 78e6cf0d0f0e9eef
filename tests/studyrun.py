"""The real workflow on a tiny study, run by Snakemake in a temporary folder (robustness tests).

Every run uses a snapshot of the project (Snakefile, workflow/, scripts/, src/, profiles/,
config.yaml) copied once per test session, with PYTHONPATH pointing at the snapshot's src/: the
jobs import exactly the code whose hash the rules carry, and edits made to the working tree while
the tests run do not reach them. The snapshot keeps profiles/default, so Snakemake runs with the
project's own default profile (rerun-incomplete, keep-going false, ...), as a user's run does.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
PROJECT_PARTS = ("Snakefile", "config.yaml", "workflow", "scripts", "src", "profiles")
EPOCHS = 80  # enough for a kill between the first checkpoint (epoch 5) and the end
TABLE_FILES = [f"results/tables/reconstruction.{ext}" for ext in ("csv", "md", "tex")]
AE_POINT, VAE_POINT = "ae-mlp-z2", "vae-mlp-z2-b1"  # one job trains (evaluates) each
AE_RUN, VAE_RUN = f"{AE_POINT}-s0", f"{VAE_POINT}-s0"
PROFILE_NOTICE = "Using workflow specific profile"

_session_dir: Path | None = None
_snapshot: Path | None = None
_studies: dict[str, Path] = {}


def session_dir() -> Path:
    global _session_dir
    if _session_dir is None:
        _session_dir = Path(tempfile.mkdtemp(prefix="shapestudy-robustness-"))
        import atexit

        atexit.register(shutil.rmtree, _session_dir, ignore_errors=True)
    return _session_dir


def snapshot() -> Path:
    """The project as it was when the first test needed it."""
    global _snapshot
    if _snapshot is None:
        _snapshot = copy_project(session_dir() / "project")
    return _snapshot


def copy_project(destination: Path, source: Path | None = None) -> Path:
    source = source or ROOT
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache")
    destination.mkdir(parents=True)
    for part in PROJECT_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, destination / part, ignore=ignore)
        elif (source / part).exists():
            shutil.copy2(source / part, destination / part)
    return destination


def deep_update(base: dict, changes: dict) -> dict:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_update(base[key], value)
        else:
            base[key] = value
    return base


def tiny_config(**changes) -> dict:
    """The project's config.yaml shrunk to a study of seconds: 12x12 squares of sizes 3..6 (294
    images), one AE and one VAE with a 2-d latent, EPOCHS epochs; `changes` are merged in."""
    config = yaml.safe_load((snapshot() / "config.yaml").read_text())
    deep_update(
        config,
        {
            "data": {"canvas": 12, "shapes": ["square"], "size_min": 3, "size_max": 6, "seed": 0,
                     "splits": {"train": 0.8, "validation": 0.1, "test": 0.1}},
            "training": {"epochs": EPOCHS, "batch_size": 32, "learning_rate": 0.001, "checkpoint_every": 5},
            "figures": {"latent_dim": 2, "examples": 4},
        },
    )
    config["sweep"] = {
        "ae": {"arch": ["mlp"], "latent_dim": [2], "seed": [0]},
        "vae": {"arch": ["mlp"], "latent_dim": [2], "beta": [1.0], "seed": [0]},
    }
    if "samples" in config.get("evaluation", {}):
        config["evaluation"]["samples"] = 200
    return deep_update(config, copy.deepcopy(changes))


def write_config(directory: Path, config, name: str = "tiny.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False))
    return path


def environment() -> dict:
    env = dict(os.environ, PYTHONPATH=str(snapshot() / "src"))
    env.pop("SHAPESTUDY_TRACEBACK", None)
    return env


def command(workdir: Path, *args, configfile: str | None = "tiny.yaml", project: Path | None = None) -> list[str]:
    project = project or snapshot()
    # Targets and options first: --configfile takes every word that follows it.
    cmd = [str(SNAKEMAKE), *map(str, args), "-s", str(project / "Snakefile"), "-d", str(workdir), "--cores", "2"]
    return cmd + (["--configfile", configfile] if configfile is not None else [])


def snakemake(workdir: Path, *args, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run Snakemake in `workdir` (relative --configfile paths are read from there)."""
    return subprocess.run(
        command(workdir, *args, **kwargs), cwd=workdir, env=environment(), capture_output=True,
        text=True, timeout=timeout,
    )


def message_lines(result: subprocess.CompletedProcess) -> list[str]:
    """What Snakemake printed, without the notice that it uses the workflow's default profile."""
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if line.strip() and not line.startswith(PROFILE_NOTICE)]


def files_under(directory: Path) -> set[str]:
    """Every file below `directory`, except Snakemake's own bookkeeping and the config files."""
    return {
        str(p.relative_to(directory))
        for p in directory.rglob("*")
        if p.is_file() and ".snakemake" not in p.parts and p.suffix not in (".yaml", ".out")
    }


def study(name: str) -> Path:
    """A tiny study run from scratch to its tables (both trainings at once: --cores 2), once per
    session and name; the robustness tests read it and copy it, never change it."""
    if name not in _studies:
        workdir = session_dir() / f"study-{name}"
        write_config(workdir, tiny_config())
        result = snakemake(workdir, *TABLE_FILES)
        (workdir / "snakemake.out").write_text(result.stdout + result.stderr)
        assert result.returncode == 0, result.stdout + result.stderr
        _studies[name] = workdir
    return _studies[name]


def copy_run(source: Path, destination: Path) -> Path:
    """A copy of a study's folder (results, logs, Snakemake's metadata), file times kept."""
    shutil.copytree(source, destination, symlinks=True)
    return destination


def study_runs() -> dict[str, dict]:
    """The training configurations of the tiny study, as the rule's params give them."""
    from shapestudy import config as study_config

    return study_config.runs(tiny_config())


def planned_jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """Jobs per rule from the "Job stats" table of a dry run ({} when there is nothing to do)."""
    lines = (result.stdout + result.stderr).splitlines()
    if "Job stats:" not in lines:
        return {}
    jobs = {}
    for line in lines[lines.index("Job stats:") + 3 :]:
        rule, count = line.split()
        if rule == "total":
            break
        jobs[rule] = int(count)
    return jobs
