"""Score the trained seeds of one point with one metric family (rules evaluate_<family>; the
families are the metric registry, shapestudy.evaluation.metrics)."""

from shapestudy import jobs

jobs.start(snakemake)  # log to snakemake.log[0]; bad input or divergence: one line, exit 1

from shapestudy.evaluation import runner

runner.evaluate_point(
    snakemake.params.family,
    snakemake.input.data,
    snakemake.input.params,
    snakemake.input.records,
    snakemake.params.evaluation,
    snakemake.output[0],
    snakemake.wildcards.point,
)
