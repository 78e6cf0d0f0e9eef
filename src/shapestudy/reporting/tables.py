"""The tables aggregated from score files over seeds: mean, standard deviation and n of every
score, per configuration and settings (score files: scores.py)."""

from __future__ import annotations

import re

import pandas as pd

from shapestudy import families
from shapestudy.evaluation import scores
from shapestudy.reporting import formats

# A score column of every table: 1 for a run whose training converged (stopped on a plateau), 0
# for one stopped at the cap while still improving; its mean is the share of converged seeds.
CONVERGED = "converged"
NOT_CONVERGED_MARK = "†"
NOT_CONVERGED_NOTE = (f"{NOT_CONVERGED_MARK}: not every seed converged (training stopped at "
                      "training.max_epochs while the validation loss still improved)")


def by_family(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each family's rows by its label ('AE', 'VAE', ...), in the registry's order, those with rows."""
    return {family.label: table[table["model"] == name] for name, family in families.FAMILIES.items()
            if (table["model"] == name).any()}


def read_scores(paths) -> tuple[pd.DataFrame, list[str]]:
    """One row per run and settings: configuration, settings and scores (with `converged`, from
    how the run's training ended); and the score columns."""
    records, score_columns = [], {}
    for path in paths:
        for section in scores.read(path)["runs"]:
            converged = section.get("training", {}).get(CONVERGED)
            outcome = {} if converged is None else {CONVERGED: float(converged)}
            # A list-valued setting (training.hidden) as a tuple: rows are grouped by every setting.
            config = {k: tuple(v) if isinstance(v, list) else v for k, v in section["config"].items()}
            for row in section["rows"]:
                # A setting's "seed" is the evaluation's: the run's own seed stays in `seed`.
                records.append({"run": section["run"], **config, **row["settings"], "seed": config["seed"],
                                **row["scores"], **outcome})
                score_columns.update(dict.fromkeys([*row["scores"], *outcome]))
    return pd.DataFrame(records), list(score_columns)


def aggregate(frame: pd.DataFrame, score_columns: list[str]) -> pd.DataFrame:
    """Mean, sd and n of every score over seeds, per configuration and settings."""
    keys = [c for c in frame.columns if c not in (*score_columns, "run", "seed")]
    keys = [k for k in families.POINT_KEYS if k in keys] + [k for k in keys if k not in families.POINT_KEYS]
    keyed = frame.fillna({k: "" for k in keys})
    grouped = keyed.groupby(keys, sort=True, dropna=False)
    table = grouped[score_columns].agg(["mean", "std"])
    table.columns = [f"{score}_{stat}".replace("_std", "_sd") for score, stat in table.columns]
    table.insert(0, "n", grouped.size())
    return table.reset_index()


def _varying_keys(table: pd.DataFrame, score_columns: list[str]) -> tuple[list[str], dict]:
    keys = [c for c in table.columns if c != "n" and not any(c.startswith(f"{s}_") for s in score_columns)]
    varying = [k for k in keys if k in families.POINT_KEYS or table[k].nunique() > 1]
    constant = {k: table[k].iloc[0] for k in keys if k not in varying}
    return varying, constant


def _mean_sd(table: pd.DataFrame, score: str, digits: int) -> pd.Series:
    mean, sd = table[f"{score}_mean"], table[f"{score}_sd"]
    text = mean.map(lambda v: f"{v:.{digits}g}")
    return text.where(sd.isna(), text + " ± " + sd.map(lambda v: f"{v:.2g}"))


def not_converged(table: pd.DataFrame) -> pd.Series:
    """Rows (configurations) with a seed whose training did not converge."""
    if f"{CONVERGED}_mean" not in table:
        return pd.Series(False, index=table.index)
    return table[f"{CONVERGED}_mean"] < 1


def presentable(table: pd.DataFrame, score_columns: list[str], digits: int = 4):
    """The table as strings: varying keys, n, and 'mean ± sd' per score; and the constant keys.
    A hyper-parameter's cell is blank in the rows of a family that does not have it; the model of
    a configuration with a seed that did not converge is marked (NOT_CONVERGED_MARK)."""
    varying, constant = _varying_keys(table, score_columns)
    shown = table[varying].copy()
    for name in families.HYPERPARAMETERS:
        if name in shown and "model" in shown:
            shown[name] = shown[name].where(families.uses(shown["model"], name), "")
    if "model" in shown:
        shown["model"] = shown["model"].where(~not_converged(table), shown["model"] + NOT_CONVERGED_MARK)
    shown["n"] = table["n"]
    for score in score_columns:
        if score != CONVERGED:
            shown[score] = _mean_sd(table, score, digits)
    return shown.astype(str), constant


def footnote(table: pd.DataFrame) -> str:
    """The note under a table that has configurations marked as not converged ('' if none)."""
    return f" {NOT_CONVERGED_NOTE}." if not_converged(table).any() else ""


def without_mark_note(caption: str) -> str:
    """A caption without its sentences on the not-converged mark (for a study whose runs all converged)."""
    return " ".join(sentence for sentence in re.split(r"(?<=\.) ", caption) if NOT_CONVERGED_MARK not in sentence)


def _settings_line(constant: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in constant.items())


def write_table(table: pd.DataFrame, score_columns: list[str], outputs: dict[str, str], title: str) -> None:
    """An aggregated table as CSV, Markdown, LaTeX and HTML at the paths given by `outputs`."""
    shown, constant = presentable(table, score_columns)
    note = f"Mean ± sd over seeds (n runs). Settings: {_settings_line(constant)}.{footnote(table)}"
    formats.write_table(outputs, table, title, shown.columns, shown.itertuples(index=False), note)


def write_tables(score_paths, outputs: dict[str, str], title: str) -> pd.DataFrame:
    """Aggregate score files over seeds and write the table (write_table)."""
    frame, score_columns = read_scores(score_paths)
    table = aggregate(frame, score_columns)
    write_table(table, score_columns, outputs, title)
    return table
