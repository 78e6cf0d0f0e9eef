"""Snakemake through a real single-node SLURM cluster (tests/workflow/slurm/cluster.sh).

The `slurm_cluster` fixture starts the cluster once for this module (installing SLURM with
apt-get the first time, which needs root and the package registry) and stops it afterwards.
If SLURM cannot be started the tests FAIL with the script's output: they are never skipped
silently. Deselect them with `pytest -m "not slurm"`. Set SHAPESTUDY_SLURM_KEEP=1 to leave
the cluster running after the tests (handy while iterating; `tests/workflow/slurm/cluster.sh down`
stops it).

Most workflows here are small throwaway Snakefiles written into tmp_path; they check the
machinery (profile, executor plugin, cluster). The tiny study (tests/configs/tiny.yaml) runs
through SLURM too, and beside a local run of it, in one test of about three minutes.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from harness import (
    ROOT,
    TINY,
    config_of,
    environment,
    make_project,
    output,
    planned_jobs,
    planned_resources,
    snakemake,
    snapshot,
)

pytestmark = pytest.mark.slurm

CLUSTER_SH = ROOT / "tests" / "workflow" / "slurm" / "cluster.sh"
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


def snakemake_slurm(
    directory: Path, *arguments: str, timeout: int = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run snakemake with the SLURM profile on `directory`; output in .stdout (stderr merged).

    SLURM_* variables are removed from `env` (default: this process's environment), so that a
    pytest that itself runs inside a SLURM job does not make local work look like a SLURM job
    (sbatch passes the environment on to the jobs).
    """
    env = {key: value for key, value in (env or os.environ).items() if not key.startswith("SLURM_")}
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


EVALUATIONS = ("reconstruction", "sample_quality", "rate", "latents")


def _ran_on(path: Path) -> dict:
    return json.loads(path.read_text())["ran_on"]


def _point_jobs(resources: dict) -> dict:
    """The resources of the jobs of a point of the sweep (trainings) or a group (evaluations)."""
    return {job: values for job, values in resources.items() if job[1] is not None}


