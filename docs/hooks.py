"""MkDocs hook (mkdocs.yml: hooks): pages generated at build time, so that they cannot drift from
their sources.

- configuration-reference.md: every key of the config schema, from shapestudy.config.schema()
  (the schema file with the model registry's sweep filled in). The text of each key is its
  `description` in src/shapestudy/config.schema.yaml, written there once; the keys the registry
  adds (a family under `sweep`, a hyper-parameter such as beta) get a line made here from the
  registry (shapestudy.families).
- explore.md: the notebook docs/explore.py (Jupytext percent format) as a page of markdown and
  code, not executed.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.structure.files import File

REFERENCE = "configuration-reference.md"
NOTEBOOK, NOTEBOOK_PAGE = "explore.py", "explore.md"


def _resolve(spec: dict, schema: dict) -> dict:
    """A property's schema with its $ref (into $defs) replaced by the definition; keys written
    beside the $ref win."""
    if "$ref" not in spec:
        return spec
    name = spec["$ref"].removeprefix("#/$defs/")
    return {**schema["$defs"][name], **{k: v for k, v in spec.items() if k != "$ref"}}


def _registry_description(path: tuple[str, ...]) -> str:
    """The line for a key the model registry adds to the schema (it carries no description)."""
    from shapestudy import families

    if len(path) == 2:
        family = families.family(path[1])
        kind = "variational: a KL term in the loss" if family.variational else "deterministic encoder, no KL term"
        return (f"The axes of the {family.label} family ({kind}). Every combination of its lists is one "
                f"training configuration.")
    hyperparameter = families.HYPERPARAMETERS.get(path[-1])
    if hyperparameter is None:
        return "One value per configuration of the sweep."
    return (f"One value per configuration of the sweep: hyper-parameter `{hyperparameter.name}` of the model "
            f"registry ({hyperparameter.symbol} in labels, `-{hyperparameter.suffix}<value>` in point ids); a "
            f"family without it takes {hyperparameter.neutral:g}.")


def _type(spec: dict) -> str:
    kind = spec.get("type")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}))}"
    if kind == "object":
        return "mapping"
    if kind is None and "enum" in spec:
        return "string"
    return kind or "any"


def _bounds(spec: dict) -> list[str]:
    found = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in spec:
            found.append(f"{sign} {spec[key]:g}")
    return found


def _allowed(spec: dict) -> str:
    if "enum" in spec:
        return "one of " + ", ".join(f"`{value}`" for value in spec["enum"])
    if spec.get("type") == "array":
        parts = []
        if spec.get("minItems", 0) >= 1:
            parts.append(f"at least {spec['minItems']} value{'s' if spec['minItems'] > 1 else ''}")
        if spec.get("uniqueItems"):
            parts.append("no repeats")
        each = _allowed(spec.get("items", {}))
        if each:
            parts.append(f"each {each}")
        return "; ".join(parts)
    if spec.get("type") == "object":
        return "the keys below"
    if spec.get("type") == "boolean":
        return "`true` or `false`"
    return " and ".join(_bounds(spec))


def _default(spec: dict, required: bool) -> str:
    if "default" in spec:
        return f"`{json.dumps(spec['default'])}`"
    return "required" if required else "optional"


def reference_rows(schema: dict) -> list[dict]:
    """One row per key of the schema, depth first in the schema's order: its dotted path, type,
    default, allowed values and description."""
    rows = []

    def walk(spec: dict, prefix: tuple[str, ...]) -> None:
        required = set(spec.get("required", ()))
        for key, sub in spec.get("properties", {}).items():
            sub = _resolve(sub, schema)
            path = (*prefix, key)
            description = sub.get("description") or (
                _registry_description(path) if path[0] == "sweep" else "")
            rows.append({"path": ".".join(path), "type": _type(sub), "default": _default(sub, key in required),
                         "allowed": _allowed(sub), "description": " ".join(description.split())})
            if sub.get("type") == "object":
                walk(sub, path)

    walk(schema, ())
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def reference_page(schema: dict) -> str:
    lines = [
        "# Configuration reference",
        "",
        ("Every key of the study's configuration, generated from the schema "
         "(`src/shapestudy/config.schema.yaml`, with the model registry's sweep filled in) each time the "
         "site is built. `config.yaml` is the default study; [Configuration](configuration.md) says how "
         "config files are given and merged."),
        "",
        " ".join(schema.get("description", "").split()),
        "",
    ]
    rows = reference_rows(schema)
    for section in schema["properties"]:
        lines += [f"## {section}", "", "| key | type | default | allowed | description |", "|---|---|---|---|---|"]
        for row in rows:
            if row["path"] == section or row["path"].startswith(f"{section}."):
                cells = [f"`{row['path']}`", row["type"], row["default"], row["allowed"], row["description"]]
                lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def notebook_page(text: str) -> str:
    """The percent-format notebook as markdown: its markdown cells as text, its code cells as
    Python blocks; no outputs (it is not run)."""
    import jupytext

    notebook = jupytext.reads(text, fmt="py:percent")
    notebook.metadata.setdefault("jupytext", {})["notebook_metadata_filter"] = "-all"
    return jupytext.writes(notebook, fmt="md")


def on_files(files, config):
    from shapestudy.config import schema

    files.append(File.generated(config, REFERENCE, content=reference_page(schema())))
    source = Path(config["docs_dir"]) / NOTEBOOK
    files.append(File.generated(config, NOTEBOOK_PAGE, content=notebook_page(source.read_text())))
    return files
