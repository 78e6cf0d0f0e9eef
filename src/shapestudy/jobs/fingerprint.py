"""Code fingerprints of workflow rules, derived from imports.

Snakemake reruns a rule when its script changes, but it cannot see the package modules the script
imports. A rule therefore carries in its params a hash of every module of this package that its
script reaches, following imports transitively inside the package: editing a module reruns
exactly the rules whose scripts reach it. Imports are read from the source (ast), at any depth
(inside functions too), without importing anything.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

PACKAGE = "shapestudy"


def _module_file(name: str, root: Path) -> Path | None:
    """The file of a package module by dotted name ('shapestudy.evaluation.rate'), or None."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = root.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _with_parents(name: str) -> list[str]:
    """A module and the packages above it, whose __init__ runs when it is imported."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def imported_modules(path: Path, root: Path) -> set[str]:
    """Dotted names of the package modules that the file at `path` imports directly."""
    tree = ast.parse(Path(path).read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the importing module's package
                package = Path(path).resolve().parent.relative_to(root.resolve().parent).parts
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            # `from package import name`: name may be a module of the package, or an attribute.
            names.update(f"{module}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        found.update(n for n in _with_parents(name) if _module_file(n, root))
    return found


def reached_files(sources, root: Path) -> list[Path]:
    """The package files that the given files (scripts) or dotted module names reach, sorted."""
    seen: set[str] = set()
    pending: list[str] = []
    for source in sources:
        if str(source).startswith(f"{PACKAGE}."):
            pending += [n for n in _with_parents(str(source)) if _module_file(n, root)]
        else:
            pending += sorted(imported_modules(Path(source), root))
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending += sorted(imported_modules(_module_file(name, root), root))
    return sorted(_module_file(name, root) for name in seen)


def code_hash(sources, root: Path) -> str:
    """Fingerprint of the package code that the given scripts and modules reach."""
    digest = hashlib.sha256()
    for path in reached_files(sources, root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
