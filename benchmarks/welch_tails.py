"""How well Welch's t holds its level in the far tails, where Holm tests the secondary rows
(0.05 / 48 for the same-sampler family), and what that does to the claims' error rates at more
seeds (not a pass/fail test).

1. Two configurations of n seeds each, no difference, one sd `ratio` times the other: the rate
   at which Welch's test (Welch-Satterthwaite degrees of freedom) rejects, over the nominal level.
2. The calibration test's simulated default study (tests/unit/test_calibration.py) with 3, 4 and
   5 seeds per configuration: the family-wise error of each family under the null, Holm on the
   secondary rows, and the default (Benjamini-Hochberg on them) false discovery rate.

    .venv/bin/python benchmarks/welch_tails.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "unit")]

import test_calibration as calibration  # noqa: E402
from made_up import scores  # noqa: E402

from shapestudy import config as study_config  # noqa: E402
from shapestudy.data import grid  # noqa: E402
from shapestudy.reporting import claims  # noqa: E402
from shapestudy.reporting.statistics import CONTRADICTED, SUPPORTED  # noqa: E402

LEVELS = (0.05, 0.05 / 16, 0.05 / 48)


def welch_rates(n: int, ratio: float, draws: int = 400_000, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    a, b = ratio * rng.standard_normal((draws, n)), rng.standard_normal((draws, n))
    va, vb = a.var(axis=1, ddof=1) / n, b.var(axis=1, ddof=1) / n
    t = (a.mean(axis=1) - b.mean(axis=1)) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (n - 1) + vb**2 / (n - 1))
    p = 2 * stats.t.sf(np.abs(t), df)
    return [float((p < level).mean() / level) for level in LEVELS]


def study_rates(seeds: int, rng_seed: int, studies: int = 4000) -> dict[str, float]:
    config = study_config.validate(yaml.safe_load((ROOT / "config.yaml").read_text()))
    context = claims.Context(config["claims"], grid.n_factors(config["data"]["shapes"]), config["figures"]["sigma"],
                             config["evaluation"])
    planned = claims.plans(scores(config), context)
    rng = np.random.default_rng(rng_seed)
    values = [calibration.simulate(p, calibration.null_means(p), rng, seeds, studies=studies) for p in planned]
    holm = claims.decide(planned, {**config["claims"], "secondary_correction": "holm"}, values)
    bh = claims.decide(planned, {**config["claims"], "secondary_correction": "bh"}, values)
    alpha = 1 - config["claims"]["confidence"]
    return {"primary": float(calibration.rejected(holm.primary.p_adjusted, alpha).mean()),
            "worst secondary, Holm": max(float(calibration.rejected(d.p_adjusted, alpha).mean()) for d in holm.secondary),
            "worst secondary FDR, BH": max(calibration.false_discovery_rate(d, (SUPPORTED, CONTRADICTED))
                                           for d in bh.secondary)}


def main() -> None:
    print("| seeds | sd ratio | " + " | ".join(f"rate / nominal at {level:.2g}" for level in LEVELS) + " |")
    print("|---" * (2 + len(LEVELS)) + "|")
    for n in (3, 4, 5, 8):
        for ratio in (1, 3, 10, 25):
            print(f"| {n} | {ratio} | " + " | ".join(f"{r:.2f}" for r in welch_rates(n, ratio)) + " |")
    print("\n| seeds | simulation seed | primary FWER | worst secondary FWER (Holm) | worst secondary FDR (BH) |")
    print("|---|---|---|---|---|")
    for seeds in (3, 4, 5):
        for rng_seed in (1, 11, 21):
            rates = study_rates(seeds, rng_seed)
            print(f"| {seeds} | {rng_seed} | " + " | ".join(f"{v:.3f}" for v in rates.values()) + " |")


if __name__ == "__main__":
    main()
