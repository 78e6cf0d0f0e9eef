"""The report's claims, decided from the tables over seeds, with the error of each claim's family
of comparisons controlled.

Each claim is tested per architecture, likelihood and latent size (and sampler or beta where it
compares those) as a difference oriented so that a positive value means the claim holds: the
difference of two configurations' means (Welch's t test, for seeds trained independently) or of
one configuration's mean from a threshold (one-sample t test). A claim's comparisons are one
family: their two-sided p-values are adjusted together (claims.correction: Holm's step-down
procedure, which controls the family-wise error rate; Benjamini-Hochberg, which controls the false
discovery rate; or none). The verdict is `supported` when the adjusted p-value is below
1 - claims.confidence and the difference is positive, `contradicted` when it is negative, and
`undecided` otherwise or when it cannot be computed (one seed). Each row's interval is the t
interval at the level the correction asks of that comparison, 1 - alpha * p / p_adjusted, so it
excludes 0 exactly when the verdict is decided. Every row gives an effect size: Hedges' g for two
configurations, the difference in standard deviations of the seeds for a threshold. An undecided
row says how many seeds per configuration would decide it if the means and standard deviations
stayed as measured. The tables hold mean, sd and n of every score over seeds, which is all a t test
needs.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from scipy import stats

from shapestudy.evaluation import samplers
from shapestudy.files import write_atomic
from shapestudy.reporting import formats
from shapestudy.reporting.tables import split_by_kind
from shapestudy.training import families

CLAIMS = {
    "reconstruction": "AE and VAE both reconstruct well",
    "prior_samples": "VAE prior samples are valid where AE prior samples are not",
    "same_sampler": "sampled the same way, the VAE's latent space yields more valid samples than the AE's",
    "prior_against_fitted": "the VAE needs no sampler fitted after training to match the AE",
    "one_factor_per_dimension": "a latent with as many dimensions as factors encodes one factor per dimension",
    "rate_falls": "the rate falls as β grows",
}
CORRECTIONS = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no correction"}
SUPPORTED, CONTRADICTED, UNDECIDED = "supported", "contradicted", "undecided"
MOST_SEEDS = 1000  # seeds_needed searches up to this many seeds per configuration
KEYS = ("arch", "reconstruction", "latent_dim")  # a claim compares configurations that share these


@dataclasses.dataclass(frozen=True)
class Summary:
    """A score over seeds: mean, standard deviation and number of seeds."""

    mean: float
    sd: float
    n: int

    @classmethod
    def of(cls, row: pd.Series, score: str) -> Summary:
        return cls(float(row[f"{score}_mean"]), float(row[f"{score}_sd"]), int(row["n"]))


def standard_error(a: Summary, b: Summary | None, n: int | None = None) -> tuple[float, float]:
    """(standard error, degrees of freedom) of a.mean - b.mean (of a.mean alone when b is None),
    with n seeds per configuration instead of the measured ones if n is given; nan with one seed."""
    parts = [(x.sd, n or x.n) for x in (a, b) if x is not None]
    if any(count < 2 or math.isnan(sd) for sd, count in parts):
        return math.nan, math.nan
    variances = [sd**2 / count for sd, count in parts]
    total = sum(variances)
    if total == 0:
        return 0.0, math.inf
    # Welch-Satterthwaite degrees of freedom; for one sample they are n - 1.
    df = total**2 / sum(v**2 / (count - 1) for v, (_, count) in zip(variances, parts) if v > 0)
    return math.sqrt(total), df


def half_width(a: Summary, b: Summary | None, confidence: float, n: int | None = None) -> float:
    """Half the width of the t interval of a.mean - b.mean (of a.mean alone when b is None) at this
    confidence, with n seeds per configuration if n is given. nan with one seed."""
    se, df = standard_error(a, b, n)
    if math.isnan(se) or se == 0:
        return se
    return float(stats.t.ppf((1 + confidence) / 2, df) * se)


def p_value(difference: float, a: Summary, b: Summary | None) -> float:
    """Two-sided p-value of the t test of the difference against 0; nan with one seed."""
    se, df = standard_error(a, b)
    if math.isnan(se):
        return math.nan
    if se == 0:
        return 0.0 if difference != 0 else 1.0
    return float(2 * stats.t.sf(abs(difference) / se, df))


def effect_size(difference: float, a: Summary, b: Summary | None) -> float:
    """Hedges' g of two configurations (the difference over the pooled sd, corrected for few seeds),
    or the difference from a threshold in standard deviations of the seeds; nan with one seed."""
    if b is None:
        return difference / a.sd if a.n > 1 and a.sd > 0 else math.nan
    if a.n + b.n <= 2:
        return math.nan
    pooled = math.sqrt(((a.n - 1) * a.sd**2 + (b.n - 1) * b.sd**2) / (a.n + b.n - 2))
    if pooled == 0 or math.isnan(pooled):
        return math.nan
    return difference / pooled * (1 - 3 / (4 * (a.n + b.n) - 9))


def adjust(p_values, correction: str) -> np.ndarray:
    """p-values adjusted for their family: Holm's step-down, Benjamini-Hochberg's step-up, or none.
    nan (an untestable comparison) stays nan and does not count in the family."""
    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full_like(p, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = len(tested)
    if m == 0:
        return adjusted
    order = tested[np.argsort(p[tested], kind="stable")]
    ranked = p[order]
    if correction == "holm":
        values = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif correction == "bh":
        values = np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
    elif correction == "none":
        values = ranked
    else:
        raise ValueError(f"unknown claims.correction {correction!r}: expected one of {list(CORRECTIONS)}")
    adjusted[order] = np.minimum(values, 1.0)
    return adjusted


def seeds_needed(a: Summary, b: Summary | None, difference: float, confidence: float) -> float:
    """The fewest seeds per configuration whose interval at this confidence would exclude 0, were
    the means and sds as measured: nan when that cannot be known (one seed, or no difference), inf
    beyond MOST_SEEDS."""
    if difference == 0 or math.isnan(half_width(a, b, confidence)):
        return math.nan
    for n in range(max(a.n, b.n if b else 0), MOST_SEEDS + 1):
        if half_width(a, b, confidence, n) < abs(difference):
            return n
    return math.inf


def compare(claim: str, subject: str, quantity: str, config: pd.Series, a: Summary, b: Summary | None,
            threshold: float = 0.0) -> dict:
    """One comparison of a claim, before its family decides: a - b (or a - threshold), its p-value
    and effect size. The summaries are kept for the interval and the seeds needed."""
    difference = a.mean - (b.mean if b else threshold)
    return {
        "claim": claim, **{key: config[key] for key in KEYS}, "subject": subject, "quantity": quantity,
        "difference": difference, "effect_size": effect_size(difference, a, b),
        "effect": "Hedges' g" if b else "difference in sd", "p": p_value(difference, a, b),
        "n": min(a.n, b.n if b else a.n), "threshold": threshold if b is None else math.nan,
        "test": "Welch t" if b else "one-sample t", "summaries": (a, b),
    }


def _matching(rows: pd.DataFrame, config: pd.Series) -> pd.DataFrame:
    return rows[np.logical_and.reduce([rows[key] == config[key] for key in KEYS])]


def reconstruction(table: pd.DataFrame, recovery: float) -> list[dict]:
    return [compare("reconstruction", families.label(row), f"exact factor recovery - {recovery:g}", row,
                    Summary.of(row, "factor_recovery"), None, recovery)
            for _, row in table.iterrows()]


def prior_samples(table: pd.DataFrame) -> list[dict]:
    ae, vae = split_by_kind(table[table["sampler"] == "prior"])
    return [compare("prior_samples", f"{families.label(v)} - {families.label(a)}", "validity of N(0, I) samples", v,
                    Summary.of(v, "validity"), Summary.of(a, "validity"))
            for _, v in vae.iterrows() for _, a in _matching(ae, v).iterrows()]


def same_sampler(table: pd.DataFrame) -> list[dict]:
    """Each VAE against the AE of its likelihood and latent size, both sampled by the same sampler
    fitted to their training codes after training (Ghosh et al. 2020)."""
    ae, vae = split_by_kind(table[table["sampler"] != "prior"])
    found = []
    for _, v in vae.iterrows():
        for _, a in _matching(ae, v).iterrows():
            if a["sampler"] == v["sampler"]:
                found.append(compare("same_sampler", f"{families.label(v)} - {families.label(a)}",
                                     f"validity of {samplers.by_name(v['sampler']).label} samples", v,
                                     Summary.of(v, "validity"), Summary.of(a, "validity")))
    return found


def prior_against_fitted(table: pd.DataFrame) -> list[dict]:
    """Each VAE's prior samples against the AE's best sampler fitted after training (the one with
    the highest mean validity for that AE)."""
    ae, vae = split_by_kind(table)
    fitted_ae = ae[ae["sampler"] != "prior"]
    found = []
    for _, v in vae[vae["sampler"] == "prior"].iterrows():
        candidates = _matching(fitted_ae, v)
        if candidates.empty:
            continue
        best = candidates.loc[candidates["validity_mean"].idxmax()]
        found.append(compare("prior_against_fitted", f"{families.label(v)} - {families.label(best)}",
                             f"validity of N(0, I) against the AE's best fitted sampler "
                             f"({samplers.by_name(best['sampler']).label})", v, Summary.of(v, "validity"),
                             Summary.of(best, "validity")))
    return found


def one_factor_per_dimension(table: pd.DataFrame, n_factors: int, mig: float) -> list[dict]:
    at = table[table["latent_dim"] == n_factors]
    return [compare("one_factor_per_dimension", families.label(row), f"MIG - {mig:g}", row, Summary.of(row, "mig"),
                    None, mig)
            for _, row in at.iterrows()]


def rate_falls(table: pd.DataFrame, sigma: float) -> list[dict]:
    """Each pair of neighbouring betas: the KL rate (an upper bound on I(X; Z)) at the lower one
    minus at the higher one."""
    _, vae = split_by_kind(table[np.isclose(table["sigma"], sigma)])
    found = []
    for _, rows in vae.groupby(list(KEYS), sort=True):
        rows = rows.sort_values("beta")
        for (_, low), (_, high) in zip(rows.iloc[:-1].iterrows(), rows.iloc[1:].iterrows()):
            found.append(compare("rate_falls", f"{families.label(low)} - β={high['beta']:g}", "KL rate (bits)", low,
                                 Summary.of(low, "kl_rate_bits"), Summary.of(high, "kl_rate_bits")))
    return found


def level(p: float, p_adjusted: float, tested: int, correction: str, confidence: float) -> float:
    """The confidence at which a comparison is judged: alpha shrunk by the factor the correction
    applied to its p-value, so that the interval excludes 0 exactly when the adjusted p-value is
    below alpha (Bonferroni's factor, the family's size, where the factor cannot be read off)."""
    if correction == "none":
        return confidence
    factor = p_adjusted / p if p > 0 else math.nan
    return 1 - (1 - confidence) / (factor if not math.isnan(factor) else max(tested, 1))


def decide(family: pd.DataFrame, correction: str, confidence: float) -> pd.DataFrame:
    """The verdicts of one claim's comparisons, their p-values adjusted together."""
    family = family.copy()
    family["p_adjusted"] = adjust(family["p"], correction)
    tested = int(family["p"].notna().sum())
    judged = []
    for row in family.itertuples():
        a, b = row.summaries
        at = level(row.p, row.p_adjusted, tested, correction, confidence)
        half = half_width(a, b, at)
        verdict = (UNDECIDED if not row.p_adjusted < 1 - confidence or row.difference == 0
                   else SUPPORTED if row.difference > 0 else CONTRADICTED)
        needed = seeds_needed(a, b, row.difference, at) if verdict == UNDECIDED else math.nan
        judged.append({"level": at, "low": row.difference - half, "high": row.difference + half,
                       "verdict": verdict, "seeds_needed": needed})
    judged = pd.DataFrame(judged, index=family.index)
    return family.assign(**judged, comparisons=tested, correction=correction, confidence=confidence)


