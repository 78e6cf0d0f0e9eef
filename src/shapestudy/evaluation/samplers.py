"""The sampler registry: the ways a trained model's latent space is sampled to generate images.

Each sampler is a name, a label for figures, the model families it applies to, its offset from
`evaluation.seed` and a draw function. Its draws come from seed + offset alone, so adding a sampler
changes no other sampler's samples, and the first k of n draws equal the k draws asked for alone
(a figure shows the evaluation's first samples). The evaluation and the samples figure iterate
over the registry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from shapestudy.families import ModelFamily


def fit_gaussian(codes) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and covariance (d, d) of codes (n, d)."""
    codes = np.asarray(codes, dtype=np.float64)
    return codes.mean(axis=0), np.atleast_2d(np.cov(codes, rowvar=False))


def sample_gaussian(rng_or_seed, mean, cov, n: int) -> np.ndarray:
    """n float32 draws from N(mean, cov); rng_or_seed is a numpy Generator or an int seed."""
    rng = np.random.default_rng(rng_or_seed)
    return rng.multivariate_normal(np.asarray(mean), np.asarray(cov), size=n).astype(np.float32)


def _standard_normal(seed: int, n: int, latent_dim: int, codes) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def _fitted_gaussian(seed: int, n: int, latent_dim: int, codes) -> np.ndarray:
    return sample_gaussian(seed, *fit_gaussian(codes), n)


@dataclasses.dataclass(frozen=True)
class Sampler:
    name: str
    label: str
    seed_offset: int
    applies_to: Callable[[ModelFamily], bool]
    # (seed, n, latent_dim, training codes or None) -> (n, latent_dim) float32
    draw: Callable[[int, int, int, np.ndarray | None], np.ndarray]
    fitted: bool = False  # fitted to the training codes (encoder means) after training


SAMPLERS = {
    sampler.name: sampler
    for sampler in (
        Sampler("prior", "N(0, I)", 0, lambda family: True, _standard_normal),
        # The AE baseline: an AE has no prior, so the study samples a density fitted to its codes.
        Sampler("fitted_gaussian", "fitted Gaussian", 1, lambda family: not family.variational, _fitted_gaussian,
                fitted=True),
    )
}


def for_family(family: ModelFamily) -> list[Sampler]:
    return [sampler for sampler in SAMPLERS.values() if sampler.applies_to(family)]


def draw_latents(n: int, latent_dim: int, seed: int, family: ModelFamily,
                 training_codes: Callable[[], np.ndarray]) -> dict[str, np.ndarray]:
    """The latents of each sampler that applies to the family, by name. `training_codes` is
    called once, and only if a fitted sampler applies."""
    latents, codes = {}, None
    for sampler in for_family(family):
        if sampler.fitted and codes is None:
            codes = training_codes()
        latents[sampler.name] = sampler.draw(seed + sampler.seed_offset, n, latent_dim, codes)
    return latents
