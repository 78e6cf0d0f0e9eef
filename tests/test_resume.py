"""Resumable training: a job killed with SIGKILL resumes from its last checkpoint, and its final
parameters are bitwise identical to those of an uninterrupted run."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time

import numpy as np
import pytest
from flax import serialization

import harness
from shapestudy import checkpoint, data, train
from shapestudy.grid import FactorGrid

CONFIG = train.TrainConfig(model="vae", arch="mlp", latent_dim=2, seed=0, beta=1.0, max_epochs=8, batch_size=32)


@pytest.fixture(scope="module")
def images():
    grid = FactorGrid(12, ("square",), 3, 6)
    pictures = (data.render(grid, data.enumerate_factors(grid)) / 255).astype(np.float32)
    return pictures[:240], pictures[240:]


class Killed(Exception):
    pass


def kill_after(epoch):
    def log(line):
        if line.startswith(f"epoch {epoch}/"):
            raise Killed(line)

    return log


def params_bytes(state):
    return serialization.to_bytes(state.params)


def test_resumed_training_is_bitwise_identical(tmp_path, images):
    reference, reference_history, _ = train.train(CONFIG, *images, log=lambda line: None)
    saver = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 3, CONFIG, {"code": "x"}, log=lambda line: None)
    with pytest.raises(Killed):
        train.train(CONFIG, *images, log=kill_after(7), checkpoint=saver)  # dies in epoch 7
    assert (tmp_path / "checkpoint.msgpack").exists()
    lines = []
    resumer = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 3, CONFIG, {"code": "x"}, log=lines.append)
    state, history, _ = train.train(CONFIG, *images, log=lines.append, checkpoint=resumer)
    assert resumer.resumed_epoch == 6 and lines[0].endswith("after epoch 6")
    assert [line.split()[1] for line in lines[1:]] == ["7/8", "8/8"]  # only the epochs left
    assert params_bytes(state) == params_bytes(reference)
    columns = [c for c in reference_history if c != "seconds"]
    assert history[columns].equals(reference_history[columns])
    assert history.dtypes.equals(reference_history.dtypes)


def test_a_run_killed_before_its_plateau_resumes_to_the_same_stop_and_parameters(tmp_path, images):
    """With a warmup-cosine schedule and the stopping rule: the schedule's step count, the best
    parameters and the history travel in the checkpoint, so the resumed run stops at the same
    epoch, for the same reason, with the same parameters, bit for bit."""
    config = dataclasses.replace(CONFIG, max_epochs=200, patience=3, tolerance=0.02, schedule="warmup_cosine",
                                 warmup_epochs=2, learning_rate=3e-3)
    reference, reference_history, reference_verdict = train.train(config, *images, log=lambda line: None)
    assert reference_verdict.stop_reason == "plateau" and reference_verdict.epochs > 4
    saver = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 2, config, {"code": "x"}, log=lambda line: None)
    with pytest.raises(Killed):
        train.train(config, *images, log=kill_after(reference_verdict.epochs), checkpoint=saver)
    resumer = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 2, config, {"code": "x"}, log=lambda line: None)
    state, history, verdict = train.train(config, *images, log=lambda line: None, checkpoint=resumer)
    assert 0 < resumer.resumed_epoch < reference_verdict.epochs
    assert verdict == reference_verdict
    assert params_bytes(state) == params_bytes(reference)
    columns = [c for c in reference_history if c != "seconds"]
    assert history[columns].equals(reference_history[columns])


def test_a_checkpoint_of_another_job_or_a_corrupt_one_is_ignored(tmp_path, images):
    path = tmp_path / "checkpoint.msgpack"
    other = dataclasses.replace(CONFIG, learning_rate=0.01)
    with pytest.raises(Killed):
        train.train(other, *images, log=kill_after(4), checkpoint=checkpoint.Checkpoint(path, 3, other, {"code": "x"}))
    for config, fingerprint, expected in [
        (CONFIG, {"code": "x"}, "written by another configuration, code or library version"),
        (other, {"code": "y"}, "written by another configuration, code or library version"),
    ]:
        lines = []
        saver = checkpoint.Checkpoint(path, 0, config, fingerprint, log=lines.append)
        assert saver.restore(train.create_state(config, (12, 12)))[2] == []
        assert expected in lines[0] and saver.resumed_epoch == 0
    # Another cap is another run: a cosine schedule decays over the cap.
    longer = dataclasses.replace(other, max_epochs=20)
    assert checkpoint.Checkpoint(path, 0, longer, {"code": "x"}, log=print).restore(train.create_state(longer, (12, 12)))[2] == []
    path.write_bytes(path.read_bytes()[:50])
    lines = []
    assert checkpoint.Checkpoint(path, 3, other, {"code": "x"}, log=lines.append).restore(train.create_state(other, (12, 12)))[2] == []
    assert "not a readable checkpoint" in lines[0]


def test_checkpoints_every_k_epochs_and_after_the_last_unless_disabled():
    saver = checkpoint.Checkpoint("c", 5, CONFIG)
    assert [e for e in range(1, CONFIG.max_epochs + 1) if saver.due(e, last=e == CONFIG.max_epochs)] == [5, 8]
    assert not any(checkpoint.Checkpoint("c", 0, CONFIG).due(e) for e in range(1, 9))


def test_a_finished_checkpoint_restores_the_final_state_without_training(tmp_path, images):
    reference, _, _ = train.train(CONFIG, *images, log=lambda line: None)
    saver = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 5, CONFIG, {"code": "x"}, log=lambda line: None)
    train.train(CONFIG, *images, log=lambda line: None, checkpoint=saver)
    lines = []
    restorer = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 5, CONFIG, {"code": "x"}, log=lines.append)
    state, history, _ = train.train(CONFIG, *images, log=lines.append, checkpoint=restorer)
    assert lines == [f"resuming from {tmp_path / 'checkpoint.msgpack'} after epoch {CONFIG.max_epochs}"]
    assert params_bytes(state) == params_bytes(reference) and len(history) == CONFIG.max_epochs


def test_a_finished_state_restores_the_run_bitwise_without_training(tmp_path, images):
    saver = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 5, CONFIG, {"code": "x"}, log=lambda line: None)
    state, history, verdict = train.train(CONFIG, *images, log=lambda line: None, checkpoint=saver)
    whole = (tmp_path / "checkpoint.msgpack").stat().st_size
    saver.finish(state.params, history)
    assert (tmp_path / "checkpoint.msgpack").stat().st_size < whole / 2
    lines = []
    restorer = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 5, CONFIG, {"code": "x"}, log=lines.append)
    again, again_history, again_verdict = train.train(CONFIG, *images, log=lines.append, checkpoint=restorer)
    assert lines == [f"resuming from {tmp_path / 'checkpoint.msgpack'} after epoch {CONFIG.max_epochs}"]
    assert params_bytes(again) == params_bytes(state) and again_verdict == verdict
    assert again_history.equals(history) and again_history.dtypes.equals(history.dtypes)


# ---- through the workflow, with a real kill -9 -------------------------------------------------

def test_workflow_resumes_after_kill_9(tmp_path):
    """The AE point trains seeds 0 and 1 in one job; killed during seed 1, the rerun restores seed 0
    from its final checkpoint and resumes seed 1 from its last one."""
    reference = harness.study("a") / f"results/models/{harness.AE_RUN}/params.msgpack"
    harness.write_config(tmp_path, harness.tiny_config(harness.SQUARES, sweep={"ae": {"seed": [0, 1]}}))
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
    # What stays is each seed's finished state, which a later job with more seeds restores.
    for model in (first, second):
        assert (model / "checkpoint.msgpack").stat().st_size < 1.5 * (model / "params.msgpack").stat().st_size
        assert not list(model.glob(".*.part"))
