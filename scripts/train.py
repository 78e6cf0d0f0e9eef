"""Train one AE or VAE configuration (rule train)."""

import sys

from shapestudy import cpus, jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1
# Before JAX starts: one free core per declared thread, the XLA flags for the cores the job has,
# and compiled programs shared by the seeds of a configuration (see cpus.py).
cores = cpus.claim_cores(snakemake.threads)
cpus.configure_xla()
cpus.compilation_cache(".snakemake/jax-cache")

import time
from pathlib import Path

from shapestudy import artifacts, checkpoint, data, train

start = time.perf_counter()
config = train.TrainConfig(**snakemake.params.config)
train_split = data.load(snakemake.input.data, "train")
validation_split = data.load(snakemake.input.data, "validation")
print(
    f"training {artifacts.run_name(config)} on {len(train_split.images)} images, "
    f"cpus {sorted(cores) if cores else 'unpinned'}",
    file=sys.stderr,
)

# Resume a killed job: the full state every training.checkpoint_every epochs, read from the
# config and not from params, as it never changes the result (see checkpoint.py).
saver = checkpoint.Checkpoint(
    Path(snakemake.output.params).parent / "checkpoint.msgpack",
    snakemake.config["training"].get("checkpoint_every", 5),
    config,
    fingerprint={"code": snakemake.params.code, "versions": snakemake.params.versions},
    log=lambda line: print(line, file=sys.stderr),
)
state, history = train.train(
    config,
    train_split.images,
    validation_split.images,
    log=lambda line: print(line, file=sys.stderr),
    checkpoint=saver,
)
images_per_epoch = (len(train_split.images) // config.batch_size) * config.batch_size
# The first epoch includes tracing and compilation; throughput is measured on the others.
steady = history["seconds"].iloc[1:] if len(history) > 1 else history["seconds"]
record = {
    "config": snakemake.params.config,
    "image_shape": list(train_split.images.shape[1:]),
    "train_images": len(train_split.images),
    "versions": artifacts.package_versions(),
    "ran_on": artifacts.where_it_ran(),
    "training_seconds": float(history["seconds"].sum()),
    "first_epoch_seconds": float(history["seconds"].iloc[0]),
    "images_per_second": images_per_epoch * len(steady) / float(steady.sum()),
    "final": history.iloc[-1].to_dict(),
    "resumed_from_epoch": saver.resumed_epoch,
}
artifacts.save_params(snakemake.output.params, state.params)
artifacts.write_atomic(snakemake.output.history, history.to_csv(index=False).encode())
record["wall_seconds"] = time.perf_counter() - start
artifacts.write_json(snakemake.output.record, record)
saver.remove()
