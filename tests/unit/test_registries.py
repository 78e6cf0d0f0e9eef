"""The registries: model families, metrics and the schema built from them; the defaults
applied once; the schema shipped with the package; no model-name test outside the registry."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from harness import ROOT

from shapestudy import config as study_config
from shapestudy import families
from shapestudy.evaluation.metrics import METRICS
from shapestudy.training import train


def default_config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text())


@pytest.fixture
def third_family(monkeypatch):
    """A variational family with beta besides AE and VAE, as a beta-TCVAE would be registered."""
    tcvae = families.ModelFamily("tcvae", "TCVAE", variational=True, colour="#2a9d4b", shades="Greens",
                                 hyperparameters=("beta",))
    monkeypatch.setitem(families.FAMILIES, "tcvae", tcvae)
    study_config.schema.cache_clear()
    yield tcvae
    study_config.schema.cache_clear()


def test_the_registry_names_every_family_of_the_default_sweep():
    assert set(default_config()["sweep"]) <= set(families.FAMILIES)
    assert {name: f.variational for name, f in families.FAMILIES.items()} == {
        "ae": False, "vae": True, "rae": False, "wae": False}


def test_every_hyperparameter_is_a_training_setting_and_every_penalty_a_function():
    from shapestudy.training import penalties

    fields = {f.name: f.default for f in dataclasses.fields(train.TrainConfig)}
    assert {name: fields.get(name) for name in families.HYPERPARAMETERS} == {
        name: h.neutral for name, h in families.HYPERPARAMETERS.items()}
    assert all(callable(getattr(penalties, f.penalty)) for f in families.FAMILIES.values() if f.penalty)


def test_point_ids_carry_exactly_the_family_hyperparameters():
    config = study_config.validate(default_config())
    runs = study_config.runs(config)
    points = study_config.points(runs)
    assert "ae-mlp-mse-z4" in points and "vae-mlp-bce-z4-b1" in points and "vae-mlp-mse-z4-b4" in points
    # A point's runs are its seeds, all of them (both models sweep the same seeds).
    assert {len(seeds) for seeds in points.values()} == {len(axes["seed"]) for axes in config["sweep"].values()}
    # The AE has no beta: its runs hold the neutral value, which its id and label leave out.
    ae = runs["ae-mlp-bce-z4-s0"]
    assert ae["beta"] == 0.0 and families.label(ae) == "AE z=4 bce" and families.variant(ae) == "AE bce"
    assert families.label(runs["vae-mlp-mse-z4-b4-s0"]) == "VAE z=4, β=4 mse"


def test_a_new_family_is_one_registry_entry(third_family):
    """A third family with beta gets the beta suffix (two betas never collide), is trained as
    variational and is accepted under sweep by the schema, with no other change."""
    config = default_config()
    config["sweep"]["tcvae"] = {"arch": ["mlp"], "reconstruction": ["bce"], "latent_dim": [4], "beta": [1.0, 6.0], "seed": [0]}
    runs = study_config.runs(study_config.validate(config))
    assert {"tcvae-mlp-bce-z4-b1-s0", "tcvae-mlp-bce-z4-b6-s0"} <= set(runs)
    fields = {k: v for k, v in runs["tcvae-mlp-bce-z4-b6-s0"].items() if k in {f.name for f in dataclasses.fields(train.TrainConfig)}}
    assert train.TrainConfig(**fields).variational
    del config["sweep"]["tcvae"]["beta"]
    with pytest.raises(study_config.ConfigError, match="sweep.tcvae: 'beta' is a required property"):
        study_config.validate(config)


NEW_FAMILY = """
import json, sys
from shapestudy import config, families
from shapestudy.training import train
settings = config.validate(json.load(sys.stdin))
run = config.runs(settings)["dae-mlp-mse-z2-n0.5-s0"]
trained = train.TrainConfig(**run)
print(json.dumps([trained.name, trained.noise, families.label(run), train.TrainConfig(**config.runs(settings)[
    "vae-mlp-mse-z2-b1-s0"]).noise, list(families.POINT_KEYS)]))
