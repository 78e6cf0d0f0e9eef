"""The report's Experiments section and its appendix, written from the aggregated tables.

The section has the length of a paper's: the setup, one paragraph per finding, a few condensed
tables that decide the claims, the main figures, the claims with their corrected intervals, and a
Conclusion from the verdicts. Every table in full and every figure go to the appendix. Every number
comes from a table; whether a claim holds is decided by the claims table (claims.py), never
assumed. The blocks are rendered by formats.write_document.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from shapestudy.data import grid
from shapestudy.evaluation import samplers
from shapestudy.evaluation.metrics import METRICS
from shapestudy.reporting import claims, statistics
from shapestudy.reporting.formats import Block
from shapestudy.reporting.figures import FIGURES
from shapestudy.reporting.tables import (CONVERGED, NOT_CONVERGED_MARK, SEED_FREE_KEYS, footnote, not_converged,
                                         presentable, split_by_kind)
from shapestudy.training import families

def fmt(value: float, digits: int = 3) -> str:
    return "n/a" if pd.isna(value) else f"{value:.{digits}g}"


def pct(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{100 * value:.1f}%"


def mean_sd(row: pd.Series, score: str, show=pct) -> str:
    sd = row[f"{score}_sd"]
    return show(row[f"{score}_mean"]) + ("" if pd.isna(sd) else f" ± {show(sd)}")


label = families.label  # 'VAE z=4, β=1 bce': a configuration
variant = families.variant  # 'VAE β=1 bce': a row of a condensed table


def variants(table: pd.DataFrame) -> list[str]:
    """The variants of a table in the order the condensed tables list them: likelihood, model, beta."""
    ordered = table.sort_values(["reconstruction", "model", *families.HYPERPARAMETERS])
    return list(dict.fromkeys(ordered.apply(variant, axis=1)))


def by_latent(table: pd.DataFrame, cell: Callable[[pd.Series], str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """A condensed table: a row per variant, a column per latent size, `cell` of each configuration;
    a variant with a configuration whose seeds did not all converge is marked."""
    table = table.assign(variant=table.apply(variant, axis=1))
    dims = sorted(table["latent_dim"].unique())
    rows = []
    for name in variants(table):
        own = table[table["variant"] == name].set_index("latent_dim")
        mark = f" {NOT_CONVERGED_MARK}" if not_converged(own).any() else ""
        rows.append((name + mark, *(cell(own.loc[d]) if d in own.index else "" for d in dims)))
    return ["model, likelihood", *(f"latent {d}" for d in dims)], rows


def ceilings(samples: pd.DataFrame, reconstruction: pd.DataFrame) -> pd.DataFrame:
    """The best sampler fitted after training of each configuration (highest mean validity), beside
    the validity of the model's reconstructions of training images: no sampler of its decoder
    does better (the ceiling)."""
    keys = [k for k in SEED_FREE_KEYS if k in samples]
    fitted = samples[samples["sampler"] != "prior"]
    best = fitted.loc[fitted.groupby(keys, dropna=False)["validity_mean"].idxmax()]
    return best.merge(reconstruction[[*keys, "train_validity_mean", "validity_mean"]], on=keys,
                      suffixes=("", "_reconstruction"))


def share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else np.nan


def best_fitted_cell(labels: dict[str, str]) -> Callable[[pd.Series], str]:
    """'43.0% (GMM k=100; 81.0% of 53.1%)': the best fitted sampler's validity, the sampler, and the
    validity as a share of the ceiling."""
    def cell(row: pd.Series) -> str:
        return (f"{pct(row['validity_mean'])} ({labels.get(row['sampler'], row['sampler'])}; "
                f"{pct(share(row['validity_mean'], row['train_validity_mean']))} of {pct(row['train_validity_mean'])})")
    return cell


def latents_table(table: pd.DataFrame, n_factors: int):
    at = table[table["latent_dim"] == n_factors]
    shown = [("mig", "MIG"), ("r2_x", "R² x"), ("r2_y", "R² y"), ("r2_size", "R² size"),
             ("accuracy_shape", "shape accuracy")]
    rows = []
    for name in variants(at):
        row = at[at.apply(variant, axis=1) == name].iloc[0]
        rows.append((name, *(mean_sd(row, score, lambda v: fmt(v, 2)) for score, _ in shown)))
    return ["model, likelihood", *(title for _, title in shown)], rows


def primary_claims(table: pd.DataFrame) -> tuple[list[str], list[tuple[str, ...]]]:
    """A row per claim: its primary test (what it pools, the difference with its corrected
    interval, the margin, the verdict) and the verdicts of its blocks."""
    rows = []
    blocks = claims.count_verdicts(table[table["scope"] == claims.SECONDARY])
    for _, row in table[table["scope"] == claims.PRIMARY].iterrows():
        claim = claims.CLAIMS[row["claim"]]
        counts = blocks.get(row["claim"], dict.fromkeys(statistics.VERDICTS, 0))
        rows.append((claim.statement, f"{int(row['blocks'])} {claim.pooled}", claims.signed_interval(row),
                     f"±{claims.amount(row['margin'], claim.unit)}", row["verdict"],
                     "/".join(str(counts[v]) for v in statistics.VERDICTS)))
    return ["claim", "pooled over", "difference [interval]", "margin", "verdict", "blocks s/c/e/u"], rows


def convergence(table: pd.DataFrame) -> str:
    """How many runs converged, and which configurations did not, from a table's converged column."""
    if f"{CONVERGED}_mean" not in table:
        return ""
    runs = int(table["n"].sum())
    converged = int(round((table[f"{CONVERGED}_mean"] * table["n"]).sum()))
    if converged == runs:
        return f"All {runs} runs converged."
    flagged = [label(row) for _, row in table[not_converged(table)].iterrows()]
    return (f"{converged} of {runs} runs converged; the configurations with a seed that stopped at the cap are marked "
            f"{NOT_CONVERGED_MARK} in every table: {', '.join(flagged)}.")


