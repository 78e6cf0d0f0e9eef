"""The real workflow on a tiny study, run by Snakemake in a temporary folder.

Every run uses a snapshot of the project (Snakefile, config.yaml, configs/, workflow/, scripts/, src/,
profiles/) copied once per test session, with PYTHONPATH pointing at the project's src/: the jobs
import exactly the code whose hash the rules carry, and edits made to the working tree while the
tests run do not reach them. The snapshot keeps profiles/default, so Snakemake runs with the
project's own default profile (rerun-incomplete, keep-going false, ...), as a user's run does.

A study's folder holds its config.yaml, which the Snakefile reads from the working directory, and
what the workflow writes; a study whose sources a test edits holds its own copy of the project
too (`make_project`), and runs on that copy.
Imported by benchmarks/ too (copy_project): nothing here may need pytest.
"""

from __future__ import annotations

import atexit
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
PROJECT_PARTS = ("Snakefile", "config.yaml", "configs", "workflow", "scripts", "src", "profiles")
CONFIG = "config.yaml"  # the file the Snakefile's configfile directive reads
EPOCHS = 80  # SQUARES: enough for a kill between the first checkpoint (epoch 5) and the end
TABLE_FILES = [f"results/tables/reconstruction.{ext}" for ext in ("csv", "md", "tex", "html")]
AE_POINT, VAE_POINT = "ae-mlp-mse-z2", "vae-mlp-mse-z2-b1"  # one job trains (evaluates) each
AE_RUN, VAE_RUN = f"{AE_POINT}-s0", f"{VAE_POINT}-s0"
PROFILE_NOTICE = "Using workflow specific profile"

# What both tiny studies change in the project's config.yaml: 12x12 images, one MLP AE and one
# VAE with a 2-d latent, small batches, one small mixture sampler.
TINY = {
    "data": {"canvas": 12, "seed": 0, "splits": {"train": 0.8, "validation": 0.1, "test": 0.1}},
    "sweep": {
        "ae": {"arch": ["mlp"], "reconstruction": ["mse"], "latent_dim": [2], "seed": [0]},
        "vae": {"arch": ["mlp"], "reconstruction": ["mse"], "latent_dim": [2], "beta": [1.0], "seed": [0]},
    },
    "training": {"batch_size": 32, "learning_rate": 0.001},
    "evaluation": {"mixture_components": [3]},
    "figures": {"latent_dim": 2, "examples": 4},
}
# Squares and circles, 3 epochs, two AE seeds, the VAE under both likelihoods: every output of the
# workflow in little time.
SHAPES = {
    "data": {"shapes": ["square", "circle"], "size_min": 4, "size_max": 7},
    "sweep": {"ae": {"seed": [0, 1]}, "vae": {"reconstruction": ["mse", "bce"]}},
    "training": {"max_epochs": 3},
    "evaluation": {"samples": 500, "sigmas": [0.1, 1.0], "mi_bins": 20},
}
# 294 squares, EPOCHS epochs with a checkpoint every 5 and no plateau stop: trainings long enough
# to kill and resume.
SQUARES = {
    "data": {"shapes": ["square"], "size_min": 3, "size_max": 6},
    "training": {"max_epochs": EPOCHS, "patience": EPOCHS, "checkpoint_every": 5},
    "evaluation": {"samples": 200},
}

_session_dir: Path | None = None
_snapshot: Path | None = None
_studies: dict[str, Path] = {}


def session_dir() -> Path:
    global _session_dir
    if _session_dir is None:
        _session_dir = Path(tempfile.mkdtemp(prefix="shapestudy-tests-"))
        atexit.register(shutil.rmtree, _session_dir, ignore_errors=True)
    return _session_dir


def snapshot() -> Path:
    """The project as it was when the first test needed it."""
    global _snapshot
    if _snapshot is None:
        _snapshot = copy_project(session_dir() / "project")
    return _snapshot


def copy_project(destination: Path, source: Path = ROOT) -> Path:
    """The parts of the project a Snakemake run needs, without caches and build leftovers."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache")
    destination.mkdir(parents=True, exist_ok=True)
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
            base[key] = copy.deepcopy(value)
    return base


def tiny_config(preset: dict, **changes) -> dict:
    """The project's config.yaml with TINY, then `preset` (SHAPES or SQUARES), then `changes`
    merged in, e.g. tiny_config(SQUARES, training={"learning_rate": 1e4})."""
    config = yaml.safe_load((snapshot() / CONFIG).read_text())
    config["sweep"] = {}  # the tiny sweep alone, none of the default study's points
    for layer in (TINY, preset, changes):
        deep_update(config, layer)
    return config


DELETE = object()  # changed(): delete the key


def changed(config: dict, **paths) -> dict:
    """A copy of `config` with dotted keys (given with "__" for ".") set, or deleted with DELETE."""
    config = json.loads(json.dumps(config))
    for dotted, value in paths.items():
        *parents, last = dotted.split("__")
        node = config
        for key in parents:
            node = node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return config


def write_config(directory: Path, config: dict | str) -> Path:
    """`config` (a dict, or the file's text) as the study's config.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CONFIG
    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False))
    return path


