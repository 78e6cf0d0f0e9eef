import re
import sys
from pathlib import Path

from shapestudy import config as study_config
from shapestudy import files, sizes
from shapestudy.evaluation import samplers as sampler_registry
from shapestudy.evaluation.metrics import METRICS
from shapestudy.jobs import fingerprint, resources
from shapestudy.reporting.figures import FIGURES
from shapestudy.reporting import figures as figure_registry

# Stop before any job, with one line, on a config the study cannot run. Validation also fills in
# the schema's defaults: rules and scripts read every key from `config` without defaults of their own.
try:
    study_config.validate(config)
except study_config.ConfigError as error:
    sys.exit(f"config error: {error}")

RUNS = study_config.runs(config)
STUDY = sizes.Study(config)
POINTS = study_config.points(RUNS)
# Evaluation jobs: one per metric and group, a group being every run of one latent size, named as
# in the point names (z16). The runs share the job's start-up (benchmarks/RESULTS.md: the default
# study's sample-quality jobs, one at a time, 172 s as 4 jobs against 201 s as 24 jobs of one
# point, the same scores).
GROUPS = {}
for _run, _fields in sorted(RUNS.items(), key=lambda item: item[1]["latent_dim"]):
    GROUPS.setdefault(f"z{_fields['latent_dim']}", []).append(_run)
PACKAGE = Path(workflow.basedir) / "src" / "shapestudy"
SCRIPTS = Path(workflow.basedir) / "scripts"
# The figures this sweep can draw (the latent scatter needs a 2-d latent), in registry order.
SHOWN_FIGURES = [name for name, figure in FIGURES.items() if figure.exists(RUNS, config)]


def code(script, *modules):
    """Fingerprint of the package modules that a rule's script (and the named modules, which the
    script imports by name at run time) reach; Snakemake does not see imported code, so a rule
    carries this in its params and reruns when one of them changes (shapestudy.jobs.fingerprint)."""
    return fingerprint.code_hash([SCRIPTS / script, *modules], PACKAGE)


def sized(estimate, key, *args):
    """A resource (mem_mb, or runtime in minutes) that follows the study's sizes:
    shapestudy.jobs.resources.<estimate> for the job (given its runs, if it has any: job_runs),
    times the attempt number, so a retried job (profile key `retries`) asks for twice as much."""

    def resource(wildcards, attempt):
        runs = [RUNS[run] for run in job_runs(wildcards)]
        return getattr(resources, estimate)(STUDY, *args, **({"runs": runs} if runs else {}))[key] * attempt

    return resource


def training_gpus(wildcards):
    """GPUs a training job asks for: 1 with training.gpu (sbatch --gpus=1), else 0. A job without
    one runs JAX on the CPU (shapestudy.jobs.start)."""
    return 1 if config["training"]["gpu"] else 0


def points_of(model):
    """A wildcard constraint matching exactly the points of one model."""
    return "|".join(re.escape(point) for point, runs in POINTS.items() if RUNS[runs[0]]["model"] == model)


def point_configs(wildcards):
    """The training configuration of each seed of a point, in the order of its outputs."""
    return [RUNS[run] for run in POINTS[wildcards.point]]


def evaluation_settings(*keys):
    """Only the evaluation settings that a job uses, so that a change reruns just its users."""
    return {key: config["evaluation"][key] for key in keys}


def study_settings():
    """The config's sections that the Experiments section describes, without the settings that
    never change a result (training.checkpoint_every, training.gpu)."""
    training = {k: v for k, v in config["training"].items() if k not in study_config.job_settings()}
    sections = ("data", "sweep", "evaluation", "claims", "figures")
    return {"training": training, **{name: config[name] for name in sections}}


def runs_input(run_ids):
    """The dataset and the parameters and records of the given runs."""
    return {
        "data": "results/data/shapes.parquet",
        "params": expand("results/models/{run}/params.msgpack", run=run_ids),
        "records": expand("results/models/{run}/record.json", run=run_ids),
    }


def job_runs(wildcards):
    """The runs a job trains (the seeds of its point) or scores (every run of its group)."""
    if hasattr(wildcards, "point"):
        return POINTS[wildcards.point]
    if hasattr(wildcards, "group"):
        return GROUPS[wildcards.group]
    return []


def trained_group(wildcards):
    """The dataset and the trained runs of a group: the inputs of every evaluation rule."""
    return runs_input(job_runs(wildcards))


def score_files(metric, run_ids):
    """The score files of a metric that hold the given runs, with its array files if it keeps any."""
    groups = [group for group, runs in GROUPS.items() if set(runs) & set(run_ids)]
    found = expand("results/scores/{metric}/{group}.json", metric=metric, group=groups)
    if METRICS[metric].arrays:
        found += expand("results/scores/{metric}/{group}.npz", metric=metric, group=groups)
    return found


def metric_scores(metric):
    """A metric's score files, one per group."""
    return expand("results/scores/{metric}/{group}.json", metric=metric, group=GROUPS)


def table_scores(wildcards):
    return metric_scores(wildcards.table)


def table_title(wildcards):
    return METRICS[wildcards.table].title


def figure_inputs(figure):
    """What a figure of the registry reads (shapestudy.reporting.figures), by name."""
    chosen = figure.chosen_runs(RUNS, config)
    found = runs_input(chosen) if figure.models else {}
    for metric in figure.scores:
        found[f"{metric}_scores"] = score_files(metric, chosen)
    for table in figure.tables:
        found[table] = f"results/tables/{table}.csv"
    if figure.histories:
        found["histories"] = expand("results/models/{run}/history.csv", run=RUNS)
        found["records"] = expand("results/models/{run}/record.json", run=RUNS)
    return found


# The report's categories, numbered in pipeline order (the report lists them sorted by name).
REPORT_TABLES, REPORT_FIGURES, REPORT_EXPERIMENTS = "1. Tables", "2. Figures", "3. Experiments"


def figure_report(name):
    """A figure's PNG as a report item: in the Figures category, labelled by its name, with its
    caption (workflow/report/{name}.rst)."""
    return report(f"results/figures/{name}.png", caption=f"../report/{name}.rst", category=REPORT_FIGURES,
                  labels={"figure": name})


def figure_captions():
    """The caption files of the figures, wherever the working directory is (-d)."""
    return expand(str(Path(workflow.basedir) / "workflow" / "report" / "{figure}.rst"), figure=SHOWN_FIGURES)


# The tables: one per metric, and the claims decided from the metrics' scores.
TABLES = [*METRICS, "claims"]


def final_outputs():
    return [
        *expand("results/tables/{table}.{ext}", table=TABLES, ext=["csv", "md", "tex", "html"]),
        *expand("results/figures/{figure}.{ext}", figure=SHOWN_FIGURES, ext=["png", "pdf"]),
        *expand("results/report/{part}.{ext}", part=["experiments", "appendix"], ext=["md", "tex", "html"]),
    ]
