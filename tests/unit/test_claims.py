"""The claims' statistics against textbook answers (scipy's t tests, Holm, Benjamini-Hochberg, two
one-sided tests), the registry's completeness, and the right verdicts on made-up scores of the
default study's shape whose answers are known."""

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from harness import ROOT
from made_up import scores
from scipy import stats

from shapestudy import config as study_config
from shapestudy.reporting import claims, statistics
from shapestudy.reporting.statistics import adjust, contrast


def one(values, point, weights, constant=0.0, paired=False):
    c = contrast(np.asarray(values, float), np.asarray(point), np.atleast_2d(np.asarray(weights, float)),
                 np.array([constant]), paired)
    return c, statistics.p_difference(c.estimate, c.se, c.df)[0]


A, B = [0.50, 0.61, 0.43], [0.20, 0.35, 0.15]


def test_a_block_of_two_configurations_is_welchs_t_test():
    c, p = one([A, B], [0, 1], [1, -1])
    welch = stats.ttest_ind(A, B, equal_var=False)
    assert p == pytest.approx(welch.pvalue) and c.df[0] == pytest.approx(welch.df)
    assert c.estimate[0] == pytest.approx(np.mean(A) - np.mean(B))


def test_a_threshold_is_the_one_sample_t_test_and_pairs_are_the_paired_one():
    c, p = one([A], [0], [1], constant=0.4)
    assert p == pytest.approx(stats.ttest_1samp(A, 0.4).pvalue) and c.df[0] == 2
    c, p = one([A, B], [0, 1], [1, -1], paired=True)
    assert p == pytest.approx(stats.ttest_rel(A, B).pvalue) and c.df[0] == 2


def test_hsus_degrees_of_freedom_are_the_fewest_seeds_less_one():
    # 5 seeds against 3, variances 100-fold apart: Welch-Satterthwaite's df sit near the noisier
    # arm's 4; Hsu's are 3 - 1 = 2 whatever the variances, with the same standard error.
    wide, narrow = [0.1, 0.9, 0.3, 0.7, 0.5], [0.50, 0.51, 0.52]
    values, point, weights = np.array([wide, narrow + [np.nan] * 2]), np.array([0, 1]), np.array([[1.0, -1.0]])
    welch = contrast(values, point, weights, np.zeros(1))
    hsu = contrast(values, point, weights, np.zeros(1), conservative=True)
    assert welch.df[0] == pytest.approx(stats.ttest_ind(wide, narrow, equal_var=False).df) and 3.5 < welch.df[0] < 4.1
    assert hsu.df[0] == 2 and hsu.se[0] == welch.se[0]


def test_only_rows_held_to_holm_take_hsus_degrees_of_freedom(config):
    made_up = scores(config)
    seeds = len(config["sweep"]["vae"]["seed"])
    for rows_correction in ("holm", "bh"):
        settings = {**config["claims"], "secondary_correction": rows_correction}
        table = claims.decide_all(made_up, context_of({**config, "claims": settings}))
        rows, primary = table[table["scope"] == claims.SECONDARY], table[table["scope"] == claims.PRIMARY]
        assert (primary["df"] > seeds).all()  # Welch-Satterthwaite over many configurations
        if rows_correction == "holm":
            assert (rows["df"] == seeds - 1).all()
        else:  # Welch-Satterthwaite: between one configuration's n - 1 and two's 2n - 2
            assert (rows["df"] >= seeds - 1 - 1e-9).all() and (rows["df"] > seeds - 1 + 1e-6).any()


def test_a_point_missing_a_seed_counts_the_seeds_it_has():
    c, p = one([A + [np.nan], B + [0.3]], [0, 1], [1, -1])
    assert p == pytest.approx(stats.ttest_ind(A, B + [0.3], equal_var=False).pvalue)


def test_a_runs_samplers_are_combined_seed_by_seed_before_their_variance():
    # Two samplers of one point (the same runs) against a third point: the variance of the point's
    # share is that of the per-seed sum, not the sum of the two variances.
    first, second, other = np.array(A), np.array(A) + [0.1, -0.1, 0.05], np.array(B)
    c, _ = one([first, second, other], [0, 0, 1], [0.5, 0.5, -1])
    expected = np.var((first + second) / 2, ddof=1) / 3 + np.var(other, ddof=1) / 3
    assert c.se[0] ** 2 == pytest.approx(expected)


