#!/usr/bin/env bash
# Set up the project on a fresh machine: a virtual environment in .venv with the package, its
# workflow and test dependencies, at the versions pinned in constraints.txt (the tested stack).
#   bash setup.sh             the pinned stack
#   bash setup.sh --tests     also the system packages the tests drive (the headless browser and
#                             its driver for the report test, LaTeX and the report's class,
#                             IEEEtran, for the compile test of the report's .tex files; SLURM
#                             itself is installed by
#                             tests/workflow/slurm/cluster.sh)
#   bash setup.sh --upgrade   resolve the newest versions pyproject.toml allows in a scratch venv,
#                             write them to constraints.txt, then install them; run the tests
#                             before committing the new constraints.txt
# Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup.sh: Python >= 3.11 is needed (snakemake 9); found $("$python" --version)" >&2; exit 1; }

extras=".[test,slurm]"
if [[ " $* " == *" --upgrade "* ]]; then
  # A scratch venv, so that constraints.txt lists exactly what the extras need (not, say, the
  # benchmarks' PyTorch), and never the project itself (--exclude-editable).
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  "$python" -m venv "$scratch"
  "$scratch/bin/python" -m pip install --quiet --upgrade pip
  "$scratch/bin/python" -m pip install --quiet -e "$extras"
  { echo "# The tested stack: bash setup.sh installs these versions (bash setup.sh --upgrade rewrites this file)."
    "$scratch/bin/python" -m pip freeze --exclude-editable; } > constraints.txt
  echo "setup.sh: constraints.txt rewritten; run the tests, then commit it"
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e "$extras"

if [[ " $* " == *" --tests "* ]] && ! { command -v chromium && command -v chromedriver && command -v pdflatex \
    && kpsewhich IEEEtran.cls; } >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium chromium-driver texlive-latex-base texlive-publishers >/dev/null
fi
