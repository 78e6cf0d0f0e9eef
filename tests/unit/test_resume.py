"""Resumable training: a run killed mid-way resumes from its last checkpoint, and a run stopped at
the cap continues when the cap is raised, in both cases to parameters bitwise identical to those of
an uninterrupted run; a converged run is restored, not trained again, whatever the cap."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from flax import serialization

from shapestudy.data import dataset
from shapestudy.data.grid import FactorGrid
from shapestudy.training import checkpoint, train

CONFIG = train.TrainConfig(model="vae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, beta=1.0, max_epochs=8,
                           batch_size=32)


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
    """With a warmup and step-size reductions: the warmup's step count, the step size, the best
    parameters and the history travel in the checkpoint, so the resumed run stops at the same
    epoch, for the same reason, with the same parameters, bit for bit."""
    config = dataclasses.replace(CONFIG, max_epochs=200, patience=3, tolerance=0.02, reductions=2, warmup_epochs=2,
                                 learning_rate=3e-3)
    reference, reference_history, reference_verdict = train.train(config, *images, log=lambda line: None)
    assert reference_verdict.stop_reason == "plateau" and reference_verdict.reductions == 2
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


PLATEAU = dataclasses.replace(CONFIG, max_epochs=200, patience=3, tolerance=0.02, reductions=1, warmup_epochs=1,
                              learning_rate=3e-3)


def finished_run(path, config, images):
    """Train a run with a checkpoint as a training job does, and shrink it as the job does."""
    saver = checkpoint.Checkpoint(path, 5, config, {"code": "x"}, log=lambda line: None)
    state, history, verdict = train.train(config, *images, log=lambda line: None, checkpoint=saver)
    saver.finish(state.params, history, verdict)
    return state, history, verdict


def test_raising_the_cap_continues_a_capped_run_to_the_parameters_of_a_run_with_that_cap(tmp_path, images):
    reference, reference_history, reference_verdict = train.train(PLATEAU, *images, log=lambda line: None)
    assert reference_verdict.converged and reference_verdict.epochs > 8
    capped = dataclasses.replace(PLATEAU, max_epochs=7)
    _, _, stopped = finished_run(tmp_path / "checkpoint.msgpack", capped, images)
    assert stopped.stop_reason == "max_epochs"
    lines = []
    resumer = checkpoint.Checkpoint(tmp_path / "checkpoint.msgpack", 5, PLATEAU, {"code": "x"}, log=lines.append)
    state, history, verdict = train.train(PLATEAU, *images, log=lines.append, checkpoint=resumer)
    assert lines[0].endswith("after epoch 7") and lines[1].startswith("epoch 8/200 ")  # continued, not restarted
    assert verdict == reference_verdict and params_bytes(state) == params_bytes(reference)
    columns = [c for c in reference_history if c != "seconds"]
    assert history[columns].equals(reference_history[columns])


def test_a_converged_run_is_restored_under_any_cap_it_fits_and_retrained_under_a_lower_one(tmp_path, images):
    path = tmp_path / "checkpoint.msgpack"
    state, history, verdict = finished_run(path, PLATEAU, images)
    assert verdict.converged
    for cap in (verdict.epochs, 4 * PLATEAU.max_epochs):
        lines = []
        config = dataclasses.replace(PLATEAU, max_epochs=cap)
        restorer = checkpoint.Checkpoint(path, 5, config, {"code": "x"}, log=lines.append)
        again, again_history, again_verdict = train.train(config, *images, log=lines.append, checkpoint=restorer)
        assert lines == [f"resuming from {path} after epoch {verdict.epochs}"]  # no epoch trained
        assert params_bytes(again) == params_bytes(state) and again_verdict == verdict
        assert again_history.equals(history)
    # Below the epochs it ran, the run is trained again to the lower cap, as a fresh run would be.
    lower = dataclasses.replace(PLATEAU, max_epochs=verdict.epochs - 2)
    lines = []
    retrained, _, capped = train.train(lower, *images, log=lines.append,
                                       checkpoint=checkpoint.Checkpoint(path, 5, lower, {"code": "x"}, log=lines.append))
    assert "beyond the cap" in lines[0] and capped.stop_reason == "max_epochs"
    assert params_bytes(retrained) == params_bytes(train.train(lower, *images, log=lambda line: None)[0])


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
        assert saver.restore(train.create_state(config, (12, 12), len(images[0])), config.rule)[2] == []
        assert expected in lines[0] and saver.resumed_epoch == 0
    # Another cap is the same run: its state is taken up.
    longer = dataclasses.replace(other, max_epochs=20)
    assert len(checkpoint.Checkpoint(path, 0, longer, {"code": "x"}, log=print).restore(
        train.create_state(longer, (12, 12), len(images[0])), longer.rule)[2]) == 3
    path.write_bytes(path.read_bytes()[:50])
    lines = []
    assert checkpoint.Checkpoint(path, 3, other, {"code": "x"}, log=lines.append).restore(
        train.create_state(other, (12, 12), len(images[0])), other.rule)[2] == []
    assert "not a readable checkpoint" in lines[0]


def test_checkpoints_every_k_epochs_and_after_the_last_unless_disabled():
    saver = checkpoint.Checkpoint("c", 5, CONFIG)
    assert [e for e in range(1, CONFIG.max_epochs + 1) if saver.due(e, last=e == CONFIG.max_epochs)] == [5, 8]
    assert not any(checkpoint.Checkpoint("c", 0, CONFIG).due(e) for e in range(1, 9))


def test_a_converged_run_shrinks_to_its_best_parameters_and_a_capped_one_keeps_its_whole_state(tmp_path, images):
    converged_path, capped_path = tmp_path / "converged.msgpack", tmp_path / "capped.msgpack"
    finished_run(converged_path, PLATEAU, images)
    finished_run(capped_path, dataclasses.replace(PLATEAU, max_epochs=7), images)
    params = len(params_bytes(train.create_state(PLATEAU, (12, 12))))
    assert converged_path.stat().st_size < 1.5 * params < 3 * params < capped_path.stat().st_size
