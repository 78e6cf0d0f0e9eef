"""The claims' error rates, proved by simulation through the project's own claim code.

Thousands of studies of the default study's shape (config.yaml's sweep, samplers, seeds and
claims) are simulated and decided by claims.decide, the code the workflow runs. Each
configuration gets its own seed standard deviation (from 0.2% to 5%, as validity's vary across the
grid), and the samplers of one run share most of their noise (a run effect), as they share a
trained model. Asserted, within three Monte Carlo standard errors:
- under the null (no difference anywhere), the family-wise error of the primary claims and of each
  secondary family is at most alpha, under Holm and under Benjamini-Hochberg;
- with every difference exactly at its margin, a false "equivalent" is as rare;
- with real effects in half the blocks, Benjamini-Hochberg holds the false discovery rate;
- a planted effect is decided with the power that statistics.seeds_needed promises, and not at
  the seed count below it with much more.
A wrong correction, a one-sided p-value where a two-sided one is due, or a variance that treats a
run's samplers as independent makes one of these fail.
"""

import numpy as np
import pytest
import yaml
from harness import ROOT
from made_up import scores

from shapestudy import config as study_config
from shapestudy.data import grid
from shapestudy.reporting import claims, statistics
from shapestudy.reporting.statistics import CONTRADICTED, EQUIVALENT, SUPPORTED, UNDECIDED, VERDICTS

STUDIES = 2000
RUN_SHARE = 0.7  # the share of a cell's noise variance that the samplers of one run have in common


def mc_bound(rate: float) -> float:
    """The rate plus three Monte Carlo standard errors."""
    return rate + 3 * np.sqrt(rate * (1 - rate) / STUDIES)


@pytest.fixture(scope="module")
def default_study():
    config = study_config.validate(yaml.safe_load((ROOT / "config.yaml").read_text()))
    context = claims.Context(config["claims"], grid.n_factors(config["data"]["shapes"]), config["figures"]["sigma"],
                             config["evaluation"])
    planned = claims.plans(scores(config), context)
    # Every claim is simulated but the frontier's (config.yaml sweeps no kernel-density bandwidth).
    assert [p.claim.name for p in planned] == [name for name, c in claims.CLAIMS.items() if not c.on_frontier]
    return config["claims"], planned


def point_sds(plan: claims.Plan) -> np.ndarray:
    """Each point's seed standard deviation, from 0.2% to 5% (fixed for the plan)."""
    points = plan.cells.point.max() + 1
    return np.exp(np.random.default_rng(points).uniform(np.log(0.002), np.log(0.05), points))


def simulate(plan: claims.Plan, means: np.ndarray, rng, seeds: int | None = None, scale: float = 1.0,
             studies: int = STUDIES) -> np.ndarray:
    """(studies, U, seeds) values: cell means plus noise whose sd is the point's (times `scale`),
    most of it shared by a run's cells; the study's seeds per configuration unless given."""
    seeds = plan.cells.values.shape[-1] if seeds is None else seeds
    points = plan.cells.point.max() + 1
    sd = scale * point_sds(plan)[plan.cells.point]
    run = rng.standard_normal((studies, points, seeds))[:, plan.cells.point, :]
    own = rng.standard_normal((studies, len(plan.cells.point), seeds))
    noise = np.sqrt(RUN_SHARE) * run + np.sqrt(1 - RUN_SHARE) * own
    return means[None, :, None] + sd[None, :, None] * noise


def null_means(plan: claims.Plan, shift: float = 0.0) -> np.ndarray:
    """Cell means at which every comparison of the plan's blocks equals `shift`: thresholds plus the
    shift, or a common mean with the shift added to each block's first cell."""
    means = np.full(len(plan.cells.point), 0.5)
    for row, constant in zip(plan.weights[1:], plan.constants[1:]):
        plus = np.flatnonzero(row > 0)
        minus = np.flatnonzero(row < 0)
        means[plus] = (0.5 if len(minus) else constant) + shift
    return means


def errors(decision: statistics.Decision, wrong) -> np.ndarray:
    """Per simulated study, whether any comparison of the family got a verdict in `wrong`."""
    codes = [VERDICTS.index(v) for v in wrong]
    return np.isin(decision.verdict, codes).any(axis=-1)


def rejected(p_adjusted: np.ndarray, alpha: float) -> np.ndarray:
    """Per simulated study, whether any of the family's hypotheses was rejected. Under the null a
    rejected difference is often overruled by a decided equivalence (the difference, 0, is inside
    the margin): the hypotheses' error is what the correction controls."""
    return (p_adjusted < alpha).any(axis=-1)


def test_holm_holds_the_family_wise_error_of_every_family(default_study):
    settings, planned = default_study
    settings = {**settings, "secondary_correction": "holm"}
    rng = np.random.default_rng(1)
    decided = claims.decide(planned, settings, [simulate(p, null_means(p), rng) for p in planned])
    alpha = 1 - settings["confidence"]
    families = {"primary": decided.primary} | {p.claim.name: d for p, d in zip(planned, decided.secondary)}
    rates = {name: rejected(d.p_adjusted, alpha).mean() for name, d in families.items()}
    assert all(rate <= mc_bound(alpha) for rate in rates.values()), rates
    # Not vacuous: the primary family rejects at about its level (Holm is close to exact here; the
    # rows comparing two configurations are conservative by design, Hsu's degrees of freedom).
    assert rates["primary"] >= alpha / 2, rates
    verdicts = [errors(d, (SUPPORTED, CONTRADICTED)).mean() for d in families.values()]
    assert max(verdicts) <= mc_bound(alpha), verdicts


