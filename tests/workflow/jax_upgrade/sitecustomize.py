"""Put first on PYTHONPATH, this makes importlib.metadata report jax one version later than the one
installed: a jax upgrade, as far as the rules' params can tell (tests/workflow/test_stale.py)."""

from importlib import metadata

_installed = metadata.version


def _upgraded(name: str) -> str:
    return _installed(name) + (".post999" if name == "jax" else "")


metadata.version = _upgraded