def setup(config: dict, tables: dict[str, pd.DataFrame]) -> str:
    data, sweep, training = config["data"], config["sweep"], config["training"]
    models = []
    for model, axes in sweep.items():
        values = "".join(f", {families.HYPERPARAMETERS[h].symbol} in {axes[h]}"
                         for h in families.family(model).hyperparameters)
        models.append(f"{families.family(model).label} (latent sizes {axes['latent_dim']}{values})")
    seeds = int(tables["reconstruction"]["n"].max())
    return (
        f"Data: every tuple of {len(data['shapes'])} shape(s) ({', '.join(data['shapes'])}), sizes "
        f"{data['size_min']}..{data['size_max']} pixels at every position inside a {data['canvas']}x{data['canvas']} "
        f"canvas, rendered once; H(X) = {tables['rate']['entropy_bits_mean'].iloc[0]:.2f} bits; splits "
        f"{data['splits']['train']:g}/{data['splits']['validation']:g}/{data['splits']['test']:g} by tuple "
        f"({int(tables['rate']['n_images'].iloc[0])} test images). Models: {'; '.join(models)}, each under "
        f"both likelihoods where the sweep lists them, MLP {'-'.join(map(str, training['hidden']))}, up to {seeds} "
        f"seeds per configuration. Training: Adam, batch {training['batch_size']}, the step size rising over "
        f"{training['warmup_epochs']} epochs to {training['learning_rate']:g}, then constant and multiplied by "
        f"{training['reduction_factor']:g} at each plateau of the validation loss ({training['patience']} epochs at one "
        f"step size within {100 * training['tolerance']:g}% of the best before them), at most {training['reductions']} "
        f"times; a plateau at the lowest step size ends a run, converged; a cap of {training['max_epochs']} epochs "
        f"stops the others. The best validation epoch's parameters are kept. {convergence(tables['reconstruction'])} "
        f"Tables give mean ± sd over seeds."
    )


