"""The claims' verdicts: known-answer intervals, p-values, corrections and effect sizes, intervals
that exclude 0 exactly when a verdict is decided, and the right verdict on constructed tables."""

import math

import pandas as pd
import pytest
from scipy import stats

from shapestudy.reporting import claims
from shapestudy.reporting.claims import Summary, adjust, decide_all, effect_size, half_width, p_value, seeds_needed

SETTINGS = {"confidence": 0.95, "correction": "holm", "recovery": 0.9, "mig": 0.5}


def test_the_one_sample_interval_is_the_t_interval():
    # Three seeds 0.8, 0.9, 1.0: mean 0.9, sd 0.1; t(0.975, 2) = 4.303.
    a = Summary(0.9, 0.1, 3)
    assert half_width(a, None, 0.95) == pytest.approx(4.302653 * 0.1 / math.sqrt(3), rel=1e-6)


def test_the_two_sample_interval_is_welchs():
    a, b = Summary(0.5, 0.1, 3), Summary(0.2, 0.3, 5)
    se = math.sqrt(0.1**2 / 3 + 0.3**2 / 5)
    df = se**4 / ((0.1**2 / 3) ** 2 / 2 + (0.3**2 / 5) ** 2 / 4)
    assert half_width(a, b, 0.95) == pytest.approx(stats.t.ppf(0.975, df) * se)
    assert math.isnan(half_width(Summary(0.5, math.nan, 1), b, 0.95))  # one seed: no interval


def test_the_p_values_are_those_of_the_t_tests():
    a, b = Summary(0.5, 0.1, 3), Summary(0.2, 0.3, 5)
    welch = stats.ttest_ind_from_stats(0.5, 0.1, 3, 0.2, 0.3, 5, equal_var=False).pvalue
    assert p_value(0.3, a, b) == pytest.approx(welch)
    one_sample = stats.ttest_1samp([0.8, 0.9, 1.0], 0.85).pvalue
    assert p_value(0.9 - 0.85, Summary(0.9, 0.1, 3), None) == pytest.approx(one_sample)
    assert math.isnan(p_value(0.3, Summary(0.5, math.nan, 1), b))


