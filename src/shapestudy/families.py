"""The run specification: the model registry (one entry per model family, saying everything the
rest of the study needs to know about it) and the keys that name a run. Config, point ids,
training, tables, claims, figures, the Experiments section and the schema's sweep read it; nothing
else tests a model's name or lists a run's keys.

A run's identity is its family, the axes every family sweeps (SHARED_AXES), the hyper-parameters
its family lists (beta for the VAE) and the seed: RUN_KEYS; a point of the sweep is a run without
its seed: POINT_KEYS. A hyper-parameter a family does not list takes its
neutral value in the run's configuration (beta = 0 for the AE: no KL term) and stays out of its
point id, label and table cells. A family's regulariser beside the reconstruction (and the VAE's
KL) is a function of training/penalties.py, named by the family: adding a family is its penalty
there and one line here, and one more per hyper-parameter of its own.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Hyperparameter:
    name: str
    suffix: str  # in point ids: vae-mlp-z4-b1
    symbol: str  # in labels: VAE z=4, β=1
    neutral: float  # its value in a family that does not use it
    schema: dict  # JSON schema of one value in the sweep's list


@dataclasses.dataclass(frozen=True)
class ModelFamily:
    name: str
    label: str
    variational: bool  # encoder gives q(z|x) = N(mu, diag sigma^2) and the loss has a KL term
    colour: str  # its colour in figures; variants of several hyper-parameter values get shades of
    shades: str  # this matplotlib colour map
    hyperparameters: tuple[str, ...] = ()
    penalty: str = ""  # its function in training/penalties.py, added to the loss; "" for none


WEIGHT = {"type": "number", "minimum": 0}
HYPERPARAMETERS = {
    h.name: h
    for h in (
        Hyperparameter("beta", "b", "β", 0.0, WEIGHT),  # the VAE's KL weight (eq. 8)
        Hyperparameter("code_weight", "g", "γ", 0.0, WEIGHT),  # the RAE's weight of ||z||^2 / 2
        Hyperparameter("decoder_l2", "l", "λ_dec", 0.0, WEIGHT),  # the RAE's weight of the decoder's squared weights
        Hyperparameter("mmd_weight", "m", "λ", 0.0, WEIGHT),  # the WAE's weight of MMD(codes, N(0, I))
    )
}

# The axes every family sweeps, each with its list's definition in config.schema.yaml's $defs.
SHARED_AXES = {"arch": "arch_list", "reconstruction": "reconstructions", "latent_dim": "latent_dims"}
POINT_KEYS = ("model", *SHARED_AXES, *HYPERPARAMETERS)  # a configuration of the sweep
RUN_KEYS = (*POINT_KEYS, "seed")  # a trained run: its configuration and its seed

FAMILIES = {
    family.name: family
    for family in (
        ModelFamily("ae", "AE", variational=False, colour="#1b6ca8", shades="Blues"),
        ModelFamily("vae", "VAE", variational=True, colour="#d1495b", shades="Reds", hyperparameters=("beta",)),
        # Ghosh et al. 2020, the L2 variant: a deterministic AE whose codes and decoder are regularised.
        ModelFamily("rae", "RAE", variational=False, colour="#2a9d8f", shades="Greens",
                    hyperparameters=("code_weight", "decoder_l2"), penalty="rae"),
        # Tolstikhin et al. 2018: a deterministic encoder whose aggregate codes are pulled to N(0, I).
        ModelFamily("wae", "WAE", variational=False, colour="#7b5ea7", shades="Purples",
                    hyperparameters=("mmd_weight",), penalty="wae"),
    )
}


def family(name: str) -> ModelFamily:
    if name not in FAMILIES:
        raise ValueError(f"unknown model {name!r}: expected one of {list(FAMILIES)}")
    return FAMILIES[name]


def _own_hyperparameters(run) -> list[Hyperparameter]:
    return [HYPERPARAMETERS[name] for name in family(run["model"]).hyperparameters]


def point_id(run) -> str:
    """The name of a point of the sweep: a configuration without its seed, e.g. vae-mlp-bce-z4-b1."""
    suffixes = "".join(f"-{h.suffix}{run[h.name]:g}" for h in _own_hyperparameters(run))
    return f"{run['model']}-{run['arch']}-{run['reconstruction']}-z{run['latent_dim']}{suffixes}"


def run_id(run) -> str:
    """The name of a run: its point and its seed, e.g. vae-mlp-bce-z4-b1-s0. It names the run's
    folder (results/models/{run}/) and the run in every log line and error message."""
    return f"{point_id(run)}-s{run['seed']}"


def variant(run) -> str:
    """The family, its hyper-parameters and the likelihood without the latent size: 'AE bce' or
    'VAE β=4 mse'."""
    values = "".join(f" {h.symbol}={run[h.name]:g}" for h in _own_hyperparameters(run))
    return f"{family(run['model']).label}{values} {run['reconstruction']}"


def label(run) -> str:
    """'AE z=4 bce' or 'VAE z=4, β=1 mse' for a row of a table or a run's configuration."""
    values = "".join(f", {h.symbol}={run[h.name]:g}" for h in _own_hyperparameters(run))
    return f"{family(run['model']).label} z={run['latent_dim']}{values} {run['reconstruction']}"


def is_variational(models) -> list[bool]:
    """For each model name, whether its family is variational (a mask for a table's rows)."""
    return [family(name).variational for name in models]


def uses(models, hyperparameter: str) -> list[bool]:
    """For each model name, whether its family has the hyper-parameter (a mask for a table's rows)."""
    return [hyperparameter in family(name).hyperparameters for name in models]


def sweep_axes(name: str) -> dict:
    """The JSON schema of one family's lists under `sweep` (config.schema.yaml's $defs by name)."""
    axes = {axis: {"$ref": f"#/$defs/{definition}"} for axis, definition in SHARED_AXES.items()}
    for hyperparameter in family(name).hyperparameters:
        items = HYPERPARAMETERS[hyperparameter].schema
        axes[hyperparameter] = {"type": "array", "minItems": 1, "uniqueItems": True, "items": items}
    axes["seed"] = {"$ref": "#/$defs/seeds"}
    return {"type": "object", "additionalProperties": False, "required": list(axes), "properties": axes}
