"""Helpers of the tests: the study configs of tests/configs/ and the real workflow run by Snakemake
in a temporary folder (the studies themselves are fixtures: tests/workflow/conftest.py).

Every run uses a snapshot of the project (Snakefile, config.yaml, configs/, workflow/, scripts/, src/,
profiles/) copied once per test session, with PYTHONPATH pointing at the snapshot's src/: the jobs
import exactly the code whose hash the rules carry, and edits made to the working tree while the
tests run do not reach them. The snapshot keeps profiles/default, so Snakemake runs with the
project's own default profile (rerun-incomplete, keep-going false, ...), as a user's run does.

A study's folder holds its config.yaml, which the Snakefile reads from the working directory, and
what the workflow writes; a study whose sources a test edits holds its own copy of the project
too (`make_project`), and runs on that copy.
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
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
PROJECT_PARTS = ("Snakefile", "config.yaml", "configs", "workflow", "scripts", "src", "profiles")
CONFIG = "config.yaml"  # the file the Snakefile's configfile directive reads
EPOCHS = 80  # SQUARES: enough for a kill between the first checkpoint (epoch 5) and the end
TABLE_FILES = [f"results/tables/reconstruction.{ext}" for ext in ("csv", "md", "tex", "html")]
AE_POINT, VAE_POINT = "ae-mlp-mse-z2", "vae-mlp-mse-z2-b1"  # one job trains each
AE_RUN, VAE_RUN = f"{AE_POINT}-s0", f"{VAE_POINT}-s0"
PROFILE_NOTICE = "Using workflow specific profile"

CONFIGS = Path(__file__).resolve().parent / "configs"
# The tiny study (tests/configs/tiny.yaml): every output of the workflow in little time. The squares
# study (tests/configs/squares.yaml): trainings long enough to kill and resume.
TINY, SQUARES = "tiny", "squares"

_session_dir: Path | None = None
_snapshot: Path | None = None


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


def config_of(name: str, **changes) -> dict:
    """The study config tests/configs/{name}.yaml with `changes` merged in, e.g.
    config_of(SQUARES, training={"learning_rate": 1e4})."""
    config = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())
    return deep_update(config, changes)


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
    """The resources Snakemake printed for each job of a run or dry run, by (rule, point) for a
    training, (rule, group) for an evaluation, (rule, None) for a job with neither (generate_data)."""
    jobs = {}
    for block in output(result).split("\nrule ")[1:]:
        rule = block.split(":", 1)[0]
        point = re.search(r"wildcards: (?:point|group)=(\S+)", block)
        resources = re.search(r"resources: (.*)", block)
        if resources:
            jobs[rule, point.group(1) if point else None] = dict(re.findall(r"(\w+)=([^,]+)", resources.group(1)))
    return jobs


def planned_outputs(result: subprocess.CompletedProcess) -> set[str]:
    """Wildcards of every job of a dry run, as 'rule:point=...' (a training) or 'rule:group=...' (an
    evaluation) strings, the rule alone if none."""
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


def run_study(workdir: Path, config: dict, *targets) -> Path:
    """A study run from scratch in `workdir` (both cores: --cores 2), with Snakemake's output kept
    in `snakemake.out`; fails the calling test if the run fails."""
    write_config(workdir, config)
    result = snakemake(workdir, *targets)
    (workdir / "snakemake.out").write_text(output(result))
    assert result.returncode == 0, output(result)[-5000:]
    return workdir


def copy_run(source: Path, destination: Path) -> Path:
    """A copy of a study's folder (results, logs, Snakemake's metadata), file times kept."""
    shutil.copytree(source, destination, symlinks=True)
    return destination


def study_runs(name: str) -> dict[str, dict]:
    """The training configurations of a study config, as the rule's params give them."""
    from shapestudy import config as study_config_module

    return study_config_module.runs(study_config_module.validate(config_of(name)))


def compile_latex(directory: Path, body: str) -> str:
    """Set `body` in the report's own format, an IEEE conference paper in two columns (IEEEtran,
    Debian's texlive-publishers, installed by `bash setup.sh --tests`), with pdflatex, twice so that
    references resolve. Fails the calling test on a LaTeX error, an overfull box wider than 5 pt,
    an undefined reference or a label defined twice; returns the log."""
    from shapestudy.reporting import formats

    pdflatex = shutil.which("pdflatex")
    assert pdflatex, "pdflatex is needed: run `bash setup.sh --tests`"
    packages = ",".join(formats.LATEX_PACKAGES)
    (directory / "main.tex").write_text(f"\\documentclass[conference]{{IEEEtran}}\n\\usepackage{{{packages}}}\n"
                                        f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    for _ in range(2):
        result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "main.tex"], cwd=directory,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and (directory / "main.pdf").stat().st_size > 0, result.stdout[-3000:]
    log = (directory / "main.log").read_text(errors="replace")
    overfull = [float(points) for points in re.findall(r"Overfull \\[hv]box \((\d+\.?\d*)pt too", log)]
    assert max(overfull, default=0.0) <= 5.0, f"overfull boxes (pt): {overfull}"
    assert not re.search(r"undefined references|Reference `[^']*' on page .* undefined|multiply[- ]defined", log), \
        [line for line in log.splitlines() if "undefined" in line or "multiply" in line]
    return log


def imports_of(script: Path, *modules: str) -> dict[str, str | None]:
    """Every module a fresh interpreter holds after running the script's imports (and importing
    the named modules), with its file: what a job of the rule really loads."""
    program = textwrap.dedent(f"""
        import ast, importlib, json, sys
        tree = ast.parse(open({str(script)!r}).read())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                exec(compile(ast.Module([node], []), {str(script)!r}, "exec"), {{}})
        for name in {list(modules)!r}:
            importlib.import_module(name)
        print(json.dumps({{name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}}))
    """)
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(ROOT / "src"), "JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"})
    return json.loads(result.stdout)


def package_files_loaded(script: Path, *modules: str) -> set[Path]:
    loaded = imports_of(script, *modules)
    return {Path(file).resolve() for name, file in loaded.items() if name.split(".")[0] == "shapestudy" and file}
