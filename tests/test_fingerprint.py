"""Code fingerprints derived from imports: a rule carries a hash of every package module its script
reaches, so that editing a module reruns exactly the rules whose scripts reach it.

The reference for "reaches" is Python itself: each rule's script's imports are executed in a fresh
interpreter and the package modules it then holds are read off sys.modules."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import harness
from shapestudy import fingerprint

ROOT = Path(__file__).resolve().parents[1]
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


def imports_of(script: Path, *modules: str) -> dict[str, str | None]:
    """Every module a fresh interpreter holds after running the script's imports (and importing
    the named modules), with its file: what a job of the rule really loads."""
    program = textwrap.dedent(f"""
        import ast, importlib, json, sys
        tree = ast.parse(open({str(script)!r}).read())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                exec(compile(ast.Module([node], []), {str(script)!r}, "exec"), {{}})
        for name in {list(modules)!r}:
            importlib.import_module(name)
        print(json.dumps({{name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}}))
    """)
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(PACKAGE.parent), "JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"})
    return json.loads(result.stdout)


def package_files_loaded(script: Path, *modules: str) -> set[Path]:
    loaded = imports_of(script, *modules)
    return {Path(file).resolve() for name, file in loaded.items() if name.split(".")[0] == "shapestudy" and file}


def test_table_and_report_jobs_import_no_jax():
    """Writing tables and text needs numpy and pandas, not JAX, Flax or a model."""
    for script in ("table.py", "experiments.py"):
        loaded = imports_of(ROOT / "scripts" / script)
        assert not {"jax", "flax", "optax"} & set(loaded), script


def rule_sources(study: Path) -> dict[str, tuple[Path, tuple[str, ...]]]:
    """Every rule with a script that ran in a finished study, with its script and the modules the
    script imports by name (an evaluation rule's metric family), from Snakemake's own records."""
    from shapestudy.evaluation.metrics import METRICS

    sources = {}
    for record in (study / ".snakemake" / "metadata").iterdir():
        fields = json.loads(record.read_text())
        script = re.search(r"scripts/(\w+\.py)", fields.get("code") or "")
        if script:
            family = fields["rule"].removeprefix("evaluate_")
            modules = (METRICS[family].module,) if fields["rule"].startswith("evaluate_") else ()
            sources[fields["rule"]] = (ROOT / "scripts" / script.group(1), modules)
    return sources


def test_every_rule_fingerprints_exactly_the_modules_its_job_loads(tiny_study):
    sources = rule_sources(tiny_study)
    assert len(sources) >= 17  # data, 2 trainings, 4 evaluations, table, 9 figures, experiments
    for rule, (script, modules) in sources.items():
        reached = set(fingerprint.reached_files([script, *modules], PACKAGE))
        assert reached == package_files_loaded(script, *modules), rule


def test_editing_any_module_reruns_exactly_the_rules_that_load_it(tiny_study, copy_study):
    """Every module of the package, edited in turn in a copy of the finished tiny study: a dry run
    plans exactly the jobs that forcing the rules whose jobs load the module would plan (those
    rules and everything downstream of them), job for job."""
    loaded = {rule: package_files_loaded(script, *modules) for rule, (script, modules) in rule_sources(tiny_study).items()}
    package = copy_study / "src" / "shapestudy"
    forced = {}  # the jobs a forced set of rules plans, by set of rules

    def plan_of(rules):
        if rules not in forced:
            args = ("--forcerun", *sorted(rules)) if rules else ()
            forced[rules] = harness.planned_jobs(harness.dry_run(copy_study, *args))
        return forced[rules]

    mismatches = {}
    for module in sorted(package.rglob("*.py")):
        relative = module.relative_to(package)
        original = module.read_text()
        module.write_text(original + "\n# edited\n")
        try:
            planned = harness.planned_jobs(harness.dry_run(copy_study))
        finally:
            module.write_text(original)
        expected = plan_of(frozenset(rule for rule, files in loaded.items() if PACKAGE / relative in files))
        if planned != expected:
            mismatches[str(relative)] = (planned, expected)
    assert mismatches == {}
    # Not vacuous: modules reach different sets of rules, training among them.
    assert len(forced) >= 5 and any("train_ae" in jobs for jobs in forced.values())
