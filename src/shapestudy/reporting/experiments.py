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

from shapestudy import families
from shapestudy.data import grid
from shapestudy.evaluation import samplers
from shapestudy.evaluation.metrics import METRICS
from shapestudy.evaluation.projection import ClosestRenders
from shapestudy.reporting import claims, statistics
from shapestudy.reporting.figures import FIGURES
from shapestudy.reporting.formats import Block
from shapestudy.reporting.tables import (CONVERGED, NOT_CONVERGED_MARK, by_family, footnote, not_converged,
                                         presentable, without_mark_note)


def fixed(decimals: int) -> Callable[[float], str]:
    """Numbers at a fixed number of decimals: one precision for a mean and its sd, and down a column."""
    return lambda value: "n/a" if pd.isna(value) else f"{value:.{decimals}f}"


bits = fixed(1)  # information, in bits
score = fixed(3)  # a score in [0, 1] that is not a share of images: MIG, R², novelty, PRDC


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
    keys = [k for k in families.POINT_KEYS if k in samples]
    fitted = samples[(samples["sampler"] != "prior") & ~samples["sampler"].map(samplers.is_sweep)]
    best = fitted.loc[fitted.groupby(keys, dropna=False)["validity_mean"].idxmax()]
    return best.merge(reconstruction[[*keys, "train_validity_mean", "validity_mean"]], on=keys,
                      suffixes=("", "_reconstruction"))


def share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else np.nan


def best_fitted_cell(labels: dict[str, str]) -> Callable[[pd.Series], str]:
    """'43.0% (GMM k=100; ceiling 53.1%)': the best fitted sampler's validity, the sampler, and the
    ceiling, marked 'exceeded' where the samples beat it: there the training reconstructions'
    validity is no ceiling (a blurred decoder's samples can be sharper than its reconstructions)."""
    def cell(row: pd.Series) -> str:
        exceeded = ", exceeded" if row["validity_mean"] > row["train_validity_mean"] else ""
        return (f"{pct(row['validity_mean'])} ({labels.get(row['sampler'], row['sampler'])}; "
                f"ceiling {pct(row['train_validity_mean'])}{exceeded})")
    return cell


LATENT_SCORES = {"mig": "MIG", "r2_x": "R² x", "r2_y": "R² y", "r2_size": "R² size", "accuracy_shape": "shape accuracy"}


def latents_table(table: pd.DataFrame, n_factors: int):
    at = table[table["latent_dim"] == n_factors]
    shown = {column: title for column, title in LATENT_SCORES.items()
             if f"{column}_mean" in at and at[f"{column}_mean"].notna().any()}
    rows = []
    for name in variants(at):
        row = at[at.apply(variant, axis=1) == name].iloc[0]
        rows.append((name, *(mean_sd(row, column, score) for column in shown)))
    return ["model, likelihood", *shown.values()], rows


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
        f"Data: every tuple of {len(data['shapes'])} shape{'s' if len(data['shapes']) > 1 else ''} "
        f"({', '.join(data['shapes'])}) and {grid.n_factors(data['shapes'])} factors, sizes "
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
            f"configuration ({len(blocks)} comparisons, {statistics.CORRECTIONS[blocks['correction'].iloc[0]]}): "
            f"{per_block}")


def claims_text(table: pd.DataFrame, metric: str) -> str:
    """Each claim of the registry that compares this metric's scores, with its verdicts."""
    asked = set(table["claim"])
    return "; ".join(f"“{claim.statement}” is {verdicts_text(table, claim.name)}"
                     for claim in claims.CLAIMS.values()
                     if claim.metric == metric and (claim.name in asked or not claim.on_frontier))


def render_name(factors: pd.Series) -> str:
    return f"a {int(factors['size'])}-pixel {factors['shape']} at ({int(factors['x'])}, {int(factors['y'])})"


