"""The seed report's claims, decided from the tables over seeds.

Each claim is tested per architecture, likelihood and latent size as a difference oriented so
that a positive value means the claim holds: the difference of two configurations' means (Welch's
t interval, for seeds trained independently) or of one configuration's mean from a threshold
(one-sample t interval). The verdict is `supported` when the interval lies above 0,
`contradicted` when it lies below, and `undecided` when it holds 0 or cannot be computed (one
seed). An undecided row says how many seeds per configuration would decide it if the means and
standard deviations stayed as measured. The tables hold mean, sd and n of every score over seeds,
which is all a t interval needs.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from scipy import stats

from shapestudy.files import write_atomic
from shapestudy.reporting import formats
from shapestudy.reporting.tables import split_by_kind
from shapestudy.training import families

CLAIMS = {
    "reconstruction": "AE and VAE both reconstruct well",
    "prior_samples": "VAE prior samples are valid where AE prior samples are not",
    "one_factor_per_dimension": "a latent with as many dimensions as factors encodes one factor per dimension",
    "rate_falls": "the rate falls as β grows",
}
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


def half_width(a: Summary, b: Summary | None, confidence: float, n: int | None = None) -> float:
    """Half the width of the t interval of a.mean - b.mean (of a.mean alone when b is None), with
    n seeds per configuration instead of the measured ones if n is given. nan with one seed."""
    parts = [(x.sd, n or x.n) for x in (a, b) if x is not None]
    if any(count < 2 or math.isnan(sd) for sd, count in parts):
        return math.nan
    variances = [sd**2 / count for sd, count in parts]
    total = sum(variances)
    if total == 0:
        return 0.0
    # Welch-Satterthwaite degrees of freedom; for one sample they are n - 1.
    df = total**2 / sum(v**2 / (count - 1) for v, (_, count) in zip(variances, parts) if v > 0)
    return float(stats.t.ppf((1 + confidence) / 2, df) * math.sqrt(total))


def verdict(low: float, high: float) -> str:
    """Supported or contradicted only when the interval excludes 0."""
    if low > 0:
        return SUPPORTED
    if high < 0:
        return CONTRADICTED
    return UNDECIDED


def seeds_needed(a: Summary, b: Summary | None, difference: float, confidence: float) -> float:
    """The fewest seeds per configuration whose interval would exclude 0, were the means and sds
    as measured: nan when that cannot be known (one seed, or no difference), inf beyond MOST_SEEDS."""
    if difference == 0 or math.isnan(half_width(a, b, confidence)):
        return math.nan
    for n in range(max(a.n, b.n if b else 0), MOST_SEEDS + 1):
        if half_width(a, b, confidence, n) < abs(difference):
            return n
    return math.inf


def decide(claim: str, subject: str, quantity: str, config: pd.Series, a: Summary, b: Summary | None,
           threshold: float, confidence: float) -> dict:
    """One row of the claims table: a - b (or a - threshold), its interval and verdict."""
    difference = a.mean - (b.mean if b else threshold)
    half = half_width(a, b, confidence)
    low, high = difference - half, difference + half
    decided = verdict(low, high) if not math.isnan(half) else UNDECIDED
    return {
        "claim": claim, **{key: config[key] for key in KEYS}, "subject": subject, "quantity": quantity,
        "difference": difference, "low": low, "high": high, "n": min(a.n, b.n if b else a.n),
        "verdict": decided,
        "seeds_needed": seeds_needed(a, b, difference, confidence) if decided == UNDECIDED else math.nan,
        "interval": f"{'Welch' if b else 'one-sample'} t, {confidence:.0%}", "confidence": confidence,
        "threshold": threshold if b is None else math.nan,
    }


def _matching(rows: pd.DataFrame, config: pd.Series) -> pd.DataFrame:
    return rows[np.logical_and.reduce([rows[key] == config[key] for key in KEYS])]


def reconstruction(table: pd.DataFrame, recovery: float, confidence: float) -> list[dict]:
    return [decide("reconstruction", families.label(row), f"exact factor recovery - {recovery:g}", row,
                   Summary.of(row, "factor_recovery"), None, recovery, confidence)
            for _, row in table.iterrows()]


def prior_samples(table: pd.DataFrame, confidence: float) -> list[dict]:
    ae, vae = split_by_kind(table[table["sampler"] == "prior"])
    found = []
    for _, v in vae.iterrows():
        for _, a in _matching(ae, v).iterrows():
            found.append(decide("prior_samples", f"{families.label(v)} - {families.label(a)}",
                                "validity of N(0, I) samples", v, Summary.of(v, "validity"),
                                Summary.of(a, "validity"), 0.0, confidence))
    return found


def one_factor_per_dimension(table: pd.DataFrame, n_factors: int, mig: float, confidence: float) -> list[dict]:
    at = table[table["latent_dim"] == n_factors]
    return [decide("one_factor_per_dimension", families.label(row), f"MIG - {mig:g}", row,
                   Summary.of(row, "mig"), None, mig, confidence)
            for _, row in at.iterrows()]


def rate_falls(table: pd.DataFrame, sigma: float, confidence: float) -> list[dict]:
    """Each pair of neighbouring betas: the KL rate (an upper bound on I(X; Z)) at the lower one
    minus at the higher one."""
    _, vae = split_by_kind(table[np.isclose(table["sigma"], sigma)])
    found = []
    for _, rows in vae.groupby(list(KEYS), sort=True):
        rows = rows.sort_values("beta")
        for (_, low), (_, high) in zip(rows.iloc[:-1].iterrows(), rows.iloc[1:].iterrows()):
            found.append(decide("rate_falls", f"{families.label(low)} - β={high['beta']:g}", "KL rate (bits)",
                                low, Summary.of(low, "kl_rate_bits"), Summary.of(high, "kl_rate_bits"), 0.0,
                                confidence))
    return found


def decide_all(tables: dict[str, pd.DataFrame], settings: dict, n_factors: int, sigma: float) -> pd.DataFrame:
    """The claims table from the reconstruction, samples, latents and rate tables."""
    confidence = settings["confidence"]
    rows = [
        *reconstruction(tables["reconstruction"], settings["recovery"], confidence),
        *prior_samples(tables["sample_quality"], confidence),
        *one_factor_per_dimension(tables["latents"], n_factors, settings["mig"], confidence),
        *rate_falls(tables["rate"], sigma, confidence),
    ]
    order = {claim: i for i, claim in enumerate(CLAIMS)}
    table = pd.DataFrame(rows)
    return table.sort_values(["claim", "reconstruction", "latent_dim"], key=lambda c: c.map(order) if c.name == "claim" else c,
                             kind="stable").reset_index(drop=True)


def count_verdicts(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per claim, how many of its rows have each verdict."""
    return {claim: {v: int((rows["verdict"] == v).sum()) for v in (SUPPORTED, CONTRADICTED, UNDECIDED)}
            for claim, rows in table.groupby("claim", sort=False)}