def false_discovery_rate(decision: statistics.Decision, false) -> float:
    """The mean over studies of the share of false verdicts (codes in `false`) among the decided."""
    decided = (decision.verdict != VERDICTS.index(UNDECIDED)).sum(axis=-1)
    wrong = np.isin(decision.verdict, [VERDICTS.index(v) for v in false]).sum(axis=-1)
    return float((wrong / np.maximum(decided, 1)).mean())


def test_the_default_holds_holm_for_the_primary_and_the_false_discovery_rate_per_claim(default_study):
    settings, planned = default_study
    assert (settings["correction"], settings["secondary_correction"]) == ("holm", "bh")
    rng = np.random.default_rng(5)
    decided = claims.decide(planned, settings, [simulate(p, null_means(p), rng) for p in planned])
    alpha = 1 - settings["confidence"]
    assert rejected(decided.primary.p_adjusted, alpha).mean() <= mc_bound(alpha)
    # No difference anywhere: every supported or contradicted row is a false discovery.
    rates = [false_discovery_rate(d, (SUPPORTED, CONTRADICTED)) for d in decided.secondary]
    assert max(rates) <= mc_bound(alpha), rates


def test_a_difference_at_the_margin_is_rarely_called_equivalent(default_study):
    settings, planned = default_study
    settings = {**settings, "secondary_correction": "holm"}  # the equivalence tests' family-wise error
    rng = np.random.default_rng(2)
    decided = claims.decide(planned, settings, [simulate(p, null_means(p, p.margin), rng) for p in planned])
    alpha = 1 - settings["confidence"]
    rates = [rejected(d.p_equivalence_adjusted, alpha).mean() for d in (decided.primary, *decided.secondary)]
    assert max(rates) <= mc_bound(alpha), rates
    assert max(errors(d, (EQUIVALENT,)).mean() for d in (decided.primary, *decided.secondary)) <= mc_bound(alpha)
    # The default's Benjamini-Hochberg on the same studies: a false equivalence is a false discovery.
    bh = claims.decide(planned, {**settings, "secondary_correction": "bh"}, [simulate(p, null_means(p, p.margin), rng)
                                                                             for p in planned])
    rates = [false_discovery_rate(d, (EQUIVALENT,)) for d in bh.secondary]
    assert max(rates) <= mc_bound(alpha), rates


def test_benjamini_hochberg_holds_the_false_discovery_rate(default_study):
    settings, planned = default_study
    settings = {**settings, "secondary_correction": "bh"}
    plan = next(p for p in planned if p.claim.name == "same_sampler")
    rng = np.random.default_rng(3)
    means = null_means(plan)
    real = np.zeros(len(plan.weights) - 1, dtype=bool)
    real[::2] = True  # every other block has an effect of 0.2 (many seed sds)
    for row in plan.weights[1:][real]:
        means[row > 0] += 0.2
    decided = claims.decide([plan], settings, [simulate(plan, means, rng)])
    verdict = decided.secondary[0].verdict
    discoveries = np.isin(verdict, [VERDICTS.index(SUPPORTED), VERDICTS.index(CONTRADICTED)])
    false = (discoveries & ~real).sum(axis=-1) + (verdict[:, real] == VERDICTS.index(EQUIVALENT)).sum(axis=-1)
    fdr = (false / np.maximum(discoveries.sum(axis=-1), 1)).mean()
    assert fdr <= mc_bound(1 - settings["confidence"]) and discoveries[:, real].mean() > 0.5


def test_a_planted_effect_is_decided_with_the_promised_power(default_study):
    settings, planned = default_study
    settings = {**settings, "secondary_correction": "holm"}  # the promise: statistics.planning_level
    plan = next(p for p in planned if p.claim.name == "prior_samples")
    rng = np.random.default_rng(4)
    means = null_means(plan)
    block = 1 + 3  # the fourth block of the family: an effect of three margins, two seed sds
    plus, minus = np.flatnonzero(plan.weights[block] > 0), np.flatnonzero(plan.weights[block] < 0)
    effect = 3 * plan.margin
    sds = point_sds(plan)[plan.cells.point[[*plus, *minus]]]
    scale = effect / 2 / np.sqrt(np.mean(sds**2))
    means[plus] += effect
    # The truth, read off a pilot of many seeds: the contrast the power table works from.
    pilot = simulate(plan, means, rng, seeds=400, scale=scale, studies=1)[0]
    truth = statistics.contrast(pilot, plan.cells.point, plan.weights[block:block + 1], plan.constants[block:block + 1],
                                conservative=claims.conservative(claims.SECONDARY, "holm"))  # a row's test, as decided
    family = len(plan.weights) - 1
    level = statistics.planning_level("holm", 1 - settings["confidence"], family, decided=0)
    promised = int(statistics.seeds_needed(truth, plan.margin, level)[0])
    assert 3 < promised < 50
    decided_share = {}
    for seeds in (promised - 1, promised):
        decided = claims.decide([plan], settings, [simulate(plan, means, rng, seeds, scale)])
        decided_share[seeds] = (decided.secondary[0].verdict[:, block - 1] == VERDICTS.index(SUPPORTED)).mean()
    power_error = 3 * np.sqrt(statistics.POWER * (1 - statistics.POWER) / STUDIES)
    assert decided_share[promised] >= statistics.POWER - power_error, decided_share
    assert decided_share[promised - 1] < statistics.POWER + power_error, decided_share