def test_a_pooled_contrast_with_a_shared_configuration_weighs_it_once():
    # VAE 1 - AE and VAE 2 - AE averaged: AE's mean enters with weight -1, its variance once.
    vae1, vae2, ae = np.array(A), np.array(A) + 0.1, np.array(B)
    c, _ = one([vae1, vae2, ae], [0, 1, 2], [0.5, 0.5, -1])
    variances = [np.var(x, ddof=1) / 3 for x in (vae1, vae2, ae)]
    expected = 0.25 * variances[0] + 0.25 * variances[1] + variances[2]
    assert c.se[0] ** 2 == pytest.approx(expected)
    parts = [0.25 * variances[0], 0.25 * variances[1], variances[2]]
    assert c.df[0] == pytest.approx(sum(parts) ** 2 / sum(v**2 / 2 for v in parts))  # Welch-Satterthwaite


def test_equivalence_is_two_one_sided_tests():
    c, _ = one([A, np.array(A) + 0.01], [0, 1], [1, -1])
    margin = 0.2
    lower = stats.ttest_ind(A, np.array(A) + 0.01 - margin, equal_var=False, alternative="greater").pvalue
    upper = stats.ttest_ind(A, np.array(A) + 0.01 + margin, equal_var=False, alternative="less").pvalue
    assert statistics.p_equivalence(c.estimate, c.se, c.df, margin)[0] == pytest.approx(max(lower, upper))


