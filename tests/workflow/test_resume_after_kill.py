"""Resumable training: a job killed with SIGKILL resumes from its last checkpoint, and its final
parameters are bitwise identical to those of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import harness


def test_workflow_resumes_after_kill_9(tmp_path, squares_study):
    """The AE point trains seeds 0 and 1 in one job; killed during seed 1, the rerun restores seed 0
    from its final checkpoint and resumes seed 1 from its last one."""
    reference = squares_study / f"results/models/{harness.AE_RUN}/params.msgpack"
    harness.write_config(tmp_path, harness.config_of(harness.SQUARES, sweep={"ae": {"seed": [0, 1]}}))
    first, second = (tmp_path / f"results/models/{harness.AE_POINT}-s{seed}" for seed in (0, 1))
    target = f"results/models/{harness.AE_POINT}-s1/params.msgpack"
    process = subprocess.Popen(
        harness.command(tmp_path, target), cwd=tmp_path, env=harness.environment(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 240
    try:
        while not (second / "checkpoint.msgpack").exists():
            assert process.poll() is None, "Snakemake ended before the first checkpoint of seed 1"
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # Snakemake and its job, as a pre-emption would
        process.wait()
    log = tmp_path / f"logs/train/{harness.AE_POINT}.log"
    assert not (second / "params.msgpack").exists(), "the job ended before the kill: raise harness.EPOCHS"
    killed_at = log.read_text().splitlines()[-1]
    assert killed_at.startswith("epoch ") and not killed_at.startswith(f"epoch {harness.EPOCHS}/")

    # The killed Snakemake left its lock: a plain rerun refuses, and says how to go on.
    refused = harness.snakemake(tmp_path, target)
    assert refused.returncode != 0 and "--unlock" in refused.stdout + refused.stderr
    assert harness.snakemake(tmp_path, "--unlock").returncode == 0
    rerun = harness.snakemake(tmp_path, target, "--rerun-incomplete")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr

    resumed = [line for line in log.read_text().splitlines() if line.startswith("resuming from")]
    assert len(resumed) == 2, log.read_text()
    assert resumed[0] == f"resuming from {first.relative_to(tmp_path)}/checkpoint.msgpack after epoch {harness.EPOCHS}"
    epoch = int(resumed[1].split()[-1])
    assert 5 <= epoch < harness.EPOCHS and epoch % 5 == 0
    # Seed 0 restored, not retrained: bitwise the parameters of a job that trained it alone.
    assert (first / "params.msgpack").read_bytes() == reference.read_bytes()
    assert f'"resumed_from_epoch": {epoch}' in (second / "record.json").read_text()
    # What stays is each seed's state at the cap (the study never converges: patience = the cap), whole,
    # which a later job restores or continues with a higher cap.
    for model in (first, second):
        assert (model / "checkpoint.msgpack").stat().st_size > 3 * (model / "params.msgpack").stat().st_size
        assert not list(model.glob(".*.part"))
