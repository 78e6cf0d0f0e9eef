"""The study's configuration: validation against the JSON schema (with its defaults filled in),
and the sweep it defines."""

from __future__ import annotations

import copy
import functools
import itertools
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from shapestudy import families, preconditions
from shapestudy.data.grid import FactorGrid, from_settings
from shapestudy.sizes import STORED_SAMPLES

if TYPE_CHECKING:
    import jsonschema

# Package data, so that an installed (not only an editable) package validates; the workflow's
# workflow/schemas/config.schema.yaml is a link to it.
SCHEMA = Path(__file__).with_name("config.schema.yaml")


@functools.cache
def schema(path: Path = SCHEMA) -> dict:
    """The schema, with one entry under `sweep` per family of the model registry, and the most
    example images a figure can show: the samples the evaluation keeps."""
    # libyaml's loader where PyYAML has it: 8 ms instead of 80 for this file, in every training job.
    loaded = yaml.load(Path(path).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    loaded["properties"]["sweep"]["properties"] = {name: families.sweep_axes(name) for name in families.FAMILIES}
    loaded["properties"]["figures"]["properties"]["examples"]["maximum"] = STORED_SAMPLES
    return loaded


def job_settings() -> tuple[str, ...]:
    """Training settings that change how a job runs but never what it produces (`identity: false`
    in the schema): they stay out of the run's configuration, its rule params and so its identity
    (changing them reruns nothing)."""
    training = schema()["properties"]["training"]["properties"]
    return tuple(key for key, spec in training.items() if spec.get("identity") is False)


class ConfigError(ValueError):
    """A configuration that the study cannot run; the message is one line."""


def _key_path(error: jsonschema.ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".") or "(top level)"


def _explain(error: jsonschema.ValidationError) -> str:
    """One line: the key, the value found and what the schema expected there."""
    key = _key_path(error)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        where = "" if key == "(top level)" else f"{key}."
        return f"unknown key {where}{unknown[0]}: expected one of {allowed}"
    if error.validator == "required":
        return f"{key}: {error.message}"
    if error.validator == "enum":
        return f"{key}: {error.instance!r} is not one of {error.validator_value}"
    return f"{key}: {error.message}"


def _fill_defaults(instance: dict, spec: dict) -> None:
    """Set every missing key that has a `default` in the schema, at any depth, in place."""
    for key, sub in spec.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if isinstance(instance.get(key), dict):
            _fill_defaults(instance[key], sub)


def resolved(spec: dict, root: dict) -> dict:
    """`spec`, or the definition under the root's $defs that its $ref names."""
    return root["$defs"][spec["$ref"].rsplit("/", 1)[-1]] if "$ref" in spec else spec


def _canonical(value, spec: dict, root: dict):
    """`value` as the schema reads it: mappings with their keys sorted, and numbers where the schema
    says number as floats (1 and 1.0 are the same learning rate)."""
    spec = resolved(spec, root)
    if isinstance(value, dict):
        return {key: _canonical(value[key], spec.get("properties", {}).get(key, {}), root) for key in sorted(value)}
    if isinstance(value, list):
        return [_canonical(item, spec.get("items", {}), root) for item in value]
    if spec.get("type") == "number" and not isinstance(value, bool):
        return float(value)
    return value


def validate(config: dict, schema_path: Path = SCHEMA) -> dict:
    """Check `config` against the schema and the preconditions of its jobs; raise ConfigError.
    The schema's defaults are filled into `config` (in place), the one place they are applied, and
    `config` is made canonical (in place): two files that say the same in another key order or
    number spelling give equal configs, so Snakemake, which compares rule params as text, reruns
    nothing for them."""
    spec = schema(Path(schema_path))
    import jsonschema  # here, not at the top: a training job reads the schema (TrainConfig) but validates nothing

    validator = jsonschema.Draft202012Validator(spec)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        raise ConfigError(_explain(errors[0]))
    _fill_defaults(config, spec)
    canonical = _canonical(config, spec, spec)
    config.clear()
    config.update(canonical)
    # Constraints between keys that the jobs rely on (shapestudy.preconditions), before any job.
    problem = preconditions.violated(config)
    if problem is not None:
        raise ConfigError(problem)
    return config


def grid(config: dict) -> FactorGrid:
    return from_settings(config["data"])


def runs(config: dict) -> dict[str, dict]:
    """Every training configuration of the sweep (the fields of train.TrainConfig), by run id."""
    training = {k: v for k, v in config["training"].items() if k not in job_settings()}
    result = {}
    for model, axes in config["sweep"].items():
        # Every hyper-parameter of the registry is in every run: a family without it gets its
        # neutral value (the AE's beta is 0).
        neutral = {name: [h.neutral] for name, h in families.HYPERPARAMETERS.items()}
        lists = {"model": [model], **neutral, **axes}
        for chosen in itertools.product(*(lists[key] for key in families.RUN_KEYS)):
            run = dict(zip(families.RUN_KEYS, chosen))
            run.update({name: float(run[name]) for name in families.HYPERPARAMETERS})
            run.update(training)
            result[families.run_id(run)] = run
    return result


def points(runs_by_id: dict[str, dict]) -> dict[str, list[str]]:
    """The run ids of each point of the sweep (its seeds, in the order of the config). One job
    trains or evaluates all seeds of a point: they share the process start, the data and the
    compiled programs."""
    result = {}
    for run, fields in runs_by_id.items():
        result.setdefault(families.point_id(fields), []).append(run)
    return result


def load(path: str | Path) -> dict:
    """Read and validate a config file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    return validate(config if config is not None else {})