def measures(config: dict, closest: ClosestRenders, factors: pd.DataFrame) -> str:
    """What each measure means, once, with every threshold that decides a verdict and its reason."""
    evaluation, settings = config["evaluation"], config["claims"]
    iou = evaluation["validity_iou"]
    pair = f"{closest.iou:.2f}, {render_name(factors.iloc[closest.first])} and {render_name(factors.iloc[closest.second])}"
    reason = (f"above the IoU of the two most alike renders ({pair}), so a valid sample is near one tuple only"
              if iou > closest.iou else
              f"not above the IoU of the two most alike renders ({pair}): a valid sample may be near two tuples")
    return (
        f"Measures. Images are thresholded at {evaluation['pixel_threshold']:g}; an image's nearest render is the "
        f"closest image of the renderable set in Euclidean distance. Exact factor recovery is the share of test "
        f"images whose reconstruction's nearest render has their own tuple; a model reconstructs well above "
        f"{settings['recovery']:.0%}, nine unseen tuples in ten decoded to themselves (claims.recovery, fixed before "
        f"the data). A sample is valid if its IoU with its nearest render is at least {iou:g}, {reason}. Novelty is "
        f"the share of valid samples whose tuple is in the test split, unseen in training; coverage the share of all "
        f"tuples that are the nearest render of some valid sample. MIG, the mutual information gap, is per factor the "
        f"mutual information of its most informative latent dimension minus that of the next, over the factor's "
        f"entropy, averaged over factors: 1 when each factor has a dimension of its own, 0 when none has; one factor "
        f"per dimension asks for MIG above {settings['mig']:g}: on average, a factor's best dimension holds over half its "
        f"entropy beyond the next. The rate R(σ) of eq. 11 sums ½ log2(1 + Var[z_i]/σ²) over the latent's "
        f"dimensions for noise N(0, σ²) added to the code; the VAE's KL rate, the mean KL divergence of its encoder "
        f"from the prior, bounds I(X; Z) from above."
    )


def reconstruction_finding(table: pd.DataFrame, claims_table: pd.DataFrame, n_factors: int) -> str:
    best, worst = (table.sort_values("factor_recovery_mean").iloc[i] for i in (-1, 0))
    gap = (table["train_factor_recovery_mean"] - table["factor_recovery_mean"])
    widest = table.loc[gap.idxmax()]
    small = sorted(int(d) for d in table["latent_dim"].unique() if d < n_factors)
    too_small = (f" A latent of {', '.join(map(str, small))} dimensions, fewer than the {n_factors} factors, cannot "
                 f"give each factor a dimension; the claim leaves it out." if small else "")
    return (
        f"Reconstruction ({{table:recovery}}). Test reconstructions recover the exact tuple most often for "
        f"{label(best)} ({mean_sd(best, 'factor_recovery')}) and least often for {label(worst)} "
        f"({mean_sd(worst, 'factor_recovery')}). Reconstructions of training images recover more than those of test "
        f"images in {int((gap > 0).sum())} of {len(table)} configurations, by up to {100 * gap.max():.1f} pp for "
        f"{label(widest)}: the models partly memorise training tuples.{too_small} "
        f"{claims_text(claims_table, 'reconstruction')}."
    )


def generation_finding(samples: pd.DataFrame, reconstruction: pd.DataFrame, claims_table: pd.DataFrame,
                       labels: dict[str, str]) -> str:
    best = ceilings(samples, reconstruction)
    parts = []
    for name, rows in by_family(best).items():
        top = rows.loc[rows["validity_mean"].idxmax()]
        parts.append(f"the best {name} sampler is {labels.get(top['sampler'], top['sampler'])} on {label(top)}, "
                     f"{pct(top['validity_mean'])} valid with novelty {score(top['novelty_mean'])}, "
                     f"{pct(share(top['validity_mean'], top['train_validity_mean']))} of its ceiling")
    ceiling = samples[[c for c in samples if c.startswith("pixel_") and c.endswith("_ceiling_mean")]].iloc[0]
    return (
        f"Generation ({{table:prior_validity}}, {{table:best_fitted}}, {{figure:frontier}}). The samplers: the prior "
        f"N(0, I), and densities fitted to the training codes after training. "
        f"{claims_text(claims_table, 'sample_quality')}. The ceiling of a decoder is the validity of its "
        f"reconstructions of training images; {'; '.join(parts)}. Real training images score PRDC precision "
        f"{score(ceiling['pixel_precision_ceiling_mean'])} and recall {score(ceiling['pixel_recall_ceiling_mean'])} "
        f"against the test images: the cross-check's own ceiling at k = {int(samples['pixel_k'].iloc[0])}."
    )