def verdicts_text(table: pd.DataFrame, claim: str) -> str:
    """'supported: +12.3 pp [+8.1 pp, +16.5 pp]; per configuration (16, Holm): 9 supported, ...'"""
    rows = table[table["claim"] == claim]
    if rows.empty:
        return "not tested by this sweep"
    primary = rows[rows["scope"] == claims.PRIMARY].iloc[0]
    blocks = rows[rows["scope"] == claims.SECONDARY]
    counts = claims.count_verdicts(blocks)[claim]
    per_block = ", ".join(f"{counts[v]} {v}" for v in statistics.VERDICTS if counts[v])
    return (f"{primary['verdict']} ({claims.signed_interval(primary)}, pooled over {int(primary['blocks'])}); per "
            f"configuration ({len(blocks)} comparisons, {statistics.CORRECTIONS[primary['correction']]}): "
            f"{per_block}")


def claims_text(table: pd.DataFrame, metric: str) -> str:
    """Each claim of the registry that compares this metric's scores, with its verdicts."""
    return "; ".join(f"“{claim.statement}” is {verdicts_text(table, claim.name)}"
                     for claim in claims.CLAIMS.values() if claim.metric == metric)


def reconstruction_finding(table: pd.DataFrame, claims_table: pd.DataFrame) -> str:
    best, worst = (table.sort_values("factor_recovery_mean").iloc[i] for i in (-1, 0))
    gap = (table["train_factor_recovery_mean"] - table["factor_recovery_mean"])
    widest = table.loc[gap.idxmax()]
    return (
        f"Reconstruction. Projected onto the renderable set, test reconstructions recover the exact tuple "
        f"most often for {label(best)} ({mean_sd(best, 'factor_recovery')}) and least often for {label(worst)} "
        f"({mean_sd(worst, 'factor_recovery')}). Reconstructions of training images recover more than those of test "
        f"images in {int((gap > 0).sum())} of {len(table)} configurations, by up to {pct(gap.max())} for "
        f"{label(widest)}: the models partly memorise training tuples. {claims_text(claims_table, 'reconstruction')}."
    )


def generation_finding(samples: pd.DataFrame, reconstruction: pd.DataFrame, claims_table: pd.DataFrame,
                       labels: dict[str, str]) -> str:
    best = ceilings(samples, reconstruction)
    ae, vae = split_by_kind(best)
    parts = []
    for name, rows in (("AE", ae), ("VAE", vae)):
        if len(rows):
            top = rows.loc[rows["validity_mean"].idxmax()]
            parts.append(f"the best {name} sampler is {labels.get(top['sampler'], top['sampler'])} on {label(top)}, "
                         f"{pct(top['validity_mean'])} valid with novelty {fmt(top['novelty_mean'], 2)}, "
                         f"{pct(share(top['validity_mean'], top['train_validity_mean']))} of its ceiling")
    ceiling = samples[[c for c in samples if c.startswith("pixel_") and c.endswith("_ceiling_mean")]].iloc[0]
    return (
        f"Generation ({{figure:frontier}}). The samplers: the prior N(0, I), and densities fitted to the training "
        f"codes after training. {claims_text(claims_table, 'sample_quality')}. "
        f"Against the ceiling, the validity of the model's reconstructions of training images, {'; '.join(parts)}. "
        f"Real training images score PRDC precision {fmt(ceiling['pixel_precision_ceiling_mean'], 2)} and recall "
        f"{fmt(ceiling['pixel_recall_ceiling_mean'], 2)} against the test images: the cross-check's own ceiling at "
        f"k = {int(samples['pixel_k'].iloc[0])}."
    )


