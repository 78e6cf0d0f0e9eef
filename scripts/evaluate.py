"""Score the trained runs of one latent size with one metric (rules evaluate_<metric>; the metrics
are the registry shapestudy.evaluation.metrics)."""

import gc

# The modules loaded below (JAX, Flax, pandas) live as long as the job, so the cyclic collector
# skips them while they load and is then told to leave them alone (gc.freeze): no pass over them
# during the job or at its exit. The 24 sample-quality jobs of the default study, run one at a
# time, took 10% less (benchmarks/RESULTS.md).
gc.disable()

from shapestudy.jobs.start import start_job

start_job(snakemake)

from shapestudy.evaluation import runner

gc.freeze()
gc.enable()

runner.evaluate_runs(
    snakemake.params.metric,
    snakemake.input.data,
    snakemake.input.params,
    snakemake.input.records,
    snakemake.params.evaluation,
    dict(snakemake.output),
    snakemake.params.code,
)