def enumeration(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 2 else parts)


def _span(values: pd.Series) -> str:
    return f"{bits(values.min())}–{bits(values.max())}"


def rate_finding(table: pd.DataFrame, claims_table: pd.DataFrame, sigma: float) -> str:
    """R(σ) of eq. 11 against latent size and β, why it can exceed H(X), and the VAE's KL rate."""
    at = table[np.isclose(table["sigma"], sigma)]
    entropy = at["entropy_bits_mean"].iloc[0]
    families_rows = by_family(at)
    vae = at[families.is_variational(at["model"])]
    per_dimension = [f"the {name}'s by {_span(rows['rate_bits_mean'] / rows['latent_dim'])} bits per latent dimension"
                     for name, rows in families_rows.items()]
    above = enumeration([f"{int((rows['rate_bits_mean'] > entropy).sum())} {name}"
                         for name, rows in families_rows.items()])
    text = (f"Information rate ({{table:rate}}). At σ = {sigma:g}, R(σ) grows with the latent size, "
            f"{enumeration(per_dimension)}: eq. 11 counts each dimension's spread against σ, about "
            f"{bits(0.5 * np.log2(1 + 1 / sigma ** 2))} bits for a dimension of unit variance, the VAE prior's scale, "
            f"while nothing fixes the AE's scale. It exceeds H(X) = {entropy:.2f} bits, the most that any code of X "
            f"can carry, in {above} configurations of {len(at)}: eq. 11 is the "
            f"capacity of a Gaussian channel, an upper bound on I(X; Z + ε), and past H(X) it measures the codes' "
            f"scale, not information.")
    if len(vae):
        betas = vae.pivot_table(index=["reconstruction", "latent_dim"], columns="beta", values="rate_bits_mean")
        if betas.shape[1] > 1:
            drop = betas.iloc[:, 0] - betas.iloc[:, -1]
            text += (f" Raising β from {betas.columns[0]:g} to {betas.columns[-1]:g} lowers R(σ) by {_span(drop)} "
                     f"bits.")
        text += (f" The VAE's KL rate ({{table:kl_rate}}) spans {_span(vae['kl_rate_bits_mean'])} bits with "
                 f"{_span(vae['active_dimensions_mean'])} active dimensions; {claims_text(claims_table, 'rate')}.")
    return text


def latents_finding(table: pd.DataFrame, claims_table: pd.DataFrame, n_factors: int, figures: list[str]) -> str:
    at = table[table["latent_dim"] == n_factors]
    if at.empty:
        return f"Latent meaning. No model has a latent of {n_factors} dimensions, the number of factors."
    best = at.loc[at["mig_mean"].idxmax()]
    readable = ", ".join(f"{LATENT_SCORES[column]} up to {score(at[f'{column}_mean'].max())}"
                         for column in ("r2_x", "r2_y", "r2_size") if f"{column}_mean" in at)
    figure = ", {figure:mutual_information}" if "mutual_information" in figures else ""
    return (f"Latent meaning ({{table:latents}}{figure}). With as many latent dimensions as "
            f"factors ({n_factors}), the highest MIG is {label(best)}'s, {mean_sd(best, 'mig', score)}: a linear map "
            f"of the codes reads the factors ({readable}), but each is spread over several dimensions. "
            f"{claims_text(claims_table, 'latents')}.")


