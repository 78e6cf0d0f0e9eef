"""The pinned stack: the tests run on the versions of constraints.txt (which setup.sh installs),
and every run record names the versions that trained it."""

import json

from harness import ROOT

# The only lines of constraints.txt that are not pins are comments.
PINS = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line and not line.startswith("#"))


def test_every_run_record_names_the_pinned_versions(tiny_study):
    records = sorted((tiny_study / "results" / "models").glob("*/record.json"))
    assert len(records) == 4
    for path in records:
        versions = json.loads(path.read_text())["versions"]
        assert {"jax", "jaxlib", "flax", "optax", "numpy"} <= set(versions)
        assert versions == {name: PINS[name] for name in versions}, path
