# AE vs VAE on generated shapes: from the factor grid to every table and figure of the study.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


wildcard_constraints:
    point="|".join(re.escape(point) for point in POINTS),
    table="|".join(METRICS),


# Light rules run inside the Snakemake process itself, never as cluster jobs (see
# README: Running on a cluster): they read tables or load two example models and take seconds.
localrules:
    all,
    table,
    claims,
    experiments,
    figure_reconstructions,
    figure_samples,
    figure_frontier,
    figure_traversals,
    figure_latent_scatter,
    figure_rate,
    figure_rate_vs_beta,
    figure_mutual_information,
    figure_training_curves,
    figure_summary,


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        final_outputs(),