def _number(value: float) -> str:
    return f"{value:.3g}"


def presentable(table: pd.DataFrame) -> tuple[list[str], list[tuple[str, ...]]]:
    """Columns and string rows: claim, configuration keys, what is compared, the difference with its
    interval, the verdict and, if undecided, the seeds a verdict would need."""
    columns = ["claim", "likelihood", "latent_dim", "compared", "difference [interval]", "verdict", "seeds needed"]
    rows = []
    for _, row in table.iterrows():
        interval = "(one seed)" if math.isnan(row["low"]) else f"[{_number(row['low'])}, {_number(row['high'])}]"
        needed = row["seeds_needed"]
        needed = "" if row["verdict"] != UNDECIDED else "?" if math.isnan(needed) else (
            f"> {MOST_SEEDS}" if math.isinf(needed) else str(int(needed)))
        rows.append((row["claim"], row["reconstruction"], str(row["latent_dim"]),
                     f"{row['subject']}: {row['quantity']}", f"{_number(row['difference'])} {interval}",
                     row["verdict"], needed))
    return columns, rows


TITLE = "The report's claims, decided over seeds"


def note(table: pd.DataFrame) -> str:
    confidence = table["confidence"].iloc[0] if len(table) else 0.95
    claims = "; ".join(f"{name}: {text}" for name, text in CLAIMS.items())
    return (f"Difference oriented so that > 0 means the claim holds, with its {confidence:.0%} t interval over seeds "
            f"(Welch's for two configurations, one-sample against a threshold); a verdict only when the interval "
            f"excludes 0. Seeds needed: per configuration, for the interval to exclude 0 if the means and sds stayed "
            f"as measured. Claims: {claims}.")


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
