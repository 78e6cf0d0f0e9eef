"""What each job asks of a cluster on its first attempt: memory (mem_mb) and runtime (minutes),
computed from the sizes of the study it serves (sizes.Study), so that a larger canvas, more
tuples, samples or epochs ask for enough instead of being killed. workflow/rules/common.smk
reads these for every rule that runs as a job (and multiplies them by the attempt).

A memory estimate is the job's fixed cost (Python, the libraries, JAX's compiled programs) plus
the arrays it holds at its peak, each in its own term; benchmarks/RESULTS.md compares them with
the peaks measured at canvas 28 and 64. The request adds the Snakemake process that runs the job
under SLURM and headroom for what the terms leave out. A runtime is a fixed allowance for start-up
and queue-side delays plus the measured work rate times the work, with generous headroom: SLURM
kills a job at its limit, and a limit too long only costs queue priority.
"""

from __future__ import annotations

import math

from shapestudy.evaluation import samplers
from shapestudy.evaluation.metrics import METRICS
from shapestudy.sizes import MB, Study

SNAKEMAKE_MB = 200  # the Snakemake process that runs a job under SLURM (docs/cluster.md)
MEMORY_HEADROOM = 1.5
TIME_HEADROOM = 5
START_MINUTES = 10  # start-up, imports, compilation, file system delays

# Fixed costs measured at canvas 28 (peaks less the arrays the terms below count), MB.
GENERATE_MB = 250  # numpy, pandas, pyarrow
TRAIN_MB = 700  # JAX, the model's compiled programs
EVALUATE_MB = 500  # JAX, pandas, pyarrow, the model

# Work rates measured on one core of this machine (docs/cluster.md).
# One training epoch, by architecture: about 0.7 s (MLP) and 4.7 s (conv) for 9,324 images of 784
# pixels; an architecture not measured here gets the slowest.
EPOCH_SECONDS_PER_PIXEL = {"mlp": 0.7 / (9324 * 784), "conv": 4.7 / (9324 * 784)}
RENDER_SECONDS_PER_PIXEL = 3.0 / (11655 * 784)  # rendering and writing the dataset
# Scoring one seed: encodings and nearest-render searches over all tuples, per pixel of the grid;
# and the nearest-render search of each sample of each sampler, per sample and tuple (measured at
# canvas 64: about 60 CPU-seconds for 2 x 2,000 samples against 187,110 tuples).
SCORE_SECONDS_PER_PIXEL = 4.0 / (11655 * 784)
SEARCH_SECONDS_PER_PAIR = 1e-7
# Fitting the normalising flow (evaluation.flow) to one run's codes: 10-40 s on one core
# (benchmarks/RESULTS.md), planned at its worst.
FLOW_FIT_SECONDS = 40.0


def request_mb(peak_mb: float) -> int:
    """The peak, the Snakemake process and headroom, rounded up to 100 MB."""
    return int(math.ceil((peak_mb + SNAKEMAKE_MB) * MEMORY_HEADROOM / 100) * 100)


def minutes(seconds: float) -> int:
    return int(START_MINUTES + math.ceil(TIME_HEADROOM * seconds / 60))


def generate_data(study: Study) -> dict[str, int]:
    """Rendering a row group at a time (data.ROW_GROUP): the factors of every tuple and a few
    groups of images, uint8 and as Arrow arrays while they are written."""
    from shapestudy.data.dataset import (
        ROW_GROUP,  # pandas and pyarrow: only where a rule asks
    )

    peak = GENERATE_MB + 100 * study.tuples / MB + 4 * study.stored_mb(min(ROW_GROUP, study.tuples))
    return {"mem_mb": request_mb(peak), "runtime": minutes(RENDER_SECONDS_PER_PIXEL * study.tuples * study.pixels)}


def training(study: Study, runs: list[dict]) -> dict[str, int]:
    """The train split stored (uint8) on the host and on the device, the validation split as
    float32 with its reconstruction and loss terms (scored in one piece each epoch), and the
    parameters, their best copy, Adam's two moments and the gradients (six copies of a network
    of at most about 3,000 weights per pixel). The runs (seeds) of a point train one after the
    other: their time adds up, their memory does not."""
    train, validation = study.splits["train"], study.splits["validation"]
    peak = (TRAIN_MB + 2 * study.stored_mb(train) + study.stored_mb(validation) + 4 * study.float_mb(validation)
            + 6 * 4 * 3000 * study.pixels / MB)
    rate = EPOCH_SECONDS_PER_PIXEL.get(runs[0]["arch"], max(EPOCH_SECONDS_PER_PIXEL.values()))
    seconds = sum(run["max_epochs"] for run in runs) * train * study.pixels * rate
    return {"mem_mb": request_mb(peak), "runtime": minutes(seconds)}


def evaluation(study: Study, metric: str, runs: list[dict]) -> dict[str, int]:
    """Every tuple's image as stored (the dataset: renders and inputs), and the arrays of the
    metric's own peak (metrics.Metric.memory). Its time: every metric is given the time of
    the slowest, sample quality with every sampler of the registry."""
    peak = EVALUATE_MB + study.stored_mb(study.tuples) + METRICS[metric].memory(study)
    searches = len(samplers.registry(study.evaluation)) * study.evaluation["samples"] * study.tuples
    fits = FLOW_FIT_SECONDS if study.evaluation["flow"] else 0.0
    seconds = len(runs) * (SCORE_SECONDS_PER_PIXEL * study.tuples * study.pixels + SEARCH_SECONDS_PER_PAIR * searches
                           + fits)
    return {"mem_mb": request_mb(peak), "runtime": minutes(seconds)}
