"""Score the trained seeds of one point with one metric (rules evaluate_<metric>; the metrics are
the registry shapestudy.evaluation.metrics)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

from shapestudy.evaluation import runner

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
