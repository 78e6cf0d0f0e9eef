"""The report's Experiments section, written from the aggregated tables: setup, tables, figures
and one paragraph per finding. Every number comes from a table; whether a claim holds is decided
by comparing numbers, never assumed."""

from __future__ import annotations

import base64
import dataclasses
from html import escape

import numpy as np
import pandas as pd

from shapestudy.data import grid
from shapestudy.evaluation import samplers
from shapestudy.evaluation.metrics import METRICS
from shapestudy.reporting import claims, formats
from shapestudy.reporting.tables import CONVERGED, SEED_FREE_KEYS, footnote, not_converged, presentable, split_by_kind
from shapestudy.training import families

LIKELIHOODS = {"mse": "squared error (a Gaussian decoder of fixed variance)", "bce": "Bernoulli cross-entropy"}


SECTIONS = ("Experiments", "Conclusion")  # headings of the report's sections; the others are subsections


@dataclasses.dataclass
class Block:
    kind: str  # heading, paragraph, table, claims (the claims table), figure
    text: str = ""
    name: str = ""


def fmt(value: float, digits: int = 3) -> str:
    return "n/a" if pd.isna(value) else f"{value:.{digits}g}"


def pct(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{100 * value:.1f}%"


label = families.label


def setup(config: dict, tables: dict[str, pd.DataFrame]) -> str:
    data, sweep, training = config["data"], config["sweep"], config["training"]
    n = int(tables["reconstruction"]["n"].max())
    models = []
    for model, axes in sweep.items():
        values = "".join(
            f", {families.HYPERPARAMETERS[h].symbol} in {axes[h]}" for h in families.family(model).hyperparameters
        )
        models.append(
            f"{families.family(model).label} with likelihoods {axes['reconstruction']}, latent sizes "
            f"{axes['latent_dim']}{values} and seeds {axes['seed']}"
        )
    sizes = f"{data['size_min']}..{data['size_max']}"
    schedule = (f"warmup over {training['warmup_epochs']} epochs to {training['learning_rate']:g}, then cosine decay "
                f"to 1% at epoch {training['max_epochs']}" if training["schedule"] == "warmup_cosine"
                else f"constant {training['learning_rate']:g}")
    return (
        f"Data: every tuple of {len(data['shapes'])} shape(s) ({', '.join(data['shapes'])}), sizes {sizes} "
        f"pixels and every position inside a {data['canvas']}x{data['canvas']} canvas, rendered once "
        f"({int(tables['rate']['n_images'].iloc[0])} test images); "
        f"H(X) = {tables['rate']['entropy_bits_mean'].iloc[0]:.2f} bits. Splits "
        f"{data['splits']['train']:g}/{data['splits']['validation']:g}/{data['splits']['test']:g} by tuple. "
        f"Models: {'; '.join(models)}; architecture {', '.join(sorted({a for s in sweep.values() for a in s['arch']}))} "
        f"(MLP hidden widths {'-'.join(map(str, training['hidden']))}, mirrored in the decoder). "
        f"Training: Adam with learning rate {schedule}, batch {training['batch_size']}; reconstruction error summed "
        f"over pixels and KL summed over latent dimensions, both averaged over the batch. Training stops when the best "
        f"validation loss of the last {training['patience']} epochs is less than {100 * training['tolerance']:g}% below "
        f"the best before them (converged), or at {training['max_epochs']} epochs (not converged), and keeps the "
        f"parameters of the best validation epoch. {convergence(tables['reconstruction'])} "
        f"Tables give mean ± sd over up to {n} seeds."
    )


def convergence(table: pd.DataFrame) -> str:
    """How many runs converged, and which configurations did not, from a table's converged column."""
    if f"{CONVERGED}_mean" not in table:
        return ""
    runs = int(table["n"].sum())
    converged = int(round((table[f"{CONVERGED}_mean"] * table["n"]).sum()))
    if converged == runs:
        return f"All {runs} runs converged."
    flagged = [f"{label(row)}" for _, row in table[not_converged(table)].iterrows()]
    return (f"{converged} of {runs} runs converged; the configurations with a seed that did not are marked † in every "
            f"table: {', '.join(flagged)}.")


def reconstruction_finding(table: pd.DataFrame) -> str:
    ae, vae = split_by_kind(table)
    parts = []
    for dim in sorted(set(ae["latent_dim"]) & set(vae["latent_dim"])):
        a = ae[ae["latent_dim"] == dim]["mse_mean"].iloc[0]
        best_vae = vae[vae["latent_dim"] == dim].sort_values("mse_mean").iloc[0]
        parts.append(f"latent {dim}: AE {fmt(a)} vs best VAE (β = {best_vae['beta']:g}) {fmt(best_vae['mse_mean'])}")
    lower = sum(
        ae[ae["latent_dim"] == d]["mse_mean"].iloc[0] < vae[vae["latent_dim"] == d]["mse_mean"].min()
        for d in set(ae["latent_dim"]) & set(vae["latent_dim"])
    )
    total = len(set(ae["latent_dim"]) & set(vae["latent_dim"]))
    best = table.sort_values("factor_recovery_mean", ascending=False).iloc[0]
    verdict = (
        f"The AE's mean test MSE per pixel is below every VAE's at {lower} of {total} latent sizes ("
        f"{'; '.join(parts)})"
        if total
        else "Only one model family was trained with this likelihood"
    )
    return (
        f"Reconstruction. {verdict}. "
        f"Projecting reconstructions onto the renderable set recovers the exact tuple best for "
        f"{label(best)}: {pct(best['factor_recovery_mean'])} of test images."
    )


def best_sampler(table: pd.DataFrame) -> pd.Series:
    """The row (configuration and sampler) with the highest mean validity."""
    return table.sort_values("validity_mean").iloc[-1]


def sampler_summary(row: pd.Series, labels: dict[str, str]) -> str:
    return (f"{label(row)} with {labels.get(row['sampler'], row['sampler'])}: {pct(row['validity_mean'])} valid, "
            f"novelty {fmt(row['novelty_mean'], 2)}, coverage {pct(row['coverage_mean'])}")


def samples_finding(table: pd.DataFrame, labels: dict[str, str]) -> str:
    prior = table[table["sampler"] == "prior"]
    ae, vae = split_by_kind(prior)
    if ae.empty or vae.empty:
        return "Sample quality. The sweep lacks an AE or a VAE; the comparison needs both."
    sizes = sorted(set(ae["latent_dim"]) & set(vae["latent_dim"]))
    comparison = "; ".join(
        f"latent {d}: AE {pct(ae[ae['latent_dim'] == d]['validity_mean'].iloc[0])} vs best VAE "
        f"{pct(vae[vae['latent_dim'] == d]['validity_mean'].max())}" for d in sizes
    )
    best_vae = best_sampler(vae)
    text = (
        f"Sample quality. Share of N(0, I) samples that are valid shapes (IoU with the nearest render at least "
        f"{table['iou_threshold'].iloc[0]:g}), {comparison}; the claims table decides the difference. The best VAE "
        f"prior, {label(best_vae)}, covers {pct(best_vae['coverage_mean'])} of M against "
        f"{pct(best_vae['coverage_true_mean'])} for as many true samples, and {pct(best_vae['novelty_mean'])} of its "
        f"valid samples are test tuples never seen in training."
    )
    fitted = table[table["sampler"] != "prior"]
    if len(fitted):
        best_ae, best_fitted_vae = (best_sampler(kind) for kind in split_by_kind(fitted))
        text += (
            f" Sampled instead from densities fitted to the training codes, the best AE is "
            f"{sampler_summary(best_ae, labels)}, and the best VAE {sampler_summary(best_fitted_vae, labels)}."
        )
    return text


def rate_finding(table: pd.DataFrame, sigma: float) -> str:
    at = table[np.isclose(table["sigma"], sigma)]
    entropy = at["entropy_bits_mean"].iloc[0]
    ae, vae = split_by_kind(at)
    text = f"Information rate. At σ = {sigma:g}, "
    if len(ae):
        text += f"AE rates span {fmt(ae['rate_bits_mean'].min())}–{fmt(ae['rate_bits_mean'].max())} bits with distortion {fmt(ae['distortion_mean'].min())}–{fmt(ae['distortion_mean'].max())}; "
    if len(vae):
        text += f"VAE rates span {fmt(vae['rate_bits_mean'].min())}–{fmt(vae['rate_bits_mean'].max())} bits with distortion {fmt(vae['distortion_mean'].min())}–{fmt(vae['distortion_mean'].max())}. "
        above = at[at["rate_bits_mean"] > entropy]
        text += (
            f"{len(above)} of {len(at)} configurations report R(σ) above H(X) = {entropy:.2f} bits: there R measures the latent's scale against the noise, not information about X. "
            if len(above)
            else f"No configuration reports R(σ) above H(X) = {entropy:.2f} bits. "
        )
        kl = vae.groupby("beta")["kl_rate_bits_mean"].mean()
        trend = "falls" if kl.is_monotonic_decreasing and len(kl) > 1 else "does not fall monotonically"
        # A trend of means over all latent sizes; the claims table decides it per configuration.
        text += (
            f"The VAE's KL rate, an upper bound on I(X; Z), {trend} as β grows "
            f"({', '.join(f'β = {b:g}: {fmt(v)} bits' for b, v in kl.items())}, averaged over latent sizes), "
            f"with {fmt(vae['active_dimensions_mean'].min())}–{fmt(vae['active_dimensions_mean'].max())} active dimensions."
        )
    return text


def latents_finding(table: pd.DataFrame, n_factors: int) -> str:
    at = table[table["latent_dim"] == n_factors]
    if at.empty:
        return f"Latent meaning. No model has a latent of {n_factors} dimensions, the number of factors."
    parts = [
        f"{label(row)}: MIG {fmt(row['mig_mean'], 2)}, linear R² x {fmt(row['r2_x_mean'], 2)}, y {fmt(row['r2_y_mean'], 2)}, size {fmt(row['r2_size_mean'], 2)}"
        for _, row in at.iterrows()
    ]
    linear = at[["r2_x_mean", "r2_y_mean", "r2_size_mean"]].min(axis=1)
    exact = (linear > 0.9) & (at["mig_mean"] > 0.5)
    verdict = (
        f"{int(exact.sum())} of {len(at)} such models have a mean MIG above 0.5 and every mean R² above 0.9"
        if exact.any()
        else "no such model has a mean MIG above 0.5 with every mean R² above 0.9"
    )
    return (
        f"Latent meaning. With as many latent dimensions as factors ({n_factors}), {verdict}. {'; '.join(parts)}. "
        f"Best MIG overall: {label(table.sort_values('mig_mean').iloc[-1])} with {fmt(table['mig_mean'].max(), 2)}."
    )


def _verdict_counts(rows: pd.DataFrame) -> str:
    (counts,) = claims.count_verdicts(rows).values()
    return ", ".join(f"{number} {verdict}" for verdict, number in counts.items())


def claims_finding(table: pd.DataFrame) -> str:
    """Per claim and likelihood, how many comparisons each verdict got, and the seeds the
    undecided ones would need."""
    parts = []
    for claim, statement in claims.CLAIMS.items():
        rows = table[table["claim"] == claim]
        if rows.empty:
            continue
        per_likelihood = "; ".join(f"{likelihood}: {_verdict_counts(group)}"
                                   for likelihood, group in rows.groupby("reconstruction", sort=False))
        needed = rows.loc[rows["verdict"] == claims.UNDECIDED, "seeds_needed"]
        needed = needed[np.isfinite(needed)]
        more = ""
        if len(needed):
            low, high = int(needed.min()), int(needed.max())
            more = f"; the undecided would need {low if low == high else f'{low}–{high}'} seeds"
        parts.append(f"“{statement}” ({len(rows)} comparison{'s' * (len(rows) != 1)}; {per_likelihood}{more})")
    return (f"Claims. Each claim of the report is decided per architecture, likelihood and latent size from the "
            f"difference of the means and its {table['confidence'].iloc[0]:.0%} t interval over seeds, and undecided "
            f"where the interval holds 0: {'; '.join(parts)}.")


def conclusion(claims_table: pd.DataFrame, samples: pd.DataFrame, labels: dict[str, str]) -> str:
    """The Conclusion, from the verdicts and the best sampler of each family and likelihood."""
    held = []
    for claim, counts in claims.count_verdicts(claims_table).items():
        statement, total = claims.CLAIMS[claim], sum(counts.values())
        if counts[claims.SUPPORTED] == total:
            held.append(f"the claim that {statement} is supported in every comparison ({total})")
        elif counts[claims.CONTRADICTED] == total:
            held.append(f"the claim that {statement} is contradicted in every comparison ({total})")
        else:
            held.append(f"the claim that {statement} is supported in {counts[claims.SUPPORTED]} of {total} "
                        f"comparisons, contradicted in {counts[claims.CONTRADICTED]} and undecided in "
                        f"{counts[claims.UNDECIDED]}")
    best = []
    for _, rows in samples.groupby(["reconstruction", "model"], sort=False):
        best.append(sampler_summary(best_sampler(rows), labels))
    seeds = int(claims_table["n"].max())
    return (f"On generated shapes, with up to {seeds} seed{'s' * (seeds != 1)} per configuration, "
            f"{'; '.join(held)}. The sampler with the most valid samples, per model and likelihood: {'; '.join(best)}.")


def section(config: dict, tables: dict[str, pd.DataFrame], captions: dict[str, str], figures: list[str]) -> list[Block]:
    sigma = config["figures"]["sigma"]
    n_factors = grid.n_factors(config["data"]["shapes"])
    labels = samplers.labels(config["evaluation"]["mixture_components"])
    blocks = [Block("heading", "Experiments"), Block("paragraph", setup(config, tables))]
    finders = {
        "reconstruction": reconstruction_finding,
        "sample_quality": lambda table: samples_finding(table, labels),
        "rate": lambda table: rate_finding(table, sigma),
        "latents": lambda table: latents_finding(table, n_factors),
    }
    for name, finder in finders.items():
        # Beta means another trade-off under each likelihood: every finding is per likelihood.
        for likelihood, table in tables[name].groupby("reconstruction", sort=False):
            finding = finder(table.reset_index(drop=True))
            heading, _, rest = finding.partition(". ")
            blocks.append(Block("paragraph", f"{heading}, {LIKELIHOODS.get(likelihood, likelihood)}. {rest}"))
        blocks.append(Block("table", METRICS[name].title, name))
    blocks += [Block("paragraph", claims_finding(tables["claims"])), Block("claims", claims.TITLE, "claims")]
    blocks.append(Block("heading", "Figures"))
    blocks += [Block("figure", captions[f], f) for f in figures]
    blocks += [Block("heading", "Conclusion"),
               Block("paragraph", conclusion(tables["claims"], tables["sample_quality"], labels))]
    return blocks


def shown_table(table: pd.DataFrame, name: str, sigma: float) -> tuple[pd.DataFrame, dict]:
    if name == "rate":
        table = table[np.isclose(table["sigma"], sigma)]
    scores = [s for s in METRICS[name].shown if f"{s}_mean" in table]
    shown, constant = presentable(table.reset_index(drop=True), scores, digits=3)
    keep = [c for c in shown.columns if c in (*SEED_FREE_KEYS, "sampler", "n") or c in scores]
    return shown[keep], constant


def table_title(block: Block, sigma: float) -> str:
    """A table block's title: the rate table shows one noise level."""
    return f"{block.text} at σ = {sigma:g}" if block.name == "rate" else block.text


def to_markdown(blocks: list[Block], tables: dict[str, pd.DataFrame], sigma: float) -> str:
    lines = []
    for block in blocks:
        if block.kind == "heading":
            lines += [f"## {block.text}", ""]
        elif block.kind == "paragraph":
            lines += [block.text, ""]
        elif block.kind == "table":
            shown, _ = shown_table(tables[block.name], block.name, sigma)
            lines += [f"**Table: {table_title(block, sigma)}** (mean ± sd over seeds; all columns in `results/tables/{block.name}.csv`)", ""]
            lines += formats.markdown_table(shown.columns, shown.itertuples(index=False))
            lines += ["", footnote(tables[block.name]).strip(), ""] if footnote(tables[block.name]) else [""]
        elif block.kind == "claims":
            columns, rows = claims.presentable(tables["claims"])
            lines += [f"**Table: {block.text}** (all columns in `results/tables/claims.csv`)", ""]
            lines += [*formats.markdown_table(columns, rows), "", claims.note(tables["claims"]), ""]
        elif block.kind == "figure":
            lines += [f"![{block.name}](../figures/{block.name}.png)", "", f"*Figure ({block.name}).* {block.text}", ""]
    return "\n".join(lines)


latex_escape = formats.latex_escape


def to_latex(blocks: list[Block], tables: dict[str, pd.DataFrame], sigma: float) -> str:
    lines = []
    for block in blocks:
        if block.kind == "heading":
            command = "section" if block.text in SECTIONS else "subsection"
            lines += [f"\\{command}{{{latex_escape(block.text)}}}", ""]
        elif block.kind == "paragraph":
            lines += [latex_escape(block.text), ""]
        elif block.kind == "table":
            shown, _ = shown_table(tables[block.name], block.name, sigma)
            caption = f"{table_title(block, sigma)} (mean ± sd over seeds).{footnote(tables[block.name])}"
            lines += formats.latex_table(shown.columns, shown.itertuples(index=False), caption, size=r"\scriptsize",
                                        label=f"tab:{block.name}")
        elif block.kind == "claims":
            columns, rows = claims.presentable(tables["claims"])
            lines += formats.latex_table(columns, rows, f"{block.text}. {claims.note(tables['claims'])}",
                                        size=r"\scriptsize", label="tab:claims")
        elif block.kind == "figure":
            lines += [r"\begin{figure}[t]", r"\centering", f"\\includegraphics[width=\\linewidth]{{figures/{block.name}.pdf}}",
                      f"\\caption{{{latex_escape(block.text)}}}", f"\\label{{fig:{block.name}}}", r"\end{figure}", ""]
    return "\n".join(lines)


def to_html(blocks: list[Block], tables: dict[str, pd.DataFrame], sigma: float, images: dict[str, bytes]) -> str:
    """The section as one self-contained web page, its figures (PNG bytes by name) embedded, so
    that it reads the same from the file and inside the HTML report."""
    lines = []
    for block in blocks:
        if block.kind == "heading":
            tag = "h1" if block.text in SECTIONS else "h2"
            lines.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif block.kind == "paragraph":
            lines.append(f"<p>{escape(block.text)}</p>")
        elif block.kind == "table":
            shown, _ = shown_table(tables[block.name], block.name, sigma)
            caption = f"Table: {table_title(block, sigma)} (mean ± sd over seeds)"
            note = footnote(tables[block.name]).strip() or None
            lines += formats.html_table(shown.columns, shown.itertuples(index=False), caption=caption, note=note)
        elif block.kind == "claims":
            columns, rows = claims.presentable(tables["claims"])
            lines += formats.html_table(columns, rows, caption=f"Table: {block.text}", note=claims.note(tables["claims"]))
        elif block.kind == "figure":
            source = "data:image/png;base64," + base64.b64encode(images[block.name]).decode()
            lines += ["<figure>", f'<img src="{source}" alt="{block.name}">',
                      f"<figcaption><i>Figure ({block.name}).</i> {escape(block.text)}</figcaption>", "</figure>"]
    return formats.html_page("Experiments", lines)
