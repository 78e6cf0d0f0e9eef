#!/usr/bin/env bash
# Set up the project on a fresh machine: a virtual environment in .venv with the package, its
# workflow and test dependencies. With --tests, also the system packages the tests drive (the
# headless browser and its driver for the report test; SLURM itself is installed by tests/slurm/cluster.sh).
# Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup.sh: Python >= 3.11 is needed (snakemake 9); found $("$python" --version)" >&2; exit 1; }

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,slurm]"

if [ "${1:-}" = "--tests" ] && ! { command -v chromium && command -v chromedriver; } >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
fi