def decide_all(tables: dict[str, pd.DataFrame], settings: dict, n_factors: int, sigma: float) -> pd.DataFrame:
    """The claims table from the reconstruction, sample quality, latents and rate tables."""
    samples = tables["sample_quality"]
    rows = [
        *reconstruction(tables["reconstruction"], settings["recovery"]),
        *prior_samples(samples),
        *same_sampler(samples),
        *prior_against_fitted(samples),
        *one_factor_per_dimension(tables["latents"], n_factors, settings["mig"]),
        *rate_falls(tables["rate"], sigma),
    ]
    if not rows:
        return pd.DataFrame()
    compared = pd.DataFrame(rows)
    decided = pd.concat([decide(family, settings["correction"], settings["confidence"])
                         for _, family in compared.groupby("claim", sort=False)])
    order = {claim: i for i, claim in enumerate(CLAIMS)}
    decided = decided.drop(columns="summaries")
    return decided.sort_values(["claim", "reconstruction", "latent_dim"],
                               key=lambda c: c.map(order) if c.name == "claim" else c,
                               kind="stable").reset_index(drop=True)


def count_verdicts(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per claim, how many of its rows have each verdict."""
    return {claim: {v: int((rows["verdict"] == v).sum()) for v in (SUPPORTED, CONTRADICTED, UNDECIDED)}
            for claim, rows in table.groupby("claim", sort=False)}


def number(value: float) -> str:
    return f"{value:.3g}"


def interval(row) -> str:
    """'0.12 [0.05, 0.19]': the difference and its interval at the row's corrected level."""
    bounds = "(one seed)" if math.isnan(row["low"]) else f"[{number(row['low'])}, {number(row['high'])}]"
    return f"{number(row['difference'])} {bounds}"


def seeds_text(row) -> str:
    needed = row["seeds_needed"]
    if row["verdict"] != UNDECIDED:
        return ""
    return "?" if math.isnan(needed) else f"> {MOST_SEEDS}" if math.isinf(needed) else str(int(needed))


def presentable(table: pd.DataFrame) -> tuple[list[str], list[tuple[str, ...]]]:
    """Columns and string rows: claim, configuration keys, what is compared, the difference with its
    corrected interval, the effect size, the adjusted p-value, the verdict and, if undecided, the
    seeds a verdict would need."""
    columns = ["claim", "likelihood", "latent_dim", "compared", "difference [corrected interval]", "effect size",
               "adjusted p", "verdict", "seeds needed"]
    rows = []
    for _, row in table.iterrows():
        effect = "n/a" if math.isnan(row["effect_size"]) else f"{row['effect_size']:.2g}"
        p = "n/a" if math.isnan(row["p_adjusted"]) else f"{row['p_adjusted']:.2g}"
        rows.append((row["claim"], row["reconstruction"], str(row["latent_dim"]),
                     f"{row['subject']}: {row['quantity']}", interval(row), effect, p, row["verdict"], seeds_text(row)))
    return columns, rows


TITLE = "The report's claims, decided over seeds"


def note(table: pd.DataFrame) -> str:
    confidence = table["confidence"].iloc[0] if len(table) else 0.95
    correction = table["correction"].iloc[0] if len(table) else "holm"
    claims = "; ".join(f"{name}: {text}" for name, text in CLAIMS.items())
    return (f"Difference oriented so that > 0 means the claim holds. Each claim is a family of comparisons whose "
            f"two-sided t-test p-values (Welch's for two configurations, one-sample against a threshold) are adjusted "
            f"together ({CORRECTIONS[correction]}); a verdict when the adjusted p-value is below "
            f"{1 - confidence:.2g}. The interval is the t interval at the level the correction asks of the comparison, "
            f"so it excludes 0 exactly when the verdict is decided. Effect size: Hedges' g for two configurations, the "
            f"difference in standard deviations of the seeds for a threshold. Seeds needed: per configuration, for a "
            f"verdict if the means and sds stayed as measured. Claims: {claims}.")


def write(table: pd.DataFrame, outputs: dict[str, str]) -> None:
    write_atomic(outputs["csv"], table.to_csv(index=False, float_format="%.6g").encode())
    columns, rows = presentable(table)
    markdown = [f"### {TITLE}", "", *formats.markdown_table(columns, rows), "", note(table), ""]
    write_atomic(outputs["md"], "\n".join(markdown).encode())
    latex = formats.latex_table(columns, rows, TITLE, size=r"\scriptsize", label="tab:claims",
                                note=f"\\footnotesize{{{formats.latex_escape(note(table))}}}")
    write_atomic(outputs["tex"], "\n".join(latex).encode())
    html = formats.html_table(columns, rows, caption=TITLE, note=note(table))
    write_atomic(outputs["html"], formats.html_page(TITLE, html).encode())
