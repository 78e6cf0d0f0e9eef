"""Code fingerprints derived from imports: a rule carries a hash of every package module its script
reaches, so that editing a module reruns exactly the rules whose scripts reach it.

The reference for "reaches" is Python itself: each rule's script's imports are executed in a fresh
interpreter and the package modules it then holds are read off sys.modules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import harness
from harness import ROOT

from shapestudy.jobs import fingerprint

PACKAGE = ROOT / "src" / "shapestudy"


def rule_sources(study: Path) -> dict[str, tuple[Path, tuple[str, ...]]]:
    """Every rule with a script that ran in a finished study, with its script and the modules the
    script imports by name (an evaluation rule's metric), from Snakemake's own records."""
    from shapestudy.evaluation.metrics import METRICS

    sources = {}
    for record in (study / ".snakemake" / "metadata").iterdir():
        fields = json.loads(record.read_text())
        script = re.search(r"scripts/([\w{}.]+\.py)", fields.get("code") or "")
        if script:
            metric = fields["rule"].removeprefix("evaluate_")
            modules = (METRICS[metric].module,) if fields["rule"].startswith("evaluate_") else ()
            # A figure rule names its script by its params: scripts/figure_{params.figure}.py.
            name = script.group(1).replace("figure_{params.figure}", fields["rule"])
            sources[fields["rule"]] = (ROOT / "scripts" / name, modules)
    return sources


def test_every_rule_fingerprints_exactly_the_modules_its_job_loads(tiny_study):
    sources = rule_sources(tiny_study)
    assert len(sources) >= 17  # data, 2 trainings, 4 evaluations, table, 9 figures, experiments
    for rule, (script, modules) in sources.items():
        reached = set(fingerprint.reached_files([script, *modules], PACKAGE))
        assert reached == harness.package_files_loaded(script, *modules), rule


def test_editing_any_module_reruns_exactly_the_rules_that_load_it(tiny_study, copy_study):
    """Every module of the package, edited in turn in a copy of the finished tiny study: a dry run
    plans exactly the jobs that forcing the rules whose jobs load the module would plan (those
    rules and everything downstream of them), job for job."""
    loaded = {rule: harness.package_files_loaded(script, *modules) for rule, (script, modules) in rule_sources(tiny_study).items()}
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
