import re
import sys
from importlib import metadata
from pathlib import Path

from shapestudy import config as study_config
from shapestudy import fingerprint, resources, sizes
from shapestudy.evaluation.metrics import METRICS
from shapestudy.files import VERSIONED_PACKAGES

# Stop before any job, with one line, on a config the study cannot run. Validation also fills in
# the schema's defaults: rules and scripts read every key from `config` without defaults of their own.
try:
    study_config.validate(config)
except study_config.ConfigError as error:
    sys.exit(f"config error: {error}")

RUNS = study_config.runs(config)
STUDY = sizes.Study(config)
POINTS = study_config.points(RUNS)
PACKAGE = Path(workflow.basedir) / "src" / "shapestudy"
SCRIPTS = Path(workflow.basedir) / "scripts"


def code(script, *modules):
    """Fingerprint of the package modules that a rule's script (and the named modules, which the
    script imports by name at run time) reach; Snakemake does not see imported code, so a rule
    carries this in its params and reruns when one of them changes (shapestudy.fingerprint)."""
    return fingerprint.code_hash([SCRIPTS / script, *modules], PACKAGE)


def sized(estimate, key, *args):
    """A resource (mem_mb, or runtime in minutes) that follows the study's sizes:
    shapestudy.resources.<estimate> for the job (given the runs of its point, if it has one), times
    the attempt number, so a retried job (profile key `retries`) asks for twice as much."""

    def resource(wildcards, attempt):
        runs = {"runs": [RUNS[run] for run in POINTS[wildcards.point]]} if hasattr(wildcards, "point") else {}
        return getattr(resources, estimate)(STUDY, *args, **runs)[key] * attempt

    return resource


def training_gpus(wildcards):
    """GPUs a training job asks for: 1 with training.gpu (sbatch --gpus=1), else 0. A job without
    one runs JAX on the CPU (shapestudy.jobs.start)."""
    return 1 if config["training"]["gpu"] else 0


def versions(*packages):
    """Versions of the libraries whose upgrade must rerun a rule."""
    return {name: metadata.version(name) for name in packages}


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


def trained_point(wildcards):
    """The dataset and the trained seeds of a point: the inputs of every evaluation rule."""
    return _runs_input(POINTS[wildcards.point])


def table_scores(wildcards):
    return expand("results/scores/{family}/{point}.json", family=wildcards.table, point=POINTS)


def point_scores(family, run_ids):
    """The score files of the points that the given runs belong to."""
    points = dict.fromkeys(study_config.point_id(RUNS[run]) for run in run_ids)
    return expand("results/scores/{family}/{point}.json", family=family, point=points)


def table_title(wildcards):
    return METRICS[wildcards.table].title


def histories():
    return expand("results/models/{run}/history.csv", run=RUNS)


def _first_of_each_model(runs):
    """One run per model and likelihood: the lowest seed and first beta of the sweep."""
    chosen = {}
    for run_id, run in runs.items():
        chosen.setdefault((run["model"], run["reconstruction"]), run_id)
    return list(chosen.values())


def figure_runs():
    """The example runs of the figures: the configured latent size (one of the sweep's, checked by
    validation), one per model and likelihood."""
    wanted = config["figures"]["latent_dim"]
    return _first_of_each_model({k: r for k, r in RUNS.items() if r["latent_dim"] == wanted})


def scatter_runs_ids():
    """Runs with a 2-d latent, one per model; the scatter figure exists only if there are some."""
    return _first_of_each_model({k: r for k, r in RUNS.items() if r["latent_dim"] == 2})


def _runs_input(run_ids):
    return {
        "data": "results/data/shapes.parquet",
        "params": expand("results/models/{run}/params.msgpack", run=run_ids),
        "records": expand("results/models/{run}/record.json", run=run_ids),
    }


def example_runs(wildcards):
    return _runs_input(figure_runs())


def scatter_runs(wildcards):
    return _runs_input(scatter_runs_ids())


FIGURES = ["reconstructions", "samples", "frontier", "traversals", "rate", "rate_vs_beta", "mutual_information", "training_curves", "summary"]
if scatter_runs_ids():
    FIGURES.append("latent_scatter")


# The report's categories, numbered in pipeline order (the report lists them sorted by name).
REPORT_TABLES, REPORT_FIGURES, REPORT_EXPERIMENTS = "1. Tables", "2. Figures", "3. Experiments"


def figure_report(name):
    """A figure's PNG as a report item: in the Figures category, labelled by its name, with its
    caption (workflow/report/{name}.rst)."""
    return report(f"results/figures/{name}.png", caption=f"../report/{name}.rst", category=REPORT_FIGURES,
                  labels={"figure": name})


def figure_captions():
    """The caption files of the figures, wherever the working directory is (-d)."""
    return expand(str(Path(workflow.basedir) / "workflow" / "report" / "{figure}.rst"), figure=FIGURES)


# The tables: one per metric family, and the claims decided from them.
TABLES = [*METRICS, "claims"]


def final_outputs():
    return [
        *expand("results/tables/{table}.{ext}", table=TABLES, ext=["csv", "md", "tex", "html"]),
        *expand("results/figures/{figure}.{ext}", figure=FIGURES, ext=["png", "pdf"]),
        *expand("results/report/experiments.{ext}", ext=["md", "tex", "html"]),
    ]