def conclusion(claims_table: pd.DataFrame, context: claims.Context) -> list[str]:
    """The Conclusion: a paragraph per question (the claims on one metric), each claim's answer
    from its primary test; then what the study cannot say."""
    if claims_table.empty:
        return ["No claim could be tested with this sweep."]
    primary = claims_table[claims_table["scope"] == claims.PRIMARY]
    blocks = claims_table[claims_table["scope"] == claims.SECONDARY]
    questions: dict[str, list[str]] = {}
    for _, row in primary.iterrows():
        answer = claims.answer(row, context).removesuffix(".") + per_configuration(blocks[blocks["claim"] == row["claim"]])
        questions.setdefault(claims.CLAIMS[row["claim"]].metric, []).append(answer + ".")
    undecided = int((blocks["verdict"] == statistics.UNDECIDED).sum())
    needed = claims.seeds_for_share(blocks)
    seeds = int(blocks["n"].max())
    more = f"> {statistics.MOST_SEEDS}" if np.isinf(needed) else f"{int(needed)}"
    power = ((f"these {seeds} seeds give" if needed <= seeds else f"{more} seeds would give")
             + " 90% of them 80% power at the effects observed")
    first, rows = primary.iloc[0], blocks.iloc[0]
    limits = (f"Each bracket is the interval at the level the correction asks; the {len(primary)} primary tests are "
              f"held together to a {1 - first['confidence']:.0%} {statistics.CONTROLS[first['correction']]} "
              f"({statistics.CORRECTIONS[first['correction']]}), each claim's per-configuration comparisons to a "
              f"{1 - rows['confidence']:.0%} {statistics.CONTROLS[rows['correction']]} "
              f"({statistics.CORRECTIONS[rows['correction']]}). The study cannot say how single configurations "
              f"compare where their own test is undecided: with {seeds} seeds, {undecided} of the "
              f"{len(blocks)} per-configuration comparisons are, and {power}.")
    return [" ".join(answers) for answers in questions.values()] + [limits]


def per_configuration(blocks: pd.DataFrame) -> str:
    """Where a claim holds and where it fails: the range of its per-configuration differences."""
    if len(blocks) < 2:
        return ""
    unit = claims.CLAIMS[blocks["claim"].iloc[0]].unit
    low, high = blocks.loc[blocks["difference"].idxmin()], blocks.loc[blocks["difference"].idxmax()]

    def at(row):  # a model against a threshold is named; a comparison by the configuration it pairs
        place = row["subject"] if pd.notna(row["threshold"]) else claims.where(row)
        return f"{claims.amount(row['difference'], unit, signed=True)} ({place})"

    return f"; per configuration from {at(low)} to {at(high)}"


def main_figures(figures: list[str]) -> list[str]:
    return [name for name in figures if FIGURES[name].main]