def rate_finding(table: pd.DataFrame, claims_table: pd.DataFrame, sigma: float) -> str:
    at = table[np.isclose(table["sigma"], sigma)]
    entropy = at["entropy_bits_mean"].iloc[0]
    _, vae = split_by_kind(at)
    above = at[at["rate_bits_mean"] > entropy]
    text = (f"Information rate. At σ = {sigma:g}, {len(above)} of {len(at)} configurations report R(σ) above "
            f"H(X) = {entropy:.2f} bits, where R measures the latent's scale against the noise rather than information "
            f"about X.")
    if len(vae):
        text += (f" The VAE's KL rate, an upper bound on I(X; Z), spans {fmt(vae['kl_rate_bits_mean'].min())}–"
                 f"{fmt(vae['kl_rate_bits_mean'].max())} bits with {fmt(vae['active_dimensions_mean'].min())}–"
                 f"{fmt(vae['active_dimensions_mean'].max())} active dimensions; {claims_text(claims_table, 'rate')}.")
    return text


def latents_finding(table: pd.DataFrame, claims_table: pd.DataFrame, n_factors: int) -> str:
    at = table[table["latent_dim"] == n_factors]
    if at.empty:
        return f"Latent meaning. No model has a latent of {n_factors} dimensions, the number of factors."
    best = at.loc[at["mig_mean"].idxmax()]
    return (f"Latent meaning. With as many latent dimensions as factors ({n_factors}), the highest MIG is "
            f"{label(best)}'s, {mean_sd(best, 'mig', lambda v: fmt(v, 2))}; {claims_text(claims_table, 'latents')}.")


def conclusion(claims_table: pd.DataFrame, context: claims.Context) -> str:
    """The Conclusion: each claim's answer from its primary test, then what the study cannot say."""
    if claims_table.empty:
        return "No claim could be tested with this sweep."
    primary = claims_table[claims_table["scope"] == claims.PRIMARY]
    answers = [claims.answer(row, context) for _, row in primary.iterrows()]
    blocks = claims_table[claims_table["scope"] == claims.SECONDARY]
    undecided = int((blocks["verdict"] == statistics.UNDECIDED).sum())
    needed = claims.seeds_for_share(blocks)
    seeds = int(blocks["n"].max())
    needed_text = (f"> {statistics.MOST_SEEDS}" if np.isinf(needed) else f"{int(needed)}")
    first = primary.iloc[0]
    return (" ".join(answers) + f" (Each bracket is the interval at the level the correction asks; the "
            f"{len(primary)} primary tests are held together to a {1 - first['confidence']:.0%} family-wise error, "
            f"{statistics.CORRECTIONS[first['correction']]}.) With {seeds} seeds per configuration, "
            f"{undecided} of the {len(blocks)} per-configuration comparisons stay undecided; {needed_text} seeds would "
            f"give 90% of them 80% power at the effects observed.")


def main_figures(figures: list[str]) -> list[str]:
    return [name for name in figures if FIGURES[name].main]


