"""The claims' verdicts: known-answer intervals, undecided on intervals that hold 0, and the right
verdict on constructed tables."""

import math

import pandas as pd
import pytest
from scipy import stats

from shapestudy.reporting import claims
from shapestudy.reporting.claims import Summary, decide_all, half_width, seeds_needed, verdict

SETTINGS = {"confidence": 0.95, "recovery": 0.9, "mig": 0.5}


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


def test_a_verdict_only_when_the_interval_excludes_zero():
    assert verdict(0.01, 0.3) == "supported"
    assert verdict(-0.3, -0.01) == "contradicted"
    assert verdict(-0.01, 0.3) == verdict(-0.3, 0.01) == verdict(0.0, 0.2) == "undecided"


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
                    {**rows("vae", latent_dim=dim, beta=4.0, validity=(0.05, 0.10)), "sampler": "prior"}]
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


def test_the_claims_table_is_written_with_its_settings(tmp_path):
    table = decide_all(constructed_tables(), SETTINGS, n_factors=4, sigma=0.1)
    outputs = {ext: tmp_path / f"claims.{ext}" for ext in ("csv", "md", "tex", "html")}
    claims.write(table, outputs)
    written = pd.read_csv(outputs["csv"])
    assert (written["confidence"] == 0.95).all() and set(written["interval"]) == {"one-sample t, 95%", "Welch t, 95%"}
    assert written.loc[written["claim"] == "reconstruction", "threshold"].eq(0.9).all()
    markdown = outputs["md"].read_text()
    assert "| reconstruction | bce | 4 | AE z=4 bce: exact factor recovery - 0.9 | 0.07 [" in markdown
    assert r"\beta" in outputs["tex"].read_text()
    assert "<td>AE z=4 bce: exact factor recovery - 0.9</td>" in outputs["html"].read_text()