"""


def test_a_family_with_a_hyperparameter_of_its_own_is_two_registry_lines(tmp_path):
    """In a copy of the package whose only change is a hyper-parameter line and a family line in
    families.py, the family is swept, named, labelled and configured for training with its value
    (the others hold its neutral value): no other list of keys to keep in step."""
    package = tmp_path / "shapestudy"
    shutil.copytree(ROOT / "src" / "shapestudy", package, ignore=shutil.ignore_patterns("__pycache__"))
    registry = package / "families.py"
    text = registry.read_text()
    added = {'        Hyperparameter("beta",': '        Hyperparameter("noise", "n", "ν", 0.0, WEIGHT),\n',
             '        ModelFamily("ae",': '        ModelFamily("dae", "DAE", False, "#444444", "Greys", ("noise",)),\n'}
    for anchor, line in added.items():
        assert text.count(anchor) == 1
        text = text.replace(anchor, line + anchor)
    registry.write_text(text)
    config = default_config()
    config["sweep"]["dae"] = {"arch": ["mlp"], "reconstruction": ["mse"], "latent_dim": [2], "noise": [0.5],
                              "seed": [0]}
    done = subprocess.run([sys.executable, "-c", NEW_FAMILY], input=json.dumps(config), capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=True)
    name, noise, label, neutral, point_keys = json.loads(done.stdout)
    assert (name, noise, label, neutral) == ("dae-mlp-mse-z2-n0.5-s0", 0.5, "DAE z=2, ν=0.5 mse", 0.0)
    assert "noise" in point_keys


def test_training_defaults_are_the_schemas_and_the_default_study_trains_with_them():
    """TrainConfig's fields are the run's keys and the training settings of its identity, and a
    setting not given takes the schema's default, which config.yaml keeps: the tests and benchmarks
    that build a TrainConfig from a run's keys alone train as the default study does."""
    training = study_config.schema()["properties"]["training"]["properties"]
    identity = [key for key in training if key not in study_config.job_settings()]
    assert [f.name for f in dataclasses.fields(train.TrainConfig)] == [*families.RUN_KEYS, *identity]
    for fields in study_config.runs(study_config.validate(default_config())).values():
        assert train.TrainConfig(**{key: fields[key] for key in families.RUN_KEYS}) == train.TrainConfig(**fields)


def test_an_unregistered_family_is_refused_with_the_registered_names():
    config = default_config()
    config["sweep"]["gan"] = {"arch": ["mlp"], "reconstruction": ["mse"], "latent_dim": [2], "seed": [0]}
    with pytest.raises(study_config.ConfigError, match=r"unknown key sweep.gan: expected one of \['ae', 'rae', 'vae', 'wae'\]"):
        study_config.validate(config)
    with pytest.raises(ValueError, match="unknown model 'gan'"):
        families.family("gan")


def test_schema_defaults_are_filled_in_once_by_validation():
    config = default_config()
    del config["training"]["checkpoint_every"], config["training"]["gpu"]
    validated = study_config.validate(copy.deepcopy(config))
    assert validated["training"]["checkpoint_every"] == 5 and validated["training"]["gpu"] is False
    # Settings that never change a result stay out of every run's identity.
    assert set(study_config.job_settings()) == {"checkpoint_every", "gpu"}
    assert not set(study_config.job_settings()) & set(next(iter(study_config.runs(validated).values())))


def test_no_model_name_is_tested_outside_the_registry():
    pattern = re.compile(r"""(==|!=|\bin)\s*\(?["'](ae|vae)["']|["'](ae|vae)["']\s*(==|!=)""")
    offenders = []
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "scripts").glob("*.py"), *(ROOT / "workflow").rglob("*.smk")]:
        if path.name == "families.py":
            continue
        offenders += [f"{path.relative_to(ROOT)}:{i}" for i, line in enumerate(path.read_text().splitlines(), 1)
                      if pattern.search(line)]
    assert offenders == []


def test_every_metric_family_is_a_module_with_a_score_function():
    import importlib

    for family in METRICS.values():
        module = importlib.import_module(family.module)
        assert callable(module.score), family.name
        assert family.title and family.shown and family.settings
        assert set(family.settings) <= set(default_config()["evaluation"])


def test_the_schema_ships_inside_the_package(tmp_path):
    """A non-editable install validates: the wheel holds the schema, and the package reads it from
    beside its own modules, not from a checkout."""
    source = tmp_path / "source"  # a copy: a build writes into the tree it builds
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("shapestudy-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")
    assert (tmp_path / "site" / "shapestudy" / "config.schema.yaml").is_file()
    check = ("import sys, yaml; from shapestudy import config; "
             f"config.validate(yaml.safe_load(open({str(ROOT / 'config.yaml')!r}))); print(config.SCHEMA)")
    shown = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {check}"],
                           check=True, capture_output=True, text=True).stdout
    assert shown.strip() == str(tmp_path / "site" / "shapestudy" / "config.schema.yaml")
