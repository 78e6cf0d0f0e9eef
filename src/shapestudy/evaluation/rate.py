"""Information rate of a latent code (docs/science.md, Metrics), in bits.

Variances are over the rows (the test set), with ddof=0. Every rate is meaningful only beside the
distortion it buys (an AE can inflate R by scaling its codes) and beside H(X) = log2 |M|, the most
any code can need.
"""

from __future__ import annotations

import math

import numpy as np

from shapestudy.data.pixels import to_unit
from shapestudy.evaluation.scores import row
from shapestudy.training.inference import decode, encode


def information_rate(codes, sigma: float) -> float:
    """R(sigma) = sum_i 1/2 log2(1 + Var[z_i] / sigma^2) for noise N(0, sigma^2) added to each z_i.

    sigma = 0 gives inf (0 if every dimension is constant).
    """
    variance = np.var(np.asarray(codes, dtype=np.float64), axis=0)
    if sigma == 0:
        return float("inf") if (variance > 0).any() else 0.0
    return float(0.5 * np.log2(1 + variance / sigma**2).sum())


def posterior_noise_rate(mean, logvar) -> float:
    """sum_i 1/2 log2(1 + Var[mu_i] / E[sigma_i^2]): eq. 11 with the encoder's own noise."""
    mean, logvar = np.asarray(mean, dtype=np.float64), np.asarray(logvar, dtype=np.float64)
    return float(0.5 * np.log2(1 + np.var(mean, axis=0) / np.exp(logvar).mean(axis=0)).sum())


def kl_rate_bits(mean, logvar) -> float:
    """Mean over rows of KL(N(mu, diag sigma^2) || N(0, I)) summed over dims, in bits; >= I(X;Z)."""
    mean, logvar = np.asarray(mean, dtype=np.float64), np.asarray(logvar, dtype=np.float64)
    kl_nats = 0.5 * (mean**2 + np.exp(logvar) - 1 - logvar).sum(axis=1)
    return float(kl_nats.mean() / np.log(2))


def active_dimensions(mean, threshold: float = 0.01) -> int:
    """Number of latent dimensions whose posterior mean varies: Var[mu_i] > threshold."""
    return int((np.var(np.asarray(mean, dtype=np.float64), axis=0) > threshold).sum())


def rate_distortion(codes, decode_fn, images, sigmas, seed: int) -> list[dict]:
    """R(sigma) and D(sigma) for each sigma: one dict {sigma, rate_bits, distortion} per sigma.

    decode_fn maps codes (n, d) to images (n, ...) in pixel space (not logits). D(sigma) is the
    squared error summed over pixels, averaged over images, of decode_fn(z + sigma * eps) against
    `images`. eps ~ N(0, I) is drawn once from `seed` and shared by every sigma (common random
    numbers: a row does not depend on which other sigmas are listed, and curves are smooth).
    """
    codes = np.asarray(codes, dtype=np.float32)
    images = to_unit(images).reshape(len(codes), -1)
    eps = np.random.default_rng(seed).standard_normal(codes.shape).astype(np.float32)
    rows = []
    for sigma in sigmas:
        decoded = np.asarray(decode_fn(codes + np.float32(sigma) * eps), dtype=np.float32)
        squared_error = ((decoded.reshape(len(codes), -1) - images) ** 2).sum(axis=1)
        rows.append(
            {
                "sigma": float(sigma),
                "rate_bits": information_rate(codes, sigma),
                "distortion": float(squared_error.mean()),
            }
        )
    return rows


def score(dataset, trained, settings: dict) -> dict:
    """One row per sigma: R(sigma), D(sigma) and H(X); for a VAE also the posterior-noise rate,
    the KL rate and the active dimensions (nan for a deterministic encoder)."""
    model, params, config = trained.model, trained.params, trained.config
    test = dataset.subset("test")
    mean, logvar = encode(model, params, test.images)
    if config.variational:
        posterior = {
            "posterior_noise_rate_bits": posterior_noise_rate(mean, logvar),
            "kl_rate_bits": kl_rate_bits(mean, logvar),
            "active_dimensions": active_dimensions(mean, settings["active_threshold"]),
        }
    else:
        posterior = dict.fromkeys(["posterior_noise_rate_bits", "kl_rate_bits", "active_dimensions"], math.nan)
    rows = []
    curve = rate_distortion(
        mean, lambda z: decode(model, params, z, config.reconstruction), test.images, settings["sigmas"],
        seed=settings["seed"],
    )
    for point in curve:
        used = {"sigma": point.pop("sigma"), "seed": settings["seed"], "n_images": len(mean),
                "active_threshold": settings["active_threshold"]}
        rows.append(row(used, {**point, "entropy_bits": float(dataset.grid.entropy_bits), **posterior}))
    return {"rows": rows}
