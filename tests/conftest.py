"""Shared pytest configuration."""


def pytest_configure(config):
    # Tests that start a real single-node SLURM cluster (tests/slurm/cluster.sh; needs root and
    # apt-get the first time). Deselect with: pytest -m "not slurm"
    config.addinivalue_line("markers", "slurm: runs Snakemake through a real SLURM cluster (tests/slurm/cluster.sh)")
