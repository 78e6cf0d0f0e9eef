"""Score the trained seeds of one point with one metric (rules evaluate_<metric>; the metrics are
the registry shapestudy.evaluation.metrics)."""

import gc

# The modules loaded below (JAX, Flax, pandas) live as long as the job, so the cyclic collector
# skips them while they load and is then told to leave them alone (gc.freeze) for the rest of the
# job and at its exit: a sample-quality job alone took 0.65 s (11%) less, its imports 0.15 s of
# collections less, its exit (Python's finalization) 0.25 s less (benchmarks/RESULTS.md).
gc.disable()

from shapestudy.jobs.start import start_job

start_job(snakemake)

from shapestudy.evaluation import runner

gc.freeze()
gc.enable()

runner.evaluate_point(
    snakemake.params.metric,
    snakemake.input.data,
    snakemake.input.params,
    snakemake.input.records,
    snakemake.params.evaluation,
    dict(snakemake.output),
    snakemake.wildcards.point,
    snakemake.params.code,
)
