"""Resumable training: a job killed with SIGKILL resumes from its last checkpoint, and its final
parameters are bitwise identical to those of an uninterrupted run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from flax import serialization

from shapestudy.data import dataset
from shapestudy.data.grid import FactorGrid
from shapestudy.training import checkpoint, train

CONFIG = train.TrainConfig(model="vae", arch="mlp", latent_dim=2, seed=0, beta=1.0, max_epochs=8, batch_size=32)


@pytest.fixture(scope="module")
def images():
    grid = FactorGrid(12, ("square",), 3, 6)
    pictures = (dataset.render(grid, dataset.enumerate_factors(grid)) / 255).astype(np.float32)
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

