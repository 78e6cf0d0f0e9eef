"""The sampler registry: the ways a trained model's latent space is sampled to generate images.

Every sampler serves AE and VAE alike: the prior N(0, I), and densities fitted after training to
the training codes (the encoder's means for a VAE), as in Ghosh et al. 2020 and Pythae's
benchmark: one full-covariance Gaussian, Gaussian mixtures of k components for each k of
`evaluation.mixture_components` (evaluation/mixture.py), kernel density estimates for each bandwidth of
`evaluation.kde_bandwidths`, whose sweep runs from memorising the training codes to a smooth density,
and a normalising flow (`evaluation.flow`, evaluation/flow.py). The registry reads these three keys
of the evaluation settings (SETTINGS) and nothing else.

Each sampler is a name, a label for figures, its offset from `evaluation.seed` and a draw function.
Its draws come from seed + offset alone, so adding a sampler changes no other sampler's samples,
and the first k of n draws equal the k draws asked for alone (a figure shows the evaluation's
first samples). The evaluation and the samples figure iterate over the registry.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
from collections.abc import Callable, Mapping

import numpy as np

from shapestudy.evaluation import flow  # light: flowjax is imported only by the jobs that fit a flow
from shapestudy.evaluation import mixture as gaussian_mixture  # light: numba only where a mixture is fitted

# The mixture of k components is named MIXTURE_PREFIX + k and draws from seed + MIXTURE_OFFSET + k:
# an offset of its own for every k.
MIXTURE_PREFIX, MIXTURE_OFFSET = "gmm", 100
# The KDE of bandwidth h is named KDE_PREFIX + h and draws from seed + KDE_OFFSET + the bits of h as
# a float64 (below 2**63 for h > 0): an offset of its own for every h, whatever the list. Every
# mixture's offset lies below KDE_OFFSET: a mixture has at most as many components as there are
# training codes (preconditions.mixtures_have_codes), far fewer than 2**64.
KDE_PREFIX, KDE_OFFSET = "kde", 2**64

# The evaluation settings the registry reads; a study with none has the fixed samplers only.
SETTINGS = ("mixture_components", "kde_bandwidths", "flow")
FIXED_ONLY = types.MappingProxyType({"mixture_components": (), "kde_bandwidths": (), "flow": False})


def fit_gaussian(codes) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and covariance (d, d) of codes (n, d)."""
    codes = np.asarray(codes, dtype=np.float64)
    return codes.mean(axis=0), np.atleast_2d(np.cov(codes, rowvar=False))


def sample_gaussian(rng_or_seed, mean, cov, n: int) -> np.ndarray:
    """n float32 draws from N(mean, cov); rng_or_seed is a numpy Generator or an int seed."""
    rng = np.random.default_rng(rng_or_seed)
    return rng.multivariate_normal(np.asarray(mean), np.asarray(cov), size=n).astype(np.float32)


def sample_kde(seed: int, codes, scale, n: int) -> np.ndarray:
    """n float32 draws from a Gaussian kernel density on codes (m, d) with kernel standard
    deviations scale (d,): a code drawn uniformly plus N(0, diag(scale**2)) noise. The codes and
    the noise come from two streams of the seed, so the first k of n draws equal k draws."""
    code_rng, noise_rng = np.random.default_rng(seed).spawn(2)
    codes = np.asarray(codes, dtype=np.float64)
    chosen = code_rng.integers(len(codes), size=n)
    noise = noise_rng.standard_normal((n, codes.shape[1]))
    return (codes[chosen] + noise * np.asarray(scale)).astype(np.float32)


def _standard_normal(seed: int, n: int, latent_dim: int, codes) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def _fitted_gaussian(seed: int, n: int, latent_dim: int, codes) -> np.ndarray:
    return sample_gaussian(seed, *fit_gaussian(codes), n)


def _fitted_mixture(components: int, seed: int, n: int, latent_dim: int, codes) -> np.ndarray:
    return gaussian_mixture.sample(seed, *gaussian_mixture.fit(codes, components, seed), n)


def _fitted_kde(bandwidth: float, seed: int, n: int, latent_dim: int, codes) -> np.ndarray:
    """The bandwidth is relative to the codes' scale, per dimension: the kernel's standard deviation
    in dimension j is bandwidth * sd_j, sd_j the codes' standard deviation there (of the codes as a
    distribution, ddof 0). One bandwidth then means the same smoothing in an AE's codes, whose
    scale is free, as in a VAE's, and a dimension the codes do not use (sd_j = 0) gets no noise."""
    codes = np.asarray(codes, dtype=np.float64)
    return sample_kde(seed, codes, bandwidth * codes.std(axis=0), n)


