"""The pinned stack: the tests run on the versions of constraints.txt (which setup.sh installs),
and every run record names the versions that trained it."""

from importlib import metadata

from harness import ROOT

# The only lines of constraints.txt that are not pins are comments.
PINS = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line and not line.startswith("#"))


def test_the_installed_packages_are_the_pinned_versions():
    assert {"jax", "flax", "snakemake", "pytest"} <= set(PINS)
    assert {name: metadata.version(name) for name in PINS} == PINS


