"""Snakemake through a real single-node SLURM cluster (tests/slurm/cluster.sh).

The `slurm_cluster` fixture starts the cluster once for this module (installing SLURM with
apt-get the first time, which needs root and the package registry) and stops it afterwards.
If SLURM cannot be started the tests FAIL with the script's output: they are never skipped
silently. Deselect them with `pytest -m "not slurm"`. Set SHAPESTUDY_SLURM_KEEP=1 to leave
the cluster running after the tests (handy while iterating; `tests/slurm/cluster.sh down`
stops it).

The workflows here are small throwaway Snakefiles written into tmp_path; they check the
machinery (profile, executor plugin, cluster), not the study. Tests of the real workflow
through SLURM belong beside them as `test_slurm_<something>(slurm_cluster, tmp_path)`.
"""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slurm

ROOT = Path(__file__).resolve().parents[1]
CLUSTER_SH = ROOT / "tests" / "slurm" / "cluster.sh"
SLURM_PROFILE = ROOT / "profiles" / "slurm"
_VENV_SNAKEMAKE = ROOT / ".venv" / "bin" / "snakemake"
SNAKEMAKE = str(_VENV_SNAKEMAKE if _VENV_SNAKEMAKE.exists() else Path(sys.executable).with_name("snakemake"))


def _cluster(command: str, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CLUSTER_SH), command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def slurm_cluster():
    """A running SLURM cluster for the duration of the module; fails the tests if none starts."""
    try:
        up = _cluster("up", timeout=900)  # the first call may apt-get install SLURM
    except (OSError, subprocess.TimeoutExpired) as error:
        _cluster("down", timeout=120)
        pytest.fail(f"{CLUSTER_SH} up could not run: {error}", pytrace=False)
    if up.returncode != 0:
        down = _cluster("down", timeout=120)
        pytest.fail(
            f"{CLUSTER_SH} up failed (exit {up.returncode}):\n{up.stdout}\n{down.stdout}",
            pytrace=False,
        )
    yield
    if os.environ.get("SHAPESTUDY_SLURM_KEEP") != "1":
        _cluster("down", timeout=120)


def snakemake_slurm(directory: Path, *arguments: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run snakemake with the SLURM profile on `directory`; output in .stdout (stderr merged).

    SLURM_* variables are removed from the environment, so that a pytest that itself runs
    inside a SLURM job does not make local work look like a SLURM job.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLURM_")}
    return subprocess.run(
        [SNAKEMAKE, "--profile", str(SLURM_PROFILE), "--directory", str(directory), *arguments],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        env=env,
    )


def scontrol_job(job_id: str) -> dict[str, str]:
    """`scontrol show job` as a dict; works for MinJobAge (300 s) after the job ended."""
    text = subprocess.run(
        ["scontrol", "-o", "show", "job", job_id], capture_output=True, text=True, check=True
    ).stdout
    return dict(re.findall(r"(\w[\w:/]*)=(\S*)", text))


def _write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text).lstrip())


WORKS = """
    localrules: aggregate

    rule aggregate:
        input: expand("where/{s}.txt", s=["a", "b"]), "sized.txt"
        output: "all.txt"
        shell: "cat {input} > {output}; echo aggregate=${{SLURM_JOB_ID:-none}} >> {output}"

    rule where:
        output: "where/{s}.txt"
        shell: "echo where=$SLURM_JOB_ID host=$(hostname) > {output}"

    rule sized:
        output: "sized.txt"
        threads: 1
        resources: mem_mb=300, runtime=5
        shell: "echo sized=$SLURM_JOB_ID cpus=$SLURM_CPUS_PER_TASK > {output}"
"""

FAILS = """
    # Memory grows with the attempt: the retry (profile: retries: 1) must ask for 200 MB.
    rule fail:
        output: "never.txt"
        log: "logs/fail.log"
        resources: mem_mb=lambda wildcards, attempt: 100 * attempt
        shell: 'echo "DELIBERATE-FAILURE mem_mb={resources.mem_mb} job=$SLURM_JOB_ID" > {log}; exit 3'
"""


def test_slurm_runs_rules_as_slurm_jobs(slurm_cluster, tmp_path):
    _write(tmp_path / "Snakefile", WORKS)
    result = snakemake_slurm(tmp_path)
    assert result.returncode == 0, result.stdout[-5000:]

    ids = {}
    for name in ("where/a.txt", "where/b.txt", "sized.txt"):
        match = re.match(r"(\w+)=(\d+) ", (tmp_path / name).read_text())
        assert match, f"{name} holds no SLURM job id: {(tmp_path / name).read_text()!r}"
        ids[name] = match.group(2)
    assert len(set(ids.values())) == 3, ids  # one SLURM job per rule instance
    for name, job_id in ids.items():
        assert f"submitted with SLURM jobid {job_id} " in result.stdout
        assert scontrol_job(job_id)["JobState"] == "COMPLETED", name

    # Rule resources reach sbatch: threads -> --cpus-per-task, mem_mb -> --mem,
    # runtime (minutes) -> --time; other rules get the profile's default-resources.
    sized = scontrol_job(ids["sized.txt"])
    assert sized["NumCPUs"] == "1" and sized["MinMemoryNode"] == "300M" and sized["TimeLimit"] == "00:05:00"
    assert "cpus=1" in (tmp_path / "sized.txt").read_text()
    default = scontrol_job(ids["where/a.txt"])
    assert default["MinMemoryNode"] == "2000M" and default["TimeLimit"] == "01:00:00"

    # The localrule ran in the Snakemake process itself, not as a SLURM job.
    assert (tmp_path / "all.txt").read_text().splitlines()[-1] == "aggregate=none"


def test_slurm_failing_rule_fails_the_run_and_shows_its_log(slurm_cluster, tmp_path):
    _write(tmp_path / "Snakefile", FAILS)
    result = snakemake_slurm(tmp_path)
    assert result.returncode != 0, result.stdout[-5000:]
    assert re.search(r"SLURM-job '\d+' failed", result.stdout), result.stdout[-5000:]
    # --show-failed-logs (profile) prints the rule's log; the retry asked for more memory.
    assert re.search(r"DELIBERATE-FAILURE mem_mb=100 job=\d+", result.stdout), result.stdout[-5000:]
    assert re.search(r"DELIBERATE-FAILURE mem_mb=200 job=\d+", result.stdout), result.stdout[-5000:]
    assert not (tmp_path / "never.txt").exists()


def test_slurm_profile_dry_run_without_slurm(tmp_path):
    """The profile must not need SLURM for a dry run (e.g. on a laptop): hide sbatch & co."""
    _write(tmp_path / "Snakefile", WORKS)
    bare = tmp_path / "bin"
    bare.mkdir()
    # The plugin shells out to `which` while loading (even without SLURM), the jobs use bash.
    for tool in ("which", "bash"):
        (bare / tool).symlink_to(shutil.which(tool))
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLURM_")}
    env["PATH"] = f"{Path(SNAKEMAKE).parent}:{bare}"
    result = subprocess.run(
        [SNAKEMAKE, "--profile", str(SLURM_PROFILE), "--directory", str(tmp_path), "-n", "--jobs", "10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    assert "This was a dry-run" in result.stdout
    assert re.search(r"^total\s+4\s*$", result.stdout, re.M), result.stdout[-3000:]
