"""The registries: model families, metrics and the schema built from them; the defaults
applied once; the schema shipped with the package; no model-name test outside the registry."""

from __future__ import annotations

import copy
import dataclasses
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from harness import ROOT

from shapestudy import config as study_config
from shapestudy.evaluation.metrics import METRICS
from shapestudy.training import families, train


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
    runs = study_config.runs(study_config.validate(default_config()))
    points = study_config.points(runs)
    assert "ae-mlp-mse-z4" in points and "vae-mlp-bce-z4-b1" in points and "vae-mlp-mse-z4-b4" in points
    assert all(len(seeds) == 3 for seeds in points.values())
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
