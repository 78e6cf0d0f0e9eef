# AE vs VAE on generated shapes: from the factor grid to every table and figure of the study.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


wildcard_constraints:
    point="|".join(re.escape(point) for point in POINTS),
    group="|".join(GROUPS),
    table="|".join(METRICS),


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        final_outputs(),
    localrule: True