def test_holm_and_benjamini_hochberg_adjust_a_family_as_known():
    p = [0.01, 0.04, 0.03, 0.005, math.nan]
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, made monotone: 0.02, 0.03, 0.06, 0.06.
    assert adjust(p, "holm")[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # Benjamini-Hochberg: times 4/1, 4/2, 4/3, 4/4, made monotone from the top: 0.02, 0.02, 0.04, 0.04.
    assert adjust(p, "bh")[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert adjust(p, "none")[:4] == pytest.approx(p[:4])
    assert all(math.isnan(method[4]) for method in (adjust(p, "holm"), adjust(p, "bh")))  # untested, not counted
    # Two hypotheses per comparison, at most one true: the multiplier stops at the comparisons (2).
    assert adjust(p[:4], "holm", pairs=True) == pytest.approx([0.02, 0.06, 0.06, 0.01])
    with pytest.raises(ValueError, match="claims.correction"):
        adjust(p, "bonferroni")


def test_verdicts_and_their_intervals():
    estimate = np.array([0.3, -0.3, 0.001, 0.04, 0.0])
    se = np.array([0.01, 0.01, 0.001, 0.05, 0.0])
    decision = statistics.decide(estimate, se, np.full(5, 20.0), 0.05, "holm", 0.95)
    assert [statistics.VERDICTS[v] for v in decision.verdict] == [
        "supported", "contradicted", "equivalent", "undecided", "equivalent"]
    decided = decision.p_adjusted < 0.05
    excludes = (decision.low > 0) | (decision.high < 0)
    assert (decided[:2] == excludes[:2]).all() and (decision.level >= 0.95).all()


def test_seeds_needed_rise_as_the_effect_shrinks():
    c = contrast(np.array([A, B]), np.array([0, 1]), np.array([[1.0, -1.0]]), np.zeros(1))
    small = contrast(np.array([A, np.array(A) - 0.12]), np.array([0, 1]), np.array([[1.0, -1.0]]), np.zeros(1))
    n_large = statistics.seeds_needed(c, 0.01, 0.05 / 16)[0]
    n_small = statistics.seeds_needed(small, 0.01, 0.05 / 16)[0]
    assert 3 <= n_large < n_small
    power = statistics.decision_power(small, 0.01, 0.05 / 16, np.array([n_small - 1, n_small]))[0]
    assert power[0] < statistics.POWER <= power[1]


@pytest.fixture(scope="module")
def config():
    return study_config.validate(yaml.safe_load((ROOT / "config.yaml").read_text()))


def context_of(config):
    return claims.Context(config["claims"], 4, config["figures"]["sigma"],
                          config["evaluation"])


def test_every_claim_has_a_margin_and_a_sentence_for_every_verdict(config):
    for claim in claims.CLAIMS.values():
        assert claim.score in config["claims"]["margins"], claim.name
        assert set(claim.answers) == set(statistics.VERDICTS), claim.name


def known(metric, score, fields, setting):
    """Scores with known answers: the AE recovers 0.95 and the VAE 0.80 (latent >= 4); prior
    samples are valid 0.30 (VAE) and 0.02 (AE); fitted samplers give both 0.50 (equivalent); the
    rate halves from beta 1 to 4; MIG sits at 0.30. A seed moves every score by +-1% around seed 1."""
    wobble = 0.01 * (fields["seed"] - 1) * (1 + 0.3 * fields["latent_dim"] / 16)
    vae = fields["model"] == "vae"
    if score == "factor_recovery":
        return (0.80 if vae else 0.95) - (0.5 if fields["latent_dim"] < 4 else 0) + wobble
    if score == "validity" and metric == "sample_quality":
        if setting["sampler"] == "prior":
            return (0.30 if vae else 0.02) + wobble
        return 0.50 + wobble * (1 if vae else -1) * 0.5
    if score == "kl_rate_bits":
        return 20.0 / fields["beta"] + 10 * wobble if vae else math.nan
    if score == "mig":
        return 0.30 + wobble
    return 0.5


def test_the_claims_of_known_scores(config):
    # Seeds 0-2: the wobble averages to nothing, so the differences are the numbers above.
    config = {**config, "sweep": {model: {**axes, "seed": [0, 1, 2]} for model, axes in config["sweep"].items()}}
    table = claims.decide_all(scores(config, known), context_of(config))
    primary = table[table["scope"] == claims.PRIMARY].set_index("claim")
    # Every claim answered once, in registry order; the frontier's need a bandwidth sweep.
    assert list(primary.index) == [name for name, c in claims.CLAIMS.items() if not c.on_frontier]
    assert primary["verdict"].to_dict() == {
        # AE 0.95 and VAE 0.80 over latent >= 4: 0.85 on average, below 0.9.
        "reconstruction": "contradicted", "prior_samples": "supported", "same_sampler": "equivalent",
        "prior_against_fitted": "contradicted", "one_factor_per_dimension": "contradicted", "rate_falls": "supported"}
    assert primary.loc["reconstruction", "blocks"] == 18  # latent 2 cannot hold 4 factors: not pooled
    assert primary.loc["reconstruction", "difference"] == pytest.approx((0.95 + 2 * 0.80) / 3 - 0.9, abs=0.005)
    assert (primary["comparisons"] == 6).all()
    secondary = table[table["scope"] == claims.SECONDARY]
    assert secondary.groupby("claim").size().to_dict() == {
        "reconstruction": 24, "prior_samples": 16, "same_sampler": 48, "prior_against_fitted": 16,
        "one_factor_per_dimension": 6, "rate_falls": 8}
    assert secondary.loc[secondary["claim"] == "prior_against_fitted", "quantity"].str.contains("GMM k=100").all()
    assert not table.isna().all().any()  # TABLE_COLUMNS names every column decide_all fills
    assert (secondary["comparisons"] == secondary.groupby("claim")["claim"].transform("size")).all()
    assert set(table["verdict"]) <= set(statistics.VERDICTS)


def test_a_sweep_that_asks_no_claim_writes_the_tables_header(config, tmp_path):
    ae_only = {"sweep": {"ae": {**config["sweep"]["ae"], "latent_dim": [2]}}}
    table = claims.decide_all(scores({**config, **ae_only}), context_of(config))
    outputs = {ext: tmp_path / f"claims.{ext}" for ext in ("csv", "md", "tex", "html")}
    claims.write(table, outputs)
    assert list(pd.read_csv(outputs["csv"]).columns) == claims.TABLE_COLUMNS and claims.count_verdicts(table) == {}


def test_a_correction_can_only_take_verdicts_away(config):
    made = scores(config, seed=3)
    decided = {}
    for correction in ("none", "bh", "holm"):
        settings = {**config["claims"], "correction": correction, "secondary_correction": correction}
        table = claims.decide_all(made, claims.Context(settings, 4, 0.1, config["evaluation"]))
        decided[correction] = set(table.index[table["verdict"] != "undecided"])
    assert decided["holm"] <= decided["bh"] <= decided["none"]


def test_the_claims_table_is_written_in_four_formats(config, tmp_path):
    table = claims.decide_all(scores(config, known), context_of(config))
    outputs = {ext: tmp_path / f"claims.{ext}" for ext in ("csv", "md", "tex", "html")}
    claims.write(table, outputs)
    written = pd.read_csv(outputs["csv"])
    assert len(written) == len(table) and (written["confidence"] == 0.95).all()
    assert set(written["verdict"]) == {"supported", "contradicted", "equivalent", "undecided"} & set(written["verdict"])
    markdown = outputs["md"].read_text()
    assert "| reconstruction | primary | pooled |" in markdown and "Holm" in markdown
    assert r"\beta" in outputs["tex"].read_text() and "<td>pooled</td>" in outputs["html"].read_text()


def test_the_frontier_is_read_off_by_linear_interpolation():
    from shapestudy.reporting import frontier

    novelty, validity = np.array([0.0, 0.02, 0.06, 0.1]), np.array([0.9, 0.8, 0.6, 0.3])
    assert frontier.validity_at(novelty, validity, 0.05) == pytest.approx(0.8 + 0.75 * (0.6 - 0.8))
    assert frontier.validity_at(novelty, validity, 0.02) == pytest.approx(0.8)
    assert math.isnan(frontier.validity_at(novelty, validity, 0.2))  # the curve never gets there


def planted_frontiers(metric, score, fields, setting):
    """Kernel-density curves of known height: novelty 0.1 h for every model; validity 0.7 - 0.3 h
    for the VAE, 0.1 lower for the AE, the same for the RAE, 0.1 higher for the WAE; a seed moves
    it by +-0.5%. Other samplers and scores are flat."""
    if metric != "sample_quality" or not setting["sampler"].startswith("kde"):
        return 0.5
    h = float(setting["sampler"].removeprefix("kde"))
    if score == "novelty":
        return 0.1 * h
    if score == "validity":
        offset = {"vae": 0.0, "ae": -0.1, "rae": 0.0, "wae": 0.1}[fields["model"]]
        return 0.7 - 0.3 * h + offset + 0.005 * (fields["seed"] - 1)
    return 0.5


def test_the_frontier_claims_on_planted_curves(config):
    families = {"arch": ["mlp"], "reconstruction": ["mse", "bce"], "latent_dim": [4, 8], "seed": [0, 1, 2]}
    swept = {**config, "sweep": {"ae": families, "vae": {**families, "beta": [1.0]},
                                 "rae": {**families, "code_weight": [1.0], "decoder_l2": [0.001]},
                                 "wae": {**families, "mmd_weight": [100.0]}},
             "evaluation": {**config["evaluation"], "kde_bandwidths": [0.1, 0.3, 1.0]}}
    swept = study_config.validate(swept)
    table = claims.decide_all(scores(swept, planted_frontiers), context_of(swept))
    primary = table[table["scope"] == claims.PRIMARY].set_index("claim")
    # At novelty 0.05 (h = 0.5, between the points at 0.3 and 1.0) the VAE's validity is 0.55.
    frontier_rows = primary.loc[["frontier_ae", "frontier_rae", "frontier_wae"]]
    assert frontier_rows["verdict"].to_dict() == {"frontier_ae": "supported", "frontier_rae": "equivalent",
                                                  "frontier_wae": "contradicted"}
    assert frontier_rows["difference"].to_list() == pytest.approx([0.1, 0.0, -0.1], abs=1e-9)
    assert (frontier_rows["blocks"] == 4).all()
    # The report's claims read the AE and the VAE only; the RAE and WAE enter the frontier claims alone.
    others = table[~table["claim"].str.startswith("frontier")]
    assert not others["subject"].str.contains("RAE|WAE").any()