def make_project(directory: Path, config: dict) -> Path:
    """A study folder with its own copy of the project, whose sources a test may edit."""
    copy_project(directory, snapshot())
    write_config(directory, config)
    return directory


def environment(project: Path | None = None, before: Path | None = None) -> dict:
    """The environment of a Snakemake run on `project` (default: the snapshot) and its jobs; a
    folder `before` goes first on PYTHONPATH (e.g. one with a sitecustomize.py)."""
    # A fixed string-hash seed: one less way for two runs to differ (e.g. the order of job sets).
    path = os.pathsep.join(str(p) for p in (before, (project or snapshot()) / "src") if p)
    env = dict(os.environ, PYTHONPATH=path, PYTHONHASHSEED="0")
    env.pop("SHAPESTUDY_TRACEBACK", None)
    return env


def project_of(workdir: Path, project: Path | None = None) -> Path:
    """The project a study runs on: the one given, its own copy, or the snapshot."""
    return project or (workdir if (workdir / "Snakefile").exists() else snapshot())


def command(workdir: Path, *args, configfile: str | None = None, project: Path | None = None) -> list[str]:
    project = project_of(workdir, project)
    # Targets and options first: --configfile takes every word that follows it.
    cmd = [str(SNAKEMAKE), *map(str, args), "-s", str(project / "Snakefile"), "-d", str(workdir), "--cores", "2"]
    return cmd + (["--configfile", configfile] if configfile is not None else [])


def snakemake(workdir: Path, *args, configfile: str | None = None, project: Path | None = None,
              timeout: float = 600, check: bool = False, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    """Run Snakemake in `workdir` (relative --configfile paths are read from there); with
    `check`, a failed run fails the test with Snakemake's last words; `pythonpath`: see environment."""
    project = project_of(workdir, project)
    result = subprocess.run(
        command(workdir, *args, configfile=configfile, project=project), cwd=workdir,
        env=environment(project, pythonpath), capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(map(str, args))} failed:\n{output(result)[-5000:]}")
    return result


def dry_run(workdir: Path, *args, **kwargs) -> subprocess.CompletedProcess:
    return snakemake(workdir, "--dry-run", *args, check=True, **kwargs)


def output(result: subprocess.CompletedProcess) -> str:
    return (result.stdout or "") + (result.stderr or "")  # stderr is None where it went to stdout


def message_lines(result: subprocess.CompletedProcess) -> list[str]:
    """What Snakemake printed, without the notice that it uses the workflow's default profile."""
    return [line for line in output(result).splitlines() if line.strip() and not line.startswith(PROFILE_NOTICE)]


def planned_jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """Jobs per rule from the "Job stats" table of a dry run ({} when there is nothing to do)."""
    text = output(result)
    if "Job stats:" not in text:
        return {}
    table = text.split("Job stats:", 1)[1].split("total", 1)[0]
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)\s*$", table, re.M) if rule != "job"}


def planned_resources(result: subprocess.CompletedProcess) -> dict[tuple[str, str | None], dict[str, str]]:
    """The resources Snakemake printed for each job of a run or dry run, by (rule, point), the
    point None for a job without one (generate_data)."""
    jobs = {}
    for block in output(result).split("\nrule ")[1:]:
        rule = block.split(":", 1)[0]
        point = re.search(r"wildcards: point=(\S+)", block)
        resources = re.search(r"resources: (.*)", block)
        if resources:
            jobs[rule, point.group(1) if point else None] = dict(re.findall(r"(\w+)=([^,]+)", resources.group(1)))
    return jobs


def planned_outputs(result: subprocess.CompletedProcess) -> set[str]:
    """Wildcards of every job of a dry run, as 'rule:point=...' strings (the rule alone if none)."""
    jobs = set()
    for block in output(result).split("\nrule ")[1:]:
        rule = block.split(":", 1)[0].strip()
        match = re.search(r"wildcards: (.*)", block)
        jobs.add(f"{rule}:{match.group(1).strip()}" if match else rule)
    return jobs


def files_under(directory: Path) -> set[str]:
    """Every file below `directory`, except Snakemake's own bookkeeping and the config files."""
    return {
        str(p.relative_to(directory))
        for p in directory.rglob("*")
        if p.is_file() and ".snakemake" not in p.parts and p.suffix not in (".yaml", ".out")
    }


def study(name: str) -> Path:
    """The SQUARES study run from scratch to its tables (both trainings at once: --cores 2),
    once per session and name; the tests read it and copy it, never change it."""
    if name not in _studies:
        workdir = session_dir() / f"study-{name}"
        write_config(workdir, tiny_config(SQUARES))
        result = snakemake(workdir, *TABLE_FILES)
        (workdir / "snakemake.out").write_text(output(result))
        assert result.returncode == 0, output(result)
        _studies[name] = workdir
    return _studies[name]


def copy_run(source: Path, destination: Path) -> Path:
    """A copy of a study's folder (results, logs, Snakemake's metadata), file times kept."""
    shutil.copytree(source, destination, symlinks=True)
    return destination


def study_runs() -> dict[str, dict]:
    """The training configurations of the SQUARES study, as the rule's params give them."""
    from shapestudy import config as study_config

    return study_config.runs(tiny_config(SQUARES))