def section(config: dict, tables: dict[str, pd.DataFrame], captions: dict[str, str], figures: list[str],
            closest: ClosestRenders, factors: pd.DataFrame) -> list[Block]:
    """The Experiments section and the Conclusion. `closest` and `factors`: the two most alike
    renders and every render's tuple (the reason for the validity threshold)."""
    sigma = config["figures"]["sigma"]
    n_factors = grid.n_factors(config["data"]["shapes"])
    labels = samplers.labels(config["evaluation"])
    claims_table = tables["claims"]
    samples, reconstruction, rate = tables["sample_quality"], tables["reconstruction"], tables["rate"]
    prior = samples[samples["sampler"] == "prior"]
    rate_at = rate[np.isclose(rate["sigma"], sigma)]
    vae_rate = rate_at[families.is_variational(rate_at['model'])]
    context = claims.Context(config["claims"], n_factors, sigma, config["evaluation"])
    margins = ", ".join(f"{name.replace('_', ' ')} {value:g}" for name, value in config["claims"]["margins"].items())
    shown = main_figures(figures)
    captions = readable_captions(captions, reconstruction)
    blocks = [Block("heading", "Experiments"), Block("paragraph", setup(config, tables)),
              Block("paragraph", measures(config, closest, factors))]
    blocks += [Block("paragraph", "Claims. Each of the report's questions is answered once, by a primary test: the "
                                  "average over the configurations it generalises over of each configuration's "
                                  "difference (a VAE's mean minus the matching AE's, or a mean minus a threshold), its "
                                  "standard error from every seed of every configuration (Welch-Satterthwaite degrees of "
                                  "freedom). Each comparison is tested for a difference and, against a smallest effect "
                                  f"of interest ({margins}), for equivalence; the primary tests are one family, "
                                  "adjusted together. Each configuration's own comparison follows as a secondary "
                                  "analysis, a family per claim (appendix). Brackets give the interval at the level the "
                                  "correction asks ({table:primary_claims})."),
               Block("table", "The primary claims: one test each (blocks: supported/contradicted/equivalent/"
                              "undecided)", "primary_claims", *primary_claims(claims_table))]
    blocks += [Block("paragraph", reconstruction_finding(reconstruction, claims_table, n_factors)),
               Block("table", "Exact factor recovery of test reconstructions", "recovery",
                     *by_latent(reconstruction, lambda r: mean_sd(r, "factor_recovery")),
                     note=footnote(reconstruction).strip())]
    blocks += [Block("paragraph", generation_finding(samples, reconstruction, claims_table, labels)),
               Block("table", "Validity of prior samples, N(0, I)", "prior_validity",
                     *by_latent(prior, lambda r: mean_sd(r, "validity"))),
               Block("table", "The best sampler fitted after training: its validity (the sampler; the ceiling, the "
                              "validity of the same decoder's reconstructions of training images)", "best_fitted",
                     *by_latent(ceilings(samples, reconstruction), best_fitted_cell(labels)))]
    blocks += [Block("paragraph", rate_finding(rate, claims_table, sigma)),
               Block("table", f"Rate R(σ) of eq. 11 at σ = {sigma:g} (bits)", "rate",
                     *by_latent(rate_at, lambda r: mean_sd(r, "rate_bits", bits)))]
    if len(vae_rate):
        blocks.append(Block("table", "KL rate of the VAE (bits; it does not depend on σ)", "kl_rate",
                            *by_latent(vae_rate, lambda r: mean_sd(r, "kl_rate_bits", bits))))
    blocks.append(Block("paragraph", latents_finding(tables["latents"], claims_table, n_factors, shown)))
    if (tables["latents"]["latent_dim"] == n_factors).any():
        blocks.append(Block("table", f"What a latent of {n_factors} dimensions encodes", "latents",
                            *latents_table(tables["latents"], n_factors)))
    blocks.append(Block("paragraph", ", ".join(f"{{figure:{name}}}" for name in shown) + " follow; the appendix has "
                        "every figure and every table in full."))
    blocks += [Block("figure", captions[name], name) for name in shown]
    blocks += [Block("heading", "Conclusion"), *(Block("paragraph", text) for text in conclusion(claims_table, context))]
    return blocks


def readable_captions(captions: dict[str, str], table: pd.DataFrame) -> dict[str, str]:
    """The captions, without their sentence on the not-converged mark where every run converged."""
    if not_converged(table).any():
        return captions
    return {name: without_mark_note(caption) for name, caption in captions.items()}


def full_table(table: pd.DataFrame, name: str) -> Block:
    """A table of the study in full (every configuration), with the columns the registry shows."""
    scores = [s for s in METRICS[name].shown if f"{s}_mean" in table]
    shown, _ = presentable(table.reset_index(drop=True), scores, digits=3)
    keep = [c for c in shown.columns if c in (*families.POINT_KEYS, "sampler", "sigma", "n") or c in scores]
    return Block("table", f"{METRICS[name].title} (mean ± sd over seeds; every column in results/tables/{name}.csv)",
                 name, [c.replace("_", " ") for c in keep], [tuple(r) for r in shown[keep].itertuples(index=False)],
                 note=footnote(table).strip())


def appendix(tables: dict[str, pd.DataFrame], captions: dict[str, str], figures: list[str]) -> list[Block]:
    """Every table in full and every figure."""
    blocks = [Block("heading", "Appendix")]
    blocks += [full_table(tables[name], name) for name in METRICS]
    columns, rows = claims.presentable(tables["claims"])
    blocks.append(Block("table", claims.TITLE, "claims", columns, rows, note=claims.note(tables["claims"])))
    captions = readable_captions(captions, tables["reconstruction"])
    blocks += [Block("figure", captions[name], name) for name in figures]
    return blocks


def words(blocks: list[Block]) -> int:
    """The words of the paragraphs: what a reader reads besides the tables and captions."""
    return sum(len(block.text.split()) for block in blocks if block.kind == "paragraph")


def table_rows(blocks: list[Block]) -> int:
    return sum(len(block.rows) for block in blocks if block.kind == "table")
