"""Train the seeds of one point of the sweep, one after the other (rules train_ae, train_vae)."""

import gc
import sys

# The collector as in evaluate.py (off while the modules load, then frozen out of them): a job of
# five seeds 1.6 s (2.4%) faster alone, the same parameters bit for bit (benchmarks/RESULTS.md).
gc.disable()

from shapestudy.jobs.start import start_job

start_job(snakemake)

import time
from pathlib import Path

from shapestudy import files
from shapestudy.data import dataset
from shapestudy.training import artifacts, checkpoint, train

gc.freeze()
gc.enable()


def log(line):
    print(line, file=sys.stderr)


def train_run(config, params_path, history_path, record_path):
    """Train one seed (resuming from its checkpoint) and write its three outputs; return what
    shrinks its checkpoint to the finished state, once every seed of the job is written."""
    start = time.perf_counter()
    log(f"training {config.name} on {len(train_split.images)} images")
    # Resume a killed job: the full state every training.checkpoint_every epochs and after the
    # last, read from the config and not from params, as it never changes the result.
    saver = checkpoint.Checkpoint(
        Path(params_path).parent / "checkpoint.msgpack",
        snakemake.config["training"]["checkpoint_every"],
        config,
        fingerprint={"code": snakemake.params.code, "versions": snakemake.params.versions},
        log=log,
    )
    state, history, verdict = train.train(config, train_split.images, validation_split.images, log=log, checkpoint=saver)
    images_per_epoch = (len(train_split.images) // config.batch_size) * config.batch_size
    # The first epoch includes tracing and compilation; throughput is measured on the others.
    steady = history["seconds"].iloc[1:] if len(history) > 1 else history["seconds"]
    record = {
        "config": vars(config),
        "image_shape": list(train_split.images.shape[1:]),
        "train_images": len(train_split.images),
        "versions": files.package_versions(),
        "ran_on": files.where_it_ran(),
        "training_seconds": float(history["seconds"].sum()),
        "first_epoch_seconds": float(history["seconds"].iloc[0]),
        "images_per_second": images_per_epoch * len(steady) / float(steady.sum()),
        "final": history.iloc[-1].to_dict(),
        "best": history.iloc[verdict.best_epoch - 1].to_dict(),  # its parameters are params.msgpack
        **verdict.record(),
        "final_step_size": config.step_size(verdict.reductions),
        "resumed_from_epoch": saver.resumed_epoch,
    }
    artifacts.save_params(params_path, state.params)
    files.write_atomic(history_path, history.to_csv(index=False).encode())
    record["wall_seconds"] = time.perf_counter() - start
    files.write_json(record_path, record)
    return lambda: saver.finish(state.params, history, verdict)


train_split = dataset.load(snakemake.input.data, "train")
validation_split = dataset.load(snakemake.input.data, "validation")
output = snakemake.output
finishes = [
    train_run(train.TrainConfig(**fields), params, history, record)
    for fields, params, history, record in zip(snakemake.params.configs, output.params, output.history, output.record)
]
# Every output is written: shrink each converged seed's checkpoint to its finished state, which a
# later job of this point (more seeds, another cap) restores instead of training the seed again.
for finish in finishes:
    finish()
