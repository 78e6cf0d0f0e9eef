"""Code fingerprints derived from imports: a rule carries a hash of every package module its script
reaches, so that editing a module reruns exactly the rules whose scripts reach it.

The reference for "reaches" is Python itself: each rule's script's imports are executed in a fresh
interpreter and the package modules it then holds are read off sys.modules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import harness
from harness import ROOT

from shapestudy.jobs import fingerprint

PACKAGE = ROOT / "src" / "shapestudy"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_imports_are_followed_transitively_in_every_form(tmp_path):
    package = tmp_path / "shapestudy"
    write(tmp_path, {
        "shapestudy/__init__.py": "",
        "shapestudy/a.py": "from shapestudy import b\n",  # a module named in a from-import
        "shapestudy/b.py": "import numpy\nfrom shapestudy.sub.c import value\n",  # a name from a module
        "shapestudy/sub/__init__.py": "",
        "shapestudy/sub/c.py": "from . import d\nvalue = 1\n",  # relative
        "shapestudy/sub/d.py": "def later():\n    import shapestudy.e\n",  # inside a function
        "shapestudy/e.py": "",
        "shapestudy/unused.py": "",
        "script.py": "from shapestudy import a, jobs_that_do_not_exist\nimport shapestudy\n",
    })
    reached = fingerprint.reached_files([tmp_path / "script.py"], package)
    names = sorted(str(p.relative_to(package)) for p in reached)
    assert names == ["__init__.py", "a.py", "b.py", "e.py", "sub/__init__.py", "sub/c.py", "sub/d.py"]
    # A module named directly, as a rule names the module its script imports by name.
    assert fingerprint.reached_files(["shapestudy.e"], package) == [package / "__init__.py", package / "e.py"]


def test_the_hash_changes_with_a_reached_module_and_only_with_it(tmp_path):
    package = tmp_path / "shapestudy"
    write(tmp_path, {"shapestudy/__init__.py": "", "shapestudy/a.py": "x = 1\n", "shapestudy/b.py": "",
                     "script.py": "from shapestudy import a\n"})
    before = fingerprint.code_hash([tmp_path / "script.py"], package)
    (package / "b.py").write_text("y = 2\n")
    assert fingerprint.code_hash([tmp_path / "script.py"], package) == before
    (package / "a.py").write_text("x = 2\n")
    assert fingerprint.code_hash([tmp_path / "script.py"], package) != before


def test_table_and_report_jobs_import_no_jax():
    """Writing tables and text needs numpy and pandas, not JAX, Flax or a model."""
    for script in ("table.py", "experiments.py"):
        loaded = harness.imports_of(ROOT / "scripts" / script)
        assert not {"jax", "flax", "optax"} & set(loaded), script


