import hashlib
import sys
from importlib import metadata
from pathlib import Path

from shapestudy import config as study_config

# Stop before any job, with one line, on a config the study cannot run.
try:
    study_config.validate(config)
except study_config.ConfigError as error:
    sys.exit(f"config error: {error}")

RUNS = study_config.runs(config)
TABLE_TITLES = {
    "reconstruction": "Reconstruction of the test split",
    "samples": "Sample quality on the known manifold",
    "rate": "Information rate and distortion",
    "latents": "What the latent dimensions mean",
}
# Package modules every evaluation rule imports besides its own metric.
EVALUATION_CODE = ("data.py", "grid.py", "models.py", "losses.py", "artifacts.py", "inference.py", "tables.py")
PACKAGE = Path(workflow.basedir) / "src" / "shapestudy"


wildcard_constraints:
    run="|".join(RUNS),
    table="|".join(TABLE_TITLES),


def source_hash(*modules):
    """Fingerprint of the package modules a rule imports: Snakemake does not see imported code,
    so a rule carries this in its params and reruns when one of them changes."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update((PACKAGE / module).read_bytes())
    return digest.hexdigest()[:16]


def versions(*packages):
    """Versions of the libraries whose upgrade must rerun a rule."""
    return {name: metadata.version(name) for name in packages}


def run_config(wildcards):
    return RUNS[wildcards.run]




def evaluation_settings(*keys):
    """The evaluation settings a rule uses, and only those: a change reruns just its users."""
    return {key: config["evaluation"][key] for key in keys}


def trained_run(wildcards):
    """The dataset and one trained run: the inputs of every evaluation rule."""
    return {
        "data": "results/data/shapes.parquet",
        "params": f"results/models/{wildcards.run}/params.msgpack",
        "record": f"results/models/{wildcards.run}/record.json",
    }


def table_scores(wildcards):
    return expand("results/scores/{family}/{run}.json", family=wildcards.table, run=RUNS)


def table_title(wildcards):
    return TABLE_TITLES[wildcards.table]


def histories():
    return expand("results/models/{run}/history.csv", run=RUNS)


def figure_runs():
    """One run per model for the example figures: the configured latent size, the first seed and
    beta of the sweep."""
    wanted = config.get("figures", {}).get("latent_dim")
    chosen = {}
    for run_id, run in RUNS.items():
        current = chosen.get(run["model"])
        if current is None or (run["latent_dim"] == wanted and RUNS[current]["latent_dim"] != wanted):
            chosen[run["model"]] = run_id
    return list(chosen.values())


def final_outputs():
    return [
        *expand("results/tables/{table}.{ext}", table=TABLE_TITLES, ext=["csv", "md", "tex"]),
        *expand("results/figures/{figure}.{ext}", figure=["reconstructions", "training_curves"], ext=["png", "pdf"]),
    ]
