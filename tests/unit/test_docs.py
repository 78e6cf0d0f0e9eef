"""The documentation: the MkDocs site builds with --strict, its generated configuration reference
names every key of the schema, every key has a description (the reference's text is written once,
in the schema), the README stays short with the first command on top, and nothing points outside
the repository."""

import importlib.util
import re
import subprocess
import sys

import pytest
import yaml
from harness import ROOT

from shapestudy import config as study_config

FIRST_COMMAND = "bash setup.sh && .venv/bin/snakemake --cores 2"
README_LINES = 150
# Places outside the repository that nothing in it may point to.
OUTSIDE = re.compile(r"\.\./shared|shared/notes|STUDY\.md")
SEARCHED = ("README.md", "docs", "src", "scripts", "workflow")


def schema_keys(spec: dict, schema: dict, prefix: str = "") -> dict[str, dict]:
    """Every key under `properties`, at any depth, by dotted path, with its $ref resolved into
    $defs (written here apart from docs/hooks.py, so that a key the hook skips is caught)."""
    found = {}
    for key, sub in spec.get("properties", {}).items():
        if "$ref" in sub:
            sub = {**schema["$defs"][sub["$ref"].split("/")[-1]], **{k: v for k, v in sub.items() if k != "$ref"}}
        path = f"{prefix}{key}"
        found[path] = sub
        found.update(schema_keys(sub, schema, f"{path}."))
    return found


def hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built as a user builds it, into a temporary folder."""
    directory = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(directory)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return directory


def test_the_site_builds_strict_and_its_reference_names_every_key(site):
    reference = (site / "configuration-reference" / "index.html").read_text()
    keys = schema_keys(study_config.schema(), study_config.schema())
    assert {"data.canvas", "sweep.vae.beta", "sweep.ae.seed", "training.gpu", "figures.sigma"} <= set(keys)
    missing = [key for key in keys if f"<code>{key}</code>" not in reference]
    assert missing == []
    # The notebook is a page too, its code shown.
    assert "runs.load" in (site / "explore" / "index.html").read_text()


def test_every_key_of_the_schema_has_a_description():
    # The schema file: every key at any depth, and every $defs entry the sweep's axes refer to.
    written = yaml.safe_load((ROOT / "src" / "shapestudy" / "config.schema.yaml").read_text())
    entries = {**schema_keys(written, written), **{f"$defs.{name}": spec for name, spec in written["$defs"].items()}}
    assert len(entries) > 40
    undescribed = [key for key, spec in entries.items() if not str(spec.get("description", "")).strip()]
    assert undescribed == []
    # The keys the model registry adds (a family under sweep, beta) get their line from the hook.
    rows = {row["path"]: row for row in hooks().reference_rows(study_config.schema())}
    assert set(rows) == set(schema_keys(study_config.schema(), study_config.schema()))
    assert [path for path, row in rows.items() if not row["description"].strip()] == []


def test_the_readme_is_short_and_starts_with_the_first_command():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= README_LINES
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, flags=re.DOTALL).group(1)
    assert FIRST_COMMAND in [line.strip() for line in first_block.splitlines()]


def test_nothing_points_outside_the_repository():
    paths = []
    for name in SEARCHED:
        found = ROOT / name
        paths += [found] if found.is_file() else [p for p in found.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert len(paths) > 50
    offenders = []
    for path in paths:
        try:
            text = path.read_text()
        except UnicodeDecodeError:  # binary files (images) say nothing
            continue
        offenders += [f"{path.relative_to(ROOT)}:{number}" for number, line in enumerate(text.splitlines(), 1)
                      if OUTSIDE.search(line)]
    assert offenders == []