def test_slurm_runs_the_tiny_study_as_slurm_jobs_with_the_local_results(slurm_cluster, tmp_path):
    """The real workflow on the tiny study through profiles/slurm: every training and evaluation
    job is its own SLURM job with its rule's resources, the light rules run in the Snakemake
    process, and the tables are byte for byte those of a local run (`snakemake --cores 2` in
    another copy, run at the same time to save wall time)."""
    copies = {}
    for name in ("slurm", "local"):
        (tmp_path / name).mkdir()
        copies[name] = make_project(tmp_path / name, config_of(TINY))
    local = {}

    def run_locally():
        start = time.monotonic()
        local["result"] = snakemake(copies["local"])
        local["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=run_locally)
    thread.start()
    start = time.monotonic()
    result = snakemake_slurm(copies["slurm"], env=environment(copies["slurm"]))
    slurm_seconds = time.monotonic() - start
    thread.join()
    print(f"tiny study: {slurm_seconds:.0f} s through SLURM, {local['seconds']:.0f} s locally (concurrently)")
    assert result.returncode == 0, result.stdout[-5000:]
    assert local["result"].returncode == 0, output(local["result"])[-5000:]

    # Every training and evaluation job recorded the SLURM job it ran in (a training job per point:
    # the AE's two seeds share theirs; an evaluation job per metric and latent size: the four runs
    # of z2 share theirs), and SLURM knew it under that rule and wildcard, with the rule's resources
    # (threads, mem_mb, runtime in minutes).
    results = copies["slurm"] / "results"
    points = {"ae-mlp-mse-z2": ["ae-mlp-mse-z2-s0", "ae-mlp-mse-z2-s1"], "vae-mlp-mse-z2-b1": ["vae-mlp-mse-z2-b1-s0"],
              "vae-mlp-bce-z2-b1": ["vae-mlp-bce-z2-b1-s0"]}
    runs = sorted(path.name for path in (results / "models").iterdir())
    assert runs == sorted(sum(points.values(), []))
    jobs = {}
    for point, point_runs in points.items():
        trained = [_ran_on(results / "models" / run / "record.json") for run in point_runs]
        assert all(ran_on == trained[0] for ran_on in trained), trained
        jobs[f"train_{point.split('-')[0]}", point] = trained[0]
    for family in EVALUATIONS:
        sections = json.loads((results / "scores" / family / "z2.json").read_text())["runs"]
        assert [section["run"] for section in sections] == sum(points.values(), [])
        assert all(section["ran_on"] == sections[0]["ran_on"] for section in sections)
        jobs[f"evaluate_{family}", "z2"] = sections[0]["ran_on"]
    submitted = set(re.findall(r"submitted with SLURM jobid (\d+) ", result.stdout))
    printed = _point_jobs(planned_resources(result))
    for (rule, point), ran_on in jobs.items():
        job_id = ran_on["slurm_job_id"]
        assert job_id in submitted and ran_on["host"], (rule, point, ran_on)
        job = scontrol_job(job_id)
        assert job["JobState"] == "COMPLETED" and job["Comment"] == f"rule_{rule}_wildcards_{point}", job
        wanted = printed[rule, point]
        hours, minutes = divmod(int(wanted["runtime"]), 60)
        assert job["NumCPUs"] == "1" and job["MinMemoryNode"] == f"{wanted['mem_mb']}M", (rule, job)
        assert job["TimeLimit"] == f"{hours:02d}:{minutes:02d}:00" != "01:00:00", (rule, job)  # not the default
    assert len({ran_on["slurm_job_id"] for ran_on in jobs.values()}) == len(jobs) == 3 + len(EVALUATIONS)
    # Only generate_data went to SLURM besides them: tables, figures and `all` are local rules.
    assert len(submitted) == 4 + len(EVALUATIONS), sorted(submitted)
    assert "localrule table:" in result.stdout and "localrule all:" in result.stdout
    assert not re.search(r"^rule (table|claims|figure_\w+|experiments|all):", result.stdout, re.M)

    local_results = copies["local"] / "results"
    assert _ran_on(local_results / "models" / runs[0] / "record.json")["slurm_job_id"] is None
    tables = sorted(path.name for path in (results / "tables").glob("*.csv"))
    assert tables == sorted(path.name for path in (local_results / "tables").glob("*.csv"))
    assert len(tables) == 5, tables  # four metrics and the claims
    for name in tables:
        assert (results / "tables" / name).read_bytes() == (local_results / "tables" / name).read_bytes(), name


def _dry_run_without_slurm(directory: Path, tools: Path, *arguments: str) -> subprocess.CompletedProcess:
    """`snakemake --profile profiles/slurm -n --jobs 10 [arguments]` with sbatch & co. off the PATH."""
    tools.mkdir()
    # The plugin shells out to `which` while loading (even without SLURM), the jobs use bash.
    for tool in ("which", "bash"):
        (tools / tool).symlink_to(shutil.which(tool))
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLURM_")}
    env["PATH"] = f"{Path(SNAKEMAKE).parent}:{tools}"
    return subprocess.run(
        [SNAKEMAKE, "--profile", str(SLURM_PROFILE), "--directory", str(directory), "-n", "--jobs", "10", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=directory,
        timeout=300,
        env=env,
    )


def test_slurm_profile_dry_run_without_slurm(tmp_path):
    """The profile must not need SLURM for a dry run (e.g. on a laptop): hide sbatch & co."""
    _write(tmp_path / "Snakefile", WORKS)
    result = _dry_run_without_slurm(tmp_path, tmp_path / "bin")
    assert result.returncode == 0, result.stdout[-5000:]
    assert "This was a dry-run" in result.stdout
    assert re.search(r"^total\s+4\s*$", result.stdout, re.M), result.stdout[-3000:]


def test_slurm_profile_dry_run_of_the_study_with_the_gpu_switch(tmp_path):
    """The real workflow plans through the profile without SLURM; with training.gpu every
    training job, and only those, asks for a GPU (the plugin's `gpu` resource: sbatch --gpus)."""
    config = config_of(TINY)
    config["training"]["gpu"] = True
    (tmp_path / "study").mkdir()
    project = make_project(tmp_path / "study", config)
    result = _dry_run_without_slurm(project, tmp_path / "bin")
    assert result.returncode == 0, result.stdout[-5000:]
    assert "This was a dry-run" in result.stdout
    printed = _point_jobs(planned_resources(result))
    assert {rule for rule, _ in printed} == {"train_ae", "train_vae", *(f"evaluate_{family}" for family in EVALUATIONS)}
    for (rule, point), resources in printed.items():
        assert resources.get("gpu", "0") == ("1" if rule.startswith("train") else "0"), (rule, resources)


def test_slurm_profile_dry_run_of_the_cluster_config(tmp_path):
    """configs/cluster.yaml plans through the profile without SLURM, as docs/cluster.md (Running on a
    cluster) counts it: a job per point for each training rule, a job per latent size for each
    evaluation rule, the light rules local."""
    (tmp_path / "cluster").mkdir()
    project = snapshot()
    result = _dry_run_without_slurm(tmp_path / "cluster", tmp_path / "bin", "-s", str(project / "Snakefile"),
                                    "--configfile", str(project / "configs" / "cluster.yaml"))
    assert result.returncode == 0, result.stdout[-5000:]
    jobs = planned_jobs(result)
    # arch x likelihood x latent size (x beta; x the RAE's code weights; x the WAE's MMD weights)
    points = {"ae": 2 * 2 * 7, "vae": 2 * 2 * 7 * 5, "rae": 2 * 2 * 7 * 2, "wae": 2 * 2 * 7 * 2}
    assert {family: jobs[f"train_{family}"] for family in points} == points
    latent_sizes = 7
    assert all(jobs[f"evaluate_{family}"] == latent_sizes for family in EVALUATIONS)
    # SLURM jobs: the data, the trainings and the evaluations; the other rules are local rules
    # (tables, figures, experiments, all).
    slurm_jobs = sum(count for rule, count in jobs.items() if rule.startswith(("generate_data", "train_", "evaluate_")))
    assert slurm_jobs == 1 + sum(points.values()) + 4 * latent_sizes == 309 and sum(jobs.values()) - slurm_jobs == 17
