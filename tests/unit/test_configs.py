"""The ready-made configs (configs/): each is complete, so merging it into config.yaml and replacing
config.yaml with it plan the same study; the quick one runs the whole pipeline. The cluster one is
planned through the SLURM profile in tests/workflow/test_slurm.py."""

import pytest
import yaml
from harness import ROOT

from shapestudy import config as study_config

CONFIGS = sorted(path.stem for path in (ROOT / "configs").glob("*.yaml"))


def keys(config: dict, prefix: str = "") -> set[str]:
    """Every key of a nested mapping, as dotted paths; the sweep's models and axes included."""
    found = set()
    for key, value in config.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found


@pytest.mark.parametrize("name", CONFIGS)
def test_a_config_is_complete_and_valid(name):
    default = yaml.safe_load((ROOT / "config.yaml").read_text())
    config = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text())
    # Every key of config.yaml, so a merge into it takes nothing from it; more only where the config
    # sweeps more families (their axes the schema checks).
    assert keys(default) <= keys(config)
    assert all(key.startswith("sweep.") for key in keys(config) - keys(default))
    study_config.validate(config)  # raises ConfigError naming the key


