"""The claim registry: the seed report's questions, each stated once, and their verdicts over seeds.

A claim compares one score of one metric across configurations, oriented so that a positive
difference supports it: a configuration's mean against a threshold, or one configuration's mean
against another's. Its blocks are those comparisons, one per configuration it generalises over
(architecture, likelihood, latent size, and beta or sampler where it compares them). Each claim is
answered once, by its primary test: the average over its blocks of the blocks' differences, a
contrast whose variance comes from every seed of every configuration involved
(statistics.contrast), judged with the other claims' primary tests as one family. The blocks
follow as the claim's secondary analysis, a family of their own. Every compared score has a
smallest effect of interest (claims.margins), so a verdict is supported, contradicted, equivalent
or undecided. Adding a claim is one entry of CLAIMS; the claims table, the Experiments section,
the Conclusion, the frontier figure and the tests read the registry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from shapestudy import families
from shapestudy.evaluation import samplers
from shapestudy.reporting import formats, frontier, statistics
from shapestudy.reporting.statistics import CONTRADICTED, EQUIVALENT, SUPPORTED, UNDECIDED, VERDICTS

KEYS = tuple(families.SHARED_AXES)  # a block compares configurations of several families that share these
PRIMARY, SECONDARY = "primary", "secondary"
ROWS = {PRIMARY: slice(0, 1), SECONDARY: slice(1, None)}  # a plan's comparisons: its primary test, then its blocks
PERCENTAGE_POINTS = "pp"


@dataclasses.dataclass(frozen=True)
class Context:
    """What the claims need beyond the scores: the claims' settings and the study's shape."""

    settings: dict  # config["claims"]
    n_factors: int
    sigma: float  # the rate table's sigma the rate claim reads (the KL rate does not depend on it)
    evaluation: Mapping  # the evaluation settings that decide the samplers (samplers.SETTINGS)

    @property
    def fixed_sampler(self) -> samplers.Sampler:
        """The AE's sampler the VAE's prior is held against, fixed before the data: the largest
        fitted mixture (the most flexible density; Ghosh et al. 2020), else the fitted Gaussian."""
        if self.evaluation["mixture_components"]:
            return samplers.mixture(max(self.evaluation["mixture_components"]))
        return samplers.by_name("fitted_gaussian")


@dataclasses.dataclass(frozen=True)
class Block:
    """One comparison: cell `plus` minus cell `minus` (or minus `threshold` when there is none)."""

    keys: dict
    subject: str
    quantity: str
    plus: int
    minus: int | None = None
    threshold: float = 0.0


@dataclasses.dataclass(frozen=True)
class Claim:
    name: str
    statement: str  # the claim, as the report makes it
    metric: str  # the table whose scores it compares
    score: str  # the compared score (its margin: claims.margins[score])
    quantity: Callable[[Context], str]  # what the primary test compares, in words
    blocks: Callable[[pd.DataFrame, Context], list[Block]]  # the comparisons, from the metric's cells
    pooled: str  # which blocks the primary test averages, in words
    answers: dict[str, str]  # per verdict, the Conclusion's sentence ({difference}, {interval}, ...)
    pools: Callable[[Block, Context], bool] = lambda block, context: True  # which blocks it averages
    families: tuple[str, ...] = ("ae", "vae")  # whose scores it reads: the seed report's claims are on these two
    # Scores derived from the metric's per-run frame before the cells are formed: (frame, score
    # columns, context) -> (frame, score columns); e.g. each run's frontier at one novelty.
    derive: Callable | None = None
    unit: str = ""  # how differences read: "pp" (a share, in percentage points), "bits" or "" (a number)

    @property
    def on_frontier(self) -> bool:
        """Asked only of a study with a bandwidth sweep (evaluation.kde_bandwidths)."""
        return self.derive is _frontier_scores


def _matching(cells: pd.DataFrame, row: pd.Series) -> pd.DataFrame:
    return cells[np.logical_and.reduce([cells[key] == row[key] for key in KEYS])]


def _of(cells: pd.DataFrame, family: str) -> pd.DataFrame:
    return cells[cells["model"] == family]


def _keys(row: pd.Series) -> dict:
    return {key: row[key] for key in KEYS}


def _threshold_blocks(cells: pd.DataFrame, quantity: str, threshold: float) -> list[Block]:
    return [Block(_keys(row), families.label(row), quantity, i, None, threshold) for i, row in cells.iterrows()]


def _against(cells: pd.DataFrame, vae_sampler: Callable[[str], bool], ae_sampler: Callable[[str], str],
                quantity: Callable[[str], str], other: str = "ae") -> list[Block]:
    """Each VAE cell (of a sampler vae_sampler accepts) against the AE (or the `other` family) of
    its likelihood and latent size sampled by ae_sampler(the VAE's sampler)."""
    ae, vae = _of(cells, other), _of(cells, "vae")
    found = []
    for i, v in vae[vae["sampler"].map(vae_sampler)].iterrows():
        match = _matching(ae, v)
        for j, a in match[match["sampler"] == ae_sampler(v["sampler"])].iterrows():
            found.append(Block(_keys(v), f"{families.label(v)} - {families.label(a)}", quantity(v["sampler"]), i, j))
    return found


def _rate_blocks(cells: pd.DataFrame, context: Context) -> list[Block]:
    """Each pair of neighbouring betas: the KL rate at the lower minus at the higher."""
    vae = _of(cells[np.isclose(cells["sigma"].astype(float), context.sigma)], "vae")
    found = []
    for _, rows in vae.groupby(list(KEYS), sort=True):
        rows = rows.sort_values("beta")
        for (i, low), (j, high) in zip(rows.iloc[:-1].iterrows(), rows.iloc[1:].iterrows()):
            found.append(Block(_keys(low), f"{families.label(low)} - β={high['beta']:g}", "KL rate (bits)", i, j))
    return found


def _label(name: str) -> str:
    return samplers.by_name(name).label


def _frontier_scores(frame: pd.DataFrame, score_columns: list[str], context: Context):
    """Each run's validity where its kernel-density frontier reaches claims.frontier_novelty."""
    keys = [c for c in frame.columns if c not in (*score_columns, "sampler")]
    return frontier.at_novelty(frame, context.settings["frontier_novelty"], keys), ["novelty", "validity"]


def _frontier_claim(other: str) -> Claim:
    """The VAE's latent space against the `other` family's along their frontiers, at one novelty."""
    them = families.family(other).label
    return Claim(
        f"frontier_{other}", f"at equal novelty, the VAE's latent space yields more valid samples than the {them}'s",
        "sample_quality", "validity", lambda c: f"validity at novelty {c.settings['frontier_novelty']:g}, VAE - {them}",
        lambda cells, c: _against(cells, lambda s: s == frontier.SAMPLER, lambda s: s,
                                     lambda s: f"validity on the frontier at novelty {c.settings['frontier_novelty']:g}",
                                     other=other),
        f"VAE-{them} pairs of one likelihood and latent size",
        {SUPPORTED: f"Along their kernel-density frontiers the VAE's latent space generates better than the {them}'s: "
                    "{scope}, at equal novelty the VAE's validity minus the " + them + "'s is {difference}.",
         CONTRADICTED: f"Along their kernel-density frontiers the {them}'s latent space generates better than the "
                       "VAE's: {scope}, at equal novelty the VAE's validity minus the " + them + "'s is {difference}.",
         EQUIVALENT: f"Along their kernel-density frontiers the VAE's and the {them}'s latent spaces generate equally "
                     "well: {scope}, at equal novelty the validity differs by {difference}, within {margin}.",
         UNDECIDED: f"Whether the VAE's frontier lies above the {them}'s is undecided: " "{scope}, {difference}."},
        unit=PERCENTAGE_POINTS, families=(other, "vae"), derive=_frontier_scores,
    )


CLAIMS = {claim.name: claim for claim in (
    Claim(
        "reconstruction", "AE and VAE both reconstruct well", "reconstruction", "factor_recovery",
        lambda c: f"exact factor recovery - {c.settings['recovery']:g}",
        lambda cells, c: _threshold_blocks(cells, f"exact factor recovery - {c.settings['recovery']:g}",
                                           c.settings["recovery"]),
        "configurations with at least as many latent dimensions as factors",
        {SUPPORTED: "Both models reconstruct well: {scope}, exact factor recovery exceeds {threshold} by {difference}.",
         CONTRADICTED: "The models do not reconstruct well: {scope}, exact factor recovery minus {threshold} is "
                       "{difference}.",
         EQUIVALENT: "The models reconstruct at the threshold: {scope}, exact factor recovery is within {margin} of "
                     "{threshold} ({difference}).",
         UNDECIDED: "Whether the models reconstruct well is undecided: {scope}, exact factor recovery differs from "
                    "{threshold} by {difference}."},
        pools=lambda block, c: block.keys["latent_dim"] >= c.n_factors, unit=PERCENTAGE_POINTS,
    ),
    Claim(
        "prior_samples", "VAE prior samples are valid where AE prior samples are not", "sample_quality", "validity",
        lambda c: "validity of N(0, I) samples, VAE - AE",
        lambda cells, c: _against(cells, lambda s: s == "prior", lambda s: s,
                                     lambda s: "validity of N(0, I) samples"),
        "VAE-AE pairs of one likelihood and latent size",
        {SUPPORTED: "Only the VAE's prior generates: {scope}, the VAE's validity of N(0, I) samples minus the "
                    "AE's is {difference}.",
         CONTRADICTED: "The AE's prior generates better than the VAE's: {scope}, the VAE's validity of N(0, I) "
                       "samples minus the AE's is {difference}.",
         EQUIVALENT: "Neither prior generates better: {scope}, the validity of N(0, I) samples differs by {difference}.",
         UNDECIDED: "Whether the VAE's prior generates better is undecided: {scope}, {difference}."},
        unit=PERCENTAGE_POINTS,
    ),
    Claim(
        "same_sampler", "sampled the same way, the VAE's latent space yields more valid samples than the AE's",
        "sample_quality", "validity", lambda c: "validity, the same fitted sampler, VAE - AE",
        lambda cells, c: _against(cells, lambda s: s != "prior" and not samplers.is_sweep(s), lambda s: s,
                                     lambda s: f"validity of {_label(s)} samples"),
        "VAE-AE pairs of one likelihood, latent size and fitted sampler",
        {SUPPORTED: "Sampled the same way, the VAE's latent space generates better: {scope}, the VAE's validity "
                    "minus the AE's is {difference}.",
         CONTRADICTED: "Sampled the same way, the AE's latent space generates better: {scope}, the VAE's validity "
                       "minus the AE's is {difference}.",
         EQUIVALENT: "Sampled the same way, the two latent spaces generate equally well: {scope}, the validity "
                     "differs by {difference}, within {margin}.",
         UNDECIDED: "Whether the VAE's latent space generates better when sampled the same way is undecided: "
                    "{scope}, {difference}."},
        unit=PERCENTAGE_POINTS,
    ),
    Claim(
        "prior_against_fitted", "the VAE needs no sampler fitted after training to match the AE", "sample_quality",
        "validity", lambda c: f"validity, VAE's N(0, I) - AE's {c.fixed_sampler.label}",
        lambda cells, c: _against(cells, lambda s: s == "prior", lambda s: c.fixed_sampler.name,
                                     lambda s: f"validity of the VAE's N(0, I) against the AE's "
                                               f"{c.fixed_sampler.label} (fixed in advance)"),
        "VAE-AE pairs of one likelihood and latent size",
        {SUPPORTED: "The VAE needs no fitted sampler: {scope}, the validity of its N(0, I) samples minus that of "
                    "the AE's {sampler} samples is {difference}.",
         CONTRADICTED: "The VAE's prior does not match an AE sampled by a fitted density: {scope}, the validity of the "
                       "VAE's N(0, I) samples minus that of the AE's {sampler} samples is {difference}.",
         EQUIVALENT: "The VAE's prior matches an AE sampled by a fitted density: {scope}, the validity differs by "
                     "{difference}, within {margin}.",
         UNDECIDED: "Whether the VAE's prior matches the AE's {sampler} is undecided: {scope}, {difference}."},
        unit=PERCENTAGE_POINTS,
    ),
    Claim(
        "one_factor_per_dimension", "a latent with as many dimensions as factors encodes one factor per dimension",
        "latents", "mig", lambda c: f"MIG - {c.settings['mig']:g}",
        lambda cells, c: _threshold_blocks(cells[cells["latent_dim"] == c.n_factors],
                                           f"MIG - {c.settings['mig']:g}", c.settings["mig"]),
        "models with as many latent dimensions as factors",
        {SUPPORTED: "A latent of as many dimensions as factors encodes one factor per dimension: {scope}, MIG "
                    "exceeds {threshold} by {difference}.",
         CONTRADICTED: "A latent of as many dimensions as factors does not encode one factor per dimension: {scope}, "
                       "MIG minus {threshold} is {difference}.",
         EQUIVALENT: "A latent of as many dimensions as factors sits at the threshold: {scope}, MIG is within "
                     "{margin} of {threshold}.",
         UNDECIDED: "Whether a latent of as many dimensions as factors encodes one factor per dimension is undecided: "
                    "{scope}, MIG - {threshold} = {difference}."},
    ),
    Claim(
        "rate_falls", "the rate falls as β grows", "rate", "kl_rate_bits",
        lambda c: "KL rate (bits), lower β - higher β", _rate_blocks,
        "pairs of neighbouring βs of one VAE configuration",
        {SUPPORTED: "The rate falls as β grows: {scope}, the KL rate at the lower β is higher by {difference}.",
         CONTRADICTED: "The rate rises with β: {scope}, the KL rate at the lower β minus at the higher is "
                       "{difference}.",
         EQUIVALENT: "The rate does not change with β: {scope}, within {margin} ({difference}).",
         UNDECIDED: "Whether the rate falls as β grows is undecided: {scope}, {difference}."},
        unit="bits",
    ),
    # The VAE's frontier against every deterministic family's: a family added to the registry is compared too.
    *(_frontier_claim(name) for name, family in families.FAMILIES.items() if not family.variational),
)}


@dataclasses.dataclass(frozen=True)
class Cells:
    """One score of one metric per cell (configuration and setting) and seed."""

    table: pd.DataFrame  # one row per cell: its keys
    values: np.ndarray  # (cells, seeds), nan where a point has no run of that seed
    point: np.ndarray  # (cells,) the index of each cell's point


def cells(frame: pd.DataFrame, score_columns: list[str], score: str) -> Cells:
    """The cells of a metric's per-run frame (tables.read_scores) for one score."""
    keys = [c for c in frame.columns if c not in (*score_columns, "run", "seed")]
    keyed = frame.fillna({k: "" for k in keys})
    keyed = keyed.assign(cell=keyed.groupby(keys, sort=True, dropna=False).ngroup())
    table = keyed.drop_duplicates("cell").sort_values("cell").set_index("cell")[keys]
    wide = keyed.pivot(index="cell", columns="seed", values=score).sort_index()
    point = pd.factorize(table.apply(families.point_id, axis=1))[0]
    return Cells(table.reset_index(drop=True), wide.to_numpy(dtype=np.float64), np.asarray(point))


@dataclasses.dataclass
class Plan:
    """A claim's comparisons before the data decide them: its primary test (row 0) and blocks."""

    claim: Claim
    rows: pd.DataFrame  # per comparison: scope, keys, subject, quantity, threshold
    weights: np.ndarray  # (R, U)
    constants: np.ndarray  # (R,)
    cells: Cells
    margin: float


def plan(claim: Claim, found: Cells, context: Context) -> Plan | None:
    """The claim's primary test and its blocks, or None when the sweep has no block for it."""
    blocks = claim.blocks(found.table, context)
    pooled = [b for b in blocks if claim.pools(b, context)]
    if not pooled:  # no primary test: the claim is not asked of this sweep (e.g. no latent large enough)
        return None
    weights = np.zeros((1 + len(blocks), len(found.table)))
    for r, block in enumerate(blocks, start=1):
        weights[r, block.plus] += 1.0
        if block.minus is not None:
            weights[r, block.minus] -= 1.0
    weights[0] = sum(weights[1 + blocks.index(b)] for b in pooled) / len(pooled)
    constants = np.array([np.mean([b.threshold for b in pooled]), *(b.threshold for b in blocks)])
    two_sample = blocks[0].minus is not None
    rows = [{"claim": claim.name, "scope": PRIMARY, **{k: np.nan for k in KEYS},
             "subject": f"mean over {len(pooled)} {claim.pooled}",
             "quantity": claim.quantity(context), "blocks": len(pooled)}]
    rows += [{"claim": claim.name, "scope": SECONDARY, **block.keys, "subject": block.subject,
              "quantity": block.quantity, "blocks": 1} for block in blocks]
    frame = pd.DataFrame(rows).assign(threshold=np.nan if two_sample else constants,
                                      test="contrast t" if two_sample else "one-sample contrast t")
    margin = float(context.settings["margins"][claim.score])
    return Plan(claim, frame, weights, constants, found, margin)


def plans(scores: dict[str, tuple[pd.DataFrame, list[str]]], context: Context) -> list[Plan]:
    """A plan per claim of the registry whose metric the study scored and whose blocks it has."""
    found = []
    for claim in CLAIMS.values():
        if claim.metric not in scores:
            continue
        frame, score_columns = scores[claim.metric]
        frame = frame[frame["model"].isin(claim.families)] if "model" in frame else frame
        if claim.derive is not None:
            frame, score_columns = claim.derive(frame, score_columns, context)
        if claim.score not in frame or frame.empty:
            continue
        planned = plan(claim, cells(frame, score_columns, claim.score), context)
        if planned is not None:
            found.append(planned)
    return found


@dataclasses.dataclass
class Decided:
    """Every plan's contrasts (its primary test's, its rows'), the primary family's decision (a
    comparison per plan) and each plan's secondary family's decision; arrays may have leading axes
    (simulated studies)."""

    contrasts: list[dict[str, statistics.Contrast]]
    primary: statistics.Decision
    secondary: list[statistics.Decision]


def decide(planned: list[Plan], settings: dict, values: list[np.ndarray] | None = None) -> Decided:
    """The verdicts of the plans' comparisons, from the study's values or from `values` (one array
    (..., U, S) per plan, for simulated studies)."""
    paired = settings["pairing"] == "paired"
    contrasts = []
    for i, plan in enumerate(planned):
        cells = plan.cells.values if values is None else values[i]
        contrasts.append({scope: statistics.contrast(cells, plan.cells.point, plan.weights[rows], plan.constants[rows],
                                                     paired, conservative(scope, correction(settings, scope)))
                          for scope, rows in ROWS.items()})
    # The primary family: each plan's first comparison.
    primary = [np.concatenate([getattr(c[PRIMARY], field) for c in contrasts], axis=-1)
               for field in ("estimate", "se", "df")]
    margins = np.array([plan.margin for plan in planned])
    confidence = settings["confidence"]
    secondary = [statistics.decide(c[SECONDARY].estimate, c[SECONDARY].se, c[SECONDARY].df, plan.margin,
                                   correction(settings, SECONDARY), confidence)
                 for c, plan in zip(contrasts, planned)]
    primary = statistics.decide(*primary, margins, correction(settings, PRIMARY), confidence)
    return Decided(contrasts, primary, secondary)


def conservative(scope: str, adjusted_by: str) -> bool:
    """Whether a scope's comparisons take Hsu's conservative degrees of freedom: the rows held to
    their family-wise error (Holm), whose first step tests at alpha / R. A row compares one or two
    configurations of a few seeds each, and that far in the tail Welch-Satterthwaite's degrees of
    freedom are liberal; at the levels Benjamini-Hochberg reaches, and for the primary tests, which
    pool tens of configurations, they hold (docs/science.md, the calibration test)."""
    return scope == SECONDARY and adjusted_by == "holm"


def correction(settings: dict, scope: str) -> str:
    """The correction of a scope's families: `claims.correction` holds the primary family to its
    family-wise error; `claims.secondary_correction` adjusts each claim's per-configuration rows."""
    return settings["correction"] if scope == PRIMARY else settings["secondary_correction"]


# The claims table's columns, in order: a sweep that asks no claim still writes them (a header).
TABLE_COLUMNS = ["claim", "scope", *KEYS, "subject", "quantity", "blocks", "threshold", "test", "difference", "low",
                 "high", "level", "margin", "effect_size", "p", "p_adjusted", "p_equivalence",
                 "p_equivalence_adjusted", "verdict", "comparisons", "df", "n", "seeds_needed", "correction",
                 "confidence", "pairing"]


def decide_all(scores: dict[str, tuple[pd.DataFrame, list[str]]], context: Context) -> pd.DataFrame:
    """The claims table (TABLE_COLUMNS): every claim's primary test, then its blocks, with verdicts."""
    planned = plans(scores, context)
    if not planned:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    settings = context.settings
    decided = decide(planned, settings)
    alpha = 1 - settings["confidence"]
    frames = []
    for i, plan in enumerate(planned):
        for scope, decision, index, family in ((PRIMARY, decided.primary, slice(i, i + 1), len(planned)),
                                               (SECONDARY, decided.secondary[i], slice(None), len(plan.rows) - 1)):
            rows = plan.rows[plan.rows["scope"] == scope]
            c = decided.contrasts[i][scope]
            weights = plan.weights[ROWS[scope]]
            adjusted = correction(settings, scope)
            decided_now = int((decision.verdict[index] != VERDICTS.index(UNDECIDED)).sum())
            per_comparison = statistics.planning_level(adjusted, alpha, family, decided_now)
            frames.append(rows.assign(
                difference=c.estimate, low=decision.low[index], high=decision.high[index],
                level=decision.level[index], margin=plan.margin,
                effect_size=statistics.effect_size(c, weights, plan.cells.point),
                p=decision.p[index], p_adjusted=decision.p_adjusted[index],
                p_equivalence=decision.p_equivalence[index],
                p_equivalence_adjusted=decision.p_equivalence_adjusted[index],
                verdict=[VERDICTS[v] for v in decision.verdict[index]], comparisons=family,
                df=c.df, n=_seeds(plan, weights),
                seeds_needed=statistics.seeds_needed(c, plan.margin, per_comparison),
                correction=adjusted, confidence=settings["confidence"],
                pairing=settings["pairing"]))
    order = {name: i for i, name in enumerate(CLAIMS)}
    table = pd.concat(frames, ignore_index=True)
    table["scope"] = pd.Categorical(table["scope"], [PRIMARY, SECONDARY])
    table = table.sort_values(["scope", "claim"], key=lambda c: c.map(order) if c.name == "claim" else c,
                              kind="stable")
    return table.assign(scope=table["scope"].astype(str)).reset_index(drop=True)[TABLE_COLUMNS]


def _seeds(plan: Plan, weights: np.ndarray) -> np.ndarray:
    """Per comparison, the fewest seeds of a configuration it compares."""
    seeds = (~np.isnan(plan.cells.values)).sum(axis=1)
    return np.array([seeds[row != 0].min() for row in weights])


def count_verdicts(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per claim, how many of its rows have each verdict."""
    return {claim: {v: int((rows["verdict"] == v).sum()) for v in VERDICTS}
            for claim, rows in table.groupby("claim", sort=False)}


def seeds_for_share(table: pd.DataFrame, share: float = 0.9) -> float:
    """The fewest seeds per configuration at which at least `share` of the rows would be decided
    with 80% power, were the estimates and seed variances the truth (inf if none up to the
    search's end)."""
    needed = table["seeds_needed"].where(table["verdict"] == UNDECIDED, table["n"]).fillna(np.inf)
    return float(np.quantile(needed.to_numpy(dtype=float), share, method="higher"))


def number(value: float, digits: int = 2) -> str:
    """Two significant digits, as the uncertainty of a handful of seeds allows."""
    return "n/a" if pd.isna(value) else f"{value:.{digits}g}"


def seeds_text(row) -> str:
    needed = row["seeds_needed"]
    return "?" if pd.isna(needed) else f"> {statistics.MOST_SEEDS}" if np.isinf(needed) else str(int(needed))


def where(row) -> str:
    """'bce, latent 4' for a block, 'pooled' for a primary test."""
    if row["scope"] == PRIMARY:
        return "pooled"
    return f"{row['reconstruction']}, z={int(row['latent_dim'])}"


# Decimals of a difference in each unit: one precision for a claim's difference, interval and margin.
DECIMALS = {PERCENTAGE_POINTS: 1, "bits": 1, "": 2}


def in_unit(value: float, unit: str, signed: bool = False) -> str:
    """A difference's number in its unit, without the unit: '12.3' for 0.123 in pp."""
    if pd.isna(value):
        return "n/a"
    shown = 100 * value if unit == PERCENTAGE_POINTS else value
    return f"{shown:{'+' if signed else ''}.{DECIMALS[unit]}f}"


def amount(value: float, unit: str, signed: bool = False) -> str:
    """A difference as a reader takes it: '12.3 pp' for a share, '1.5 bits', '0.21'."""
    return in_unit(value, unit, signed) + (f" {unit}" if unit and not pd.isna(value) else "")


def _interval_or_one_seed(row: pd.Series) -> str:
    if pd.isna(row["low"]):
        return f"{amount(row['difference'], CLAIMS[row['claim']].unit, signed=True)} (one seed)"
    return signed_interval(row)


def signed_interval(row: pd.Series) -> str:
    """'+12.3 pp [+8.1, +16.5]': a row's difference and its interval, in its claim's unit."""
    unit = CLAIMS[row["claim"]].unit
    return (f"{amount(row['difference'], unit, signed=True)} "
            f"[{in_unit(row['low'], unit, signed=True)}, {in_unit(row['high'], unit, signed=True)}]")


def answer(row: pd.Series, context: Context) -> str:
    """The Conclusion's sentence for a claim's primary row: its verdict in words, the difference
    with its corrected interval, what it averages over."""
    claim = CLAIMS[row["claim"]]
    threshold = row["threshold"]
    return claim.answers[row["verdict"]].format(
        scope=f"averaged over {int(row['blocks'])} {claim.pooled}", difference=signed_interval(row),
        margin=f"±{amount(row['margin'], claim.unit)}",
        threshold="n/a" if pd.isna(threshold) else (f"{threshold:.0%}" if claim.unit == PERCENTAGE_POINTS
                                                   else f"{threshold:g}"),
        sampler=context.fixed_sampler.label)


COLUMNS = ["claim", "scope", "where", "compared", "difference [interval]", "margin", "d", "adj. p",
           "adj. p equiv.", "verdict", "seeds for 80%"]


def presentable(table: pd.DataFrame) -> tuple[list[str], list[tuple[str, ...]]]:
    """Columns and string rows of the claims table."""
    rows = []
    for _, row in table.iterrows():
        rows.append((row["claim"].replace("_", " "), row["scope"], where(row), f"{row['subject']}: {row['quantity']}", _interval_or_one_seed(row),
                     amount(row["margin"], CLAIMS[row["claim"]].unit), number(row["effect_size"]), number(row["p_adjusted"]),
                     number(row["p_equivalence_adjusted"]), row["verdict"], seeds_text(row)))
    return COLUMNS, rows


TITLE = "The report's claims, decided over seeds"


def note(table: pd.DataFrame) -> str:
    confidence = table["confidence"].iloc[0] if len(table) else 0.95
    adjusted = {scope: statistics.CORRECTIONS[rows["correction"].iloc[0]]
                for scope, rows in table.groupby("scope", sort=False)} if len(table) else {}
    by_scope = ", ".join(f"{name} for the {scope}" for scope, name in adjusted.items()) or "none tested"
    pairing = table["pairing"].iloc[0] if len(table) else "unpaired"
    rows_held = table.loc[table["scope"] == SECONDARY, "correction"]
    hsu = len(rows_held) and conservative(SECONDARY, rows_held.iloc[0])
    degrees = ("n - 1 of the paired seeds" if pairing == "paired" else
               "Welch-Satterthwaite's" + (", for the secondary rows Hsu's n - 1 of the compared configuration with "
                                          "the fewest seeds" if hsu else ""))
    statements = "; ".join(f"{claim.name}: {claim.statement}" for claim in CLAIMS.values())
    return (f"Difference oriented so that > 0 supports the claim. Primary: one test per claim, the mean over its "
            f"blocks of their differences, the primary tests one family; secondary: each block, each claim's blocks "
            f"a family. Each comparison is tested for a difference (two-sided t, {pairing} seeds, degrees of freedom: "
            f"{degrees}) and for equivalence within its margin (two one-sided tests); a family's p-values "
            f"are adjusted together ({by_scope}), a verdict needs an adjusted p-value below "
            f"{1 - confidence:.2g}; equivalent when the equivalence test decides. Interval: at the level the "
            f"correction asks of the difference test. d: the difference in seed standard deviations. Seeds for "
            f"80%: per configuration, for 80% power to decide at the observed effect. Claims: {statements}.")


def write(table: pd.DataFrame, outputs: dict[str, str]) -> None:
    columns, rows = presentable(table)
    formats.write_table(outputs, table, TITLE, columns, rows, note(table), label="tab:claims")