def section(config: dict, tables: dict[str, pd.DataFrame], captions: dict[str, str], figures: list[str]) -> list[Block]:
    """The Experiments section and the Conclusion."""
    sigma = config["figures"]["sigma"]
    n_factors = grid.n_factors(config["data"]["shapes"])
    labels = samplers.labels(config["evaluation"]["mixture_components"])
    claims_table = tables["claims"]
    samples, reconstruction, rate = tables["sample_quality"], tables["reconstruction"], tables["rate"]
    prior = samples[samples["sampler"] == "prior"]
    vae_rate = split_by_kind(rate[np.isclose(rate["sigma"], sigma)])[1]
    context = claims.Context(config["claims"], n_factors, sigma, tuple(config["evaluation"]["mixture_components"]))
    margins = ", ".join(f"{score.replace('_', ' ')} {value:g}" for score, value in config["claims"]["margins"].items())
    blocks = [Block("heading", "Experiments"), Block("paragraph", setup(config, tables))]
    blocks += [Block("paragraph", "Claims. Each of the report's questions is answered once, by a primary test: the "
                                  "average over the configurations it generalises over of each configuration's "
                                  "difference (a VAE's mean minus the matching AE's, or a mean minus a threshold), its "
                                  "standard error from every seed of every configuration (Welch-Satterthwaite degrees of "
                                  "freedom). Each comparison is tested for a difference and, against a smallest effect "
                                  f"of interest ({margins}), for equivalence; the six primary tests are one family, "
                                  "adjusted together. Each configuration's own comparison follows as a secondary "
                                  "analysis, a family per claim (appendix). Brackets give the interval at the level the "
                                  "correction asks ({table:primary_claims})."),
               Block("table", "The primary claims: one test each (blocks: supported/contradicted/equivalent/"
                              "undecided)", "primary_claims", *primary_claims(claims_table))]
    blocks += [Block("paragraph", reconstruction_finding(reconstruction, claims_table)),
               Block("table", "Exact factor recovery of test reconstructions", "recovery",
                     *by_latent(reconstruction, lambda r: mean_sd(r, "factor_recovery")),
                     note=footnote(reconstruction).strip())]
    blocks += [Block("paragraph", generation_finding(samples, reconstruction, claims_table, labels)),
               Block("table", "Validity of prior samples, N(0, I)", "prior_validity",
                     *by_latent(prior, lambda r: mean_sd(r, "validity"))),
               Block("table", "The best sampler fitted after training: validity (sampler; share of the ceiling, the "
                              "validity of the model's reconstructions of training images)", "best_fitted",
                     *by_latent(ceilings(samples, reconstruction), best_fitted_cell(labels)))]
    if len(vae_rate):
        blocks += [Block("paragraph", rate_finding(rate, claims_table, sigma)),
                   Block("table", f"KL rate of the VAE (bits) at σ = {sigma:g}", "kl_rate",
                         *by_latent(vae_rate, lambda r: mean_sd(r, "kl_rate_bits", fmt)))]
    else:
        blocks.append(Block("paragraph", rate_finding(rate, claims_table, sigma)))
    blocks += [Block("paragraph", latents_finding(tables["latents"], claims_table, n_factors))]
    if (tables["latents"]["latent_dim"] == n_factors).any():
        blocks.append(Block("table", f"What a latent of {n_factors} dimensions encodes", "latents",
                            *latents_table(tables["latents"], n_factors)))
    shown = main_figures(figures)
    blocks.append(Block("paragraph", ", ".join(f"{{figure:{name}}}" for name in shown) + " follow; the appendix has every figure "
                        "and every table in full."))
    blocks += [Block("figure", captions[name], name) for name in shown]
    blocks += [Block("heading", "Conclusion"), Block("paragraph", conclusion(claims_table, context))]
    return blocks


def full_table(table: pd.DataFrame, name: str) -> Block:
    """A table of the study in full (every configuration), with the columns the registry shows."""
    scores = [s for s in METRICS[name].shown if f"{s}_mean" in table]
    shown, _ = presentable(table.reset_index(drop=True), scores, digits=3)
    keep = [c for c in shown.columns if c in (*SEED_FREE_KEYS, "sampler", "sigma", "n") or c in scores]
    return Block("table", f"{METRICS[name].title} (mean ± sd over seeds; every column in results/tables/{name}.csv)",
                 name, [c.replace("_", " ") for c in keep], [tuple(r) for r in shown[keep].itertuples(index=False)],
                 note=footnote(table).strip())


def appendix(tables: dict[str, pd.DataFrame], captions: dict[str, str], figures: list[str]) -> list[Block]:
    """Every table in full and every figure."""
    blocks = [Block("heading", "Appendix")]
    blocks += [full_table(tables[name], name) for name in METRICS]
    columns, rows = claims.presentable(tables["claims"])
    blocks.append(Block("table", claims.TITLE, "claims", columns, rows, note=claims.note(tables["claims"])))
    blocks += [Block("figure", captions[name], name) for name in figures]
    return blocks


def words(blocks: list[Block]) -> int:
    """The words of the paragraphs: what a reader reads besides the tables and captions."""
    return sum(len(block.text.split()) for block in blocks if block.kind == "paragraph")


def table_rows(blocks: list[Block]) -> int:
    return sum(len(block.rows) for block in blocks if block.kind == "table")
