"""Score files and the tables aggregated from them over seeds.

A score file (one per point of the sweep and metric family) is JSON with a section per run (seed):
    {"point": id, "runs": [{"run": id, "config": {training configuration}, "ran_on": {...},
                            "rows": [{"settings": {...}, "scores": {...}}], ...}]}
"settings" holds everything that produced the scores besides the configuration (estimator
settings, noise level, ...); "scores" holds the numbers. Aggregation groups runs that differ only
in their seed and reports mean, standard deviation and n of every score.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from shapestudy.artifacts import where_it_ran, write_atomic, write_json

SEED_FREE_KEYS = ("model", "arch", "latent_dim", "beta")


def run_scores(run: str, config: dict, rows: list[dict], **extra) -> dict:
    """One run's section of a score file; `extra` holds arrays kept for figures (not aggregated)."""
    return {"run": run, "config": config, "rows": rows, "ran_on": where_it_ran(), **extra}


def write_scores(path, point: str, runs: list[dict]) -> None:
    """Write a point's score file from its runs' sections (run_scores)."""
    write_json(path, {"point": point, "runs": runs})


def _read(path) -> dict:
    try:
        content = json.loads(Path(path).read_text())
        if not isinstance(content["runs"], list):
            raise ValueError("'runs' is not a list")
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a readable score file ({type(error).__name__}: {error})") from None
    return content


def run_section(paths, run: str) -> dict:
    """The section of one run in the given score files."""
    for path in paths:
        for section in _read(path)["runs"]:
            if section["run"] == run:
                return section
    raise ValueError(f"{', '.join(map(str, paths))}: no scores of run {run}")


def score_row(result: dict, settings: list[str], **more_settings) -> dict:
    """A metric's flat result dict split into {"settings": ..., "scores": ...}."""
    return {
        "settings": {**{k: result[k] for k in settings}, **more_settings},
        "scores": {k: v for k, v in result.items() if k not in settings},
    }


def read_scores(paths) -> tuple[pd.DataFrame, list[str]]:
    """One row per run and settings: configuration, settings and scores; and the score columns."""
    records, score_columns = [], {}
    for path in paths:
        for section in _read(path)["runs"]:
            for row in section["rows"]:
                records.append({"run": section["run"], **section["config"], **row["settings"], **row["scores"]})
                score_columns.update(dict.fromkeys(row["scores"]))
    return pd.DataFrame(records), list(score_columns)


def aggregate(frame: pd.DataFrame, score_columns: list[str]) -> pd.DataFrame:
    """Mean, sd and n of every score over seeds, per configuration and settings."""
    keys = [c for c in frame.columns if c not in (*score_columns, "run", "seed")]
    keys = [k for k in SEED_FREE_KEYS if k in keys] + [k for k in keys if k not in SEED_FREE_KEYS]
    keyed = frame.fillna({k: "" for k in keys})
    grouped = keyed.groupby(keys, sort=True, dropna=False)
    table = grouped[score_columns].agg(["mean", "std"])
    table.columns = [f"{score}_{stat}".replace("_std", "_sd") for score, stat in table.columns]
    table.insert(0, "n", grouped.size())
    return table.reset_index()


def _varying_keys(table: pd.DataFrame, score_columns: list[str]) -> tuple[list[str], dict]:
    keys = [c for c in table.columns if c != "n" and not any(c.startswith(f"{s}_") for s in score_columns)]
    varying = [k for k in keys if k in SEED_FREE_KEYS or table[k].nunique() > 1]
    constant = {k: table[k].iloc[0] for k in keys if k not in varying}
    return varying, constant


def _mean_sd(table: pd.DataFrame, score: str, digits: int) -> pd.Series:
    mean, sd = table[f"{score}_mean"], table[f"{score}_sd"]
    text = mean.map(lambda v: f"{v:.{digits}g}")
    return text.where(sd.isna(), text + " ± " + sd.map(lambda v: f"{v:.2g}"))


def presentable(table: pd.DataFrame, score_columns: list[str], digits: int = 4):
    """The table as strings: varying keys, n, and 'mean ± sd' per score; and the constant keys."""
    varying, constant = _varying_keys(table, score_columns)
    shown = table[varying].copy()
    if "beta" in shown and "model" in shown:
        shown["beta"] = shown["beta"].where(shown["model"] == "vae", "")
    shown["n"] = table["n"]
    for score in score_columns:
        shown[score] = _mean_sd(table, score, digits)
    return shown.astype(str), constant


def to_markdown(table: pd.DataFrame, score_columns: list[str], title: str) -> str:
    shown, constant = presentable(table, score_columns)
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "|" + "|".join("---" for _ in shown.columns) + "|"
    body = ["| " + " | ".join(row) + " |" for row in shown.itertuples(index=False)]
    settings = ", ".join(f"{k} = {v}" for k, v in constant.items())
    return "\n".join([f"### {title}", "", header, rule, *body, "", f"Mean ± sd over seeds (n runs). Settings: {settings}.", ""])


def _latex_escape(text: str) -> str:
    return text.replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("%", r"\%").replace("&", r"\&").replace("±", r"$\pm$")


def to_latex(table: pd.DataFrame, score_columns: list[str], title: str) -> str:
    shown, constant = presentable(table, score_columns)
    columns = "l" * len(shown.columns)
    lines = [r"\begin{table}[t]", r"\centering", r"\small", f"\\caption{{{_latex_escape(title)}}}",
             f"\\begin{{tabular}}{{{columns}}}", r"\hline",
             " & ".join(_latex_escape(c) for c in shown.columns) + r" \\", r"\hline"]
    lines += [" & ".join(_latex_escape(v) for v in row) + r" \\" for row in shown.itertuples(index=False)]
    settings = ", ".join(f"{k} = {v}" for k, v in constant.items())
    lines += [r"\hline", r"\end{tabular}", "", f"\\footnotesize{{Mean $\\pm$ sd over seeds. {_latex_escape(settings)}.}}",
              r"\end{table}", ""]
    return "\n".join(lines)


def write_tables(score_paths, outputs: dict[str, str], title: str) -> pd.DataFrame:
    """Aggregate score files into CSV, Markdown and LaTeX at the paths given by `outputs`."""
    frame, score_columns = read_scores(score_paths)
    table = aggregate(frame, score_columns)
    write_atomic(outputs["csv"], table.to_csv(index=False, float_format="%.6g").encode())
    write_atomic(outputs["md"], to_markdown(table, score_columns, title).encode())
    write_atomic(outputs["tex"], to_latex(table, score_columns, title).encode())
    return table