def test_holm_and_benjamini_hochberg_adjust_a_family_as_known():
    p = [0.01, 0.04, 0.03, 0.005, math.nan]
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, made monotone: 0.02, 0.03, 0.06, 0.06.
    assert adjust(p, "holm")[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # Benjamini-Hochberg: times 4/1, 4/2, 4/3, 4/4, made monotone from the top: 0.02, 0.02, 0.04, 0.04.
    assert adjust(p, "bh")[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert adjust(p, "none")[:4] == pytest.approx(p[:4])
    assert all(math.isnan(method[4]) for method in (adjust(p, "holm"), adjust(p, "bh")))  # untested, not counted
    assert adjust([0.5, 0.6], "holm") == pytest.approx([1.0, 1.0])  # capped at 1


def test_the_effect_sizes():
    # Hedges' g: (0.5 - 0.2) / pooled sd, times 1 - 3 / (4 (3 + 5) - 9).
    pooled = math.sqrt((2 * 0.1**2 + 4 * 0.3**2) / 6)
    assert effect_size(0.3, Summary(0.5, 0.1, 3), Summary(0.2, 0.3, 5)) == pytest.approx(0.3 / pooled * (1 - 3 / 23))
    assert effect_size(0.05, Summary(0.9, 0.1, 3), None) == pytest.approx(0.5)  # half a standard deviation
    assert math.isnan(effect_size(0.05, Summary(0.9, math.nan, 1), None))


def test_seeds_needed_is_the_fewest_that_decide():
    a, b = Summary(0.55, 0.1, 3), Summary(0.5, 0.1, 3)
    n = seeds_needed(a, b, 0.05, 0.95)
    assert half_width(a, b, 0.95, n) < 0.05 <= half_width(a, b, 0.95, n - 1)
    assert math.isnan(seeds_needed(a, Summary(0.55, 0.1, 3), 0.0, 0.95))  # no difference: no number decides
    assert math.isinf(seeds_needed(Summary(0.5, 10.0, 3), b, 1e-4, 0.95))


def rows(model, reconstruction="bce", latent_dim=4, beta=float("nan"), **scores):
    row = {"model": model, "arch": "mlp", "reconstruction": reconstruction, "latent_dim": latent_dim, "beta": beta, "n": 3}
    for name, (mean, sd) in scores.items():
        row[f"{name}_mean"], row[f"{name}_sd"] = mean, sd
    return row


def constructed_tables():
    """An AE and VAEs at beta 1 and 4, latent 4 (the number of factors) and 8."""
    recon, samples, latents, rate = [], [], [], []
    for dim in (4, 8):
        recon += [rows("ae", latent_dim=dim, factor_recovery=(0.97, 0.01)),
                  rows("vae", latent_dim=dim, beta=1.0, factor_recovery=(0.88, 0.05)),
                  rows("vae", latent_dim=dim, beta=4.0, factor_recovery=(0.5, 0.05))]
        samples += [{**rows("ae", latent_dim=dim, validity=(0.02, 0.01)), "sampler": "prior"},
                    {**rows("ae", latent_dim=dim, validity=(0.9, 0.01)), "sampler": "gmm10"},
                    {**rows("vae", latent_dim=dim, beta=1.0, validity=(0.30, 0.05)), "sampler": "prior"},
                    {**rows("vae", latent_dim=dim, beta=4.0, validity=(0.05, 0.10)), "sampler": "prior"},
                    {**rows("vae", latent_dim=dim, beta=1.0, validity=(0.5, 0.05)), "sampler": "gmm10"},
                    {**rows("vae", latent_dim=dim, beta=4.0, validity=(0.6, 0.05)), "sampler": "gmm10"}]
        latents += [rows("ae", latent_dim=dim, mig=(0.1, 0.05)), rows("vae", latent_dim=dim, beta=1.0, mig=(0.55, 0.2)),
                    rows("vae", latent_dim=dim, beta=4.0, mig=(0.8, 0.02))]
        for sigma in (0.1, 1.0):
            rate += [{**rows("ae", latent_dim=dim, kl_rate_bits=(math.nan, math.nan)), "sigma": sigma},
                     {**rows("vae", latent_dim=dim, beta=1.0, kl_rate_bits=(20.0, 1.0)), "sigma": sigma},
                     {**rows("vae", latent_dim=dim, beta=4.0, kl_rate_bits=(8.0, 0.5)), "sigma": sigma}]
    return {name: pd.DataFrame(r) for name, r in
            (("reconstruction", recon), ("sample_quality", samples), ("latents", latents), ("rate", rate))}


def test_the_claims_of_constructed_tables():
    table = decide_all(constructed_tables(), SETTINGS, n_factors=4, sigma=0.1).set_index(["claim", "latent_dim", "subject"])
    found = table["verdict"].to_dict()
    # Sampled the same way (the AE's and the VAE's mixture): the AE is better here.
    assert found[("same_sampler", 4, "VAE z=4, β=1 bce - AE z=4 bce")] == "contradicted"
    # The VAE's prior against the AE's best fitted sampler (its mixture, 0.9).
    assert found[("prior_against_fitted", 8, "VAE z=8, β=1 bce - AE z=8 bce")] == "contradicted"
    assert table.xs("prior_against_fitted")["quantity"].str.contains("GMM k=10").all()
    assert found[("reconstruction", 4, "AE z=4 bce")] == "supported"  # 0.97 ± 0.01 over 0.9
    assert found[("reconstruction", 4, "VAE z=4, β=1 bce")] == "undecided"  # 0.88 ± 0.05 holds 0.9
    assert found[("reconstruction", 4, "VAE z=4, β=4 bce")] == "contradicted"
    assert found[("prior_samples", 8, "VAE z=8, β=1 bce - AE z=8 bce")] == "supported"  # the AE's GMM is not its prior
    assert found[("prior_samples", 8, "VAE z=8, β=4 bce - AE z=8 bce")] == "undecided"
    assert found[("one_factor_per_dimension", 4, "AE z=4 bce")] == "contradicted"
    assert found[("one_factor_per_dimension", 4, "VAE z=4, β=1 bce")] == "undecided"
    assert found[("one_factor_per_dimension", 4, "VAE z=4, β=4 bce")] == "supported"
    assert ("one_factor_per_dimension", 8, "AE z=8 bce") not in found  # only the latent of as many factors
    assert found[("rate_falls", 8, "VAE z=8, β=1 bce - β=4")] == "supported"
    assert len(table.xs("rate_falls")) == 2  # one pair of betas per latent size, the sigmas not counted twice
    undecided = table[table["verdict"] == "undecided"]
    assert (undecided["seeds_needed"] > 3).all() and table.loc[table["verdict"] != "undecided", "seeds_needed"].isna().all()
    assert list(dict.fromkeys(table.index.get_level_values("claim"))) == list(claims.CLAIMS)
    # Every claim is a family: its size and correction on every row, its interval excludes 0 exactly
    # when a verdict is decided.
    assert (table.groupby("claim")["comparisons"].nunique() == 1).all() and (table["correction"] == "holm").all()
    assert table.xs("reconstruction")["comparisons"].iloc[0] == 6
    decided = table["verdict"] != "undecided"
    excludes = (table["low"] > 0) | (table["high"] < 0)
    assert (decided == excludes).all()
    assert (table["level"] >= 0.95).all() and (table.loc[decided, "p_adjusted"] < 0.05).all()


def test_a_correction_can_only_take_verdicts_away():
    tables = constructed_tables()
    none = decide_all(tables, {**SETTINGS, "correction": "none"}, n_factors=4, sigma=0.1)
    holm = decide_all(tables, SETTINGS, n_factors=4, sigma=0.1)
    bh = decide_all(tables, {**SETTINGS, "correction": "bh"}, n_factors=4, sigma=0.1)
    decided = {name: set(t.index[t["verdict"] != "undecided"]) for name, t in (("none", none), ("holm", holm), ("bh", bh))}
    assert decided["holm"] <= decided["bh"] <= decided["none"]
    assert (none["level"] == 0.95).all() and (holm["high"] - holm["low"] >= none["high"] - none["low"] - 1e-12).all()


def test_the_claims_table_is_written_with_its_settings(tmp_path):
    table = decide_all(constructed_tables(), SETTINGS, n_factors=4, sigma=0.1)
    outputs = {ext: tmp_path / f"claims.{ext}" for ext in ("csv", "md", "tex", "html")}
    claims.write(table, outputs)
    written = pd.read_csv(outputs["csv"])
    assert (written["confidence"] == 0.95).all() and set(written["test"]) == {"one-sample t", "Welch t"}
    assert written.loc[written["claim"] == "reconstruction", "threshold"].eq(0.9).all()
    markdown = outputs["md"].read_text()
    assert "| reconstruction | bce | 4 | AE z=4 bce: exact factor recovery - 0.9 | 0.07 [" in markdown
    assert "Holm" in markdown and "Hedges' g" in markdown
    assert r"\beta" in outputs["tex"].read_text()
    assert "<td>AE z=4 bce: exact factor recovery - 0.9</td>" in outputs["html"].read_text()