def _fitted_flow(seed: int, n: int, latent_dim: int, codes) -> np.ndarray:
    return flow.sample(flow.fit(codes, seed), seed, n)


@dataclasses.dataclass(frozen=True)
class Sampler:
    name: str
    label: str
    seed_offset: int
    # (seed, n, latent_dim, training codes or None) -> (n, latent_dim) float32
    draw: Callable[[int, int, int, np.ndarray | None], np.ndarray]
    fitted: bool = False  # fitted to the training codes (encoder means) after training
    bandwidth: float | None = None  # a kernel density estimate's, relative to the codes' sd

    @property
    def sweep(self) -> bool:
        """One point of a bandwidth sweep: read as a frontier (reporting/frontier.py), not as a
        sampler of its own (a KDE of tiny bandwidth replays the training codes: the ceiling, no
        novelty)."""
        return self.bandwidth is not None


def mixture(components: int) -> Sampler:
    return Sampler(f"{MIXTURE_PREFIX}{components}", f"GMM k={components}", MIXTURE_OFFSET + components,
                   functools.partial(_fitted_mixture, components), fitted=True)


def _number(value: float) -> str:
    """A bandwidth as names and labels show it: its shortest exact decimal, so that two bandwidths
    never share a name ('0.1', '1', '1e-05')."""
    return repr(float(value)).removesuffix(".0")


def kde(bandwidth: float) -> Sampler:
    bits = int(np.float64(bandwidth).view(np.uint64))
    return Sampler(f"{KDE_PREFIX}{_number(bandwidth)}", f"KDE h={_number(bandwidth)}", KDE_OFFSET + bits,
                   functools.partial(_fitted_kde, float(bandwidth)), fitted=True, bandwidth=float(bandwidth))


FLOW = Sampler("flow", "MAF flow", 2, _fitted_flow, fitted=True)


def registry(evaluation: Mapping = FIXED_ONLY) -> dict[str, Sampler]:
    """The samplers of a study, by name, from its evaluation settings (config["evaluation"], or a
    mapping with the keys SETTINGS): the fixed ones, a mixture per k of mixture_components, a
    kernel density estimate per bandwidth of kde_bandwidths and the flow if flow is true."""
    samplers = [
        Sampler("prior", "N(0, I)", 0, _standard_normal),
        Sampler("fitted_gaussian", "fitted Gaussian", 1, _fitted_gaussian, fitted=True),
        *(mixture(k) for k in evaluation["mixture_components"]),
        *(kde(h) for h in evaluation["kde_bandwidths"]),
        *([FLOW] if evaluation["flow"] else []),
    ]
    return {sampler.name: sampler for sampler in samplers}


def labels(evaluation: Mapping = FIXED_ONLY) -> dict[str, str]:
    """The label of each sampler of a study (for figures and text), by name."""
    return {name: sampler.label for name, sampler in registry(evaluation).items()}


def by_name(name: str) -> Sampler:
    """A sampler by its name: a fixed one, gmm{k} for a mixture of any k or kde{h} for a kernel
    density estimate of any bandwidth h."""
    fixed = registry()
    if name in fixed:
        return fixed[name]
    if name == FLOW.name:
        return FLOW
    components = name.removeprefix(MIXTURE_PREFIX)
    if name.startswith(MIXTURE_PREFIX) and components.isdigit() and int(components) > 0:
        return mixture(int(components))
    if name.startswith(KDE_PREFIX):
        try:
            bandwidth = float(name.removeprefix(KDE_PREFIX))
        except ValueError:
            bandwidth = math.nan
        if math.isfinite(bandwidth) and bandwidth > 0:
            return kde(bandwidth)
    raise ValueError(f"unknown sampler {name!r}: expected one of {list(fixed)}, {FLOW.name}, gmm<k> or "
                     "kde<h>, e.g. gmm10 or kde0.1")


def is_sweep(name: str) -> bool:
    """Whether the named sampler is one point of a bandwidth sweep (a KDE)."""
    return by_name(name).sweep


def draw_latents(n: int, latent_dim: int, seed: int, training_codes: Callable[[], np.ndarray],
                 evaluation: Mapping = FIXED_ONLY) -> dict[str, np.ndarray]:
    """The latents of each sampler of the study (its evaluation settings), by name.
    `training_codes` is called once, and only if a fitted sampler is configured."""
    latents, codes = {}, None
    for sampler in registry(evaluation).values():
        if sampler.fitted and codes is None:
            codes = training_codes()
        latents[sampler.name] = sampler.draw(seed + sampler.seed_offset, n, latent_dim, codes)
    return latents
