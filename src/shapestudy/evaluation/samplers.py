"""The sampler registry: the ways a trained model's latent space is sampled to generate images.

Every sampler serves AE and VAE alike: the prior N(0, I), and densities fitted after training to
the training codes (the encoder's means for a VAE), as in Ghosh et al. 2020 and Pythae's
benchmark: one full-covariance Gaussian, Gaussian mixtures of k components for each k of
`evaluation.mixture_components`, kernel density estimates for each bandwidth of
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
from typing import NamedTuple

import numpy as np

from shapestudy import seeds
from shapestudy.evaluation import flow  # light: flowjax is imported only by the jobs that fit a flow

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


class Mixture(NamedTuple):
    """A Gaussian mixture of full covariances: weights (k,), means (k, d), covariances (k, d, d)."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray


# scikit-learn's GaussianMixture defaults, which the fit follows step for step.
EM_TOLERANCE, EM_MAX_ITERATIONS, COVARIANCE_REGULARISATION = 1e-3, 100, 1e-6
_TINY = np.finfo(np.float64).tiny  # the smallest normal float64


def fit_mixture(codes, components: int, seed: int) -> Mixture:
    """A Gaussian mixture of full covariances fitted to codes (n, d) by EM: scikit-learn's
    GaussianMixture(init_params="k-means++") step for step (its k-means++ seeds, one code per
    component, then EM until the mean log-likelihood changes by less than EM_TOLERANCE), its
    parameters equal to rounding, in a fraction of its time: each E- and M-step is one matrix
    product with the codes' outer products instead of a loop over components
    (benchmarks/RESULTS.md). One thread: one order of summation, the same fit anywhere."""
    from threadpoolctl import threadpool_limits

    codes = np.asarray(codes, dtype=np.float64)
    if len(codes) < components:
        raise ValueError(f"a mixture of {components} components needs at least {components} training codes, "
                         f"got {len(codes)} (evaluation.mixture_components)")
    with threadpool_limits(1):
        chosen = kmeans_plusplus(codes, components, seeds.below(seed, seeds.SKLEARN_BITS))
        centre = codes.mean(axis=0)  # EM is translation invariant; centred codes keep E[xx'] - mm' exact
        x = codes - centre
        # Each code's features: the upper triangle of its outer product, then the code itself. Both
        # EM steps are then one matrix product with them.
        rows, columns = np.triu_indices(x.shape[1])
        features = np.hstack([x[:, rows] * x[:, columns], x])
        resp = np.zeros((len(x), components))
        resp[chosen, np.arange(components)] = 1
        mixture, bound = _maximise(features, x.shape[1], resp), -np.inf
        for _ in range(EM_MAX_ITERATIONS):
            previous = bound
            resp, bound = _expect(features, mixture)
            mixture = _maximise(features, x.shape[1], resp)
            if abs(bound - previous) < EM_TOLERANCE:
                break
    return mixture._replace(means=mixture.means + centre)


def kmeans_plusplus(codes: np.ndarray, components: int, seed: int) -> np.ndarray:
    """The indices of `components` k-means++ seeds among the codes (n, d), float64: scikit-learn's
    kmeans_plusplus step for step (greedy, 2 + log(k) candidates a seed; its random draws and its
    arithmetic, so the same seeds), without its import (1.2 s of every sample-quality job)."""
    random = np.random.RandomState(seed)
    weights = np.ones(len(codes))  # scikit-learn's sample weights, all 1: it sums by products with them
    norms = np.einsum("ij,ij->i", codes, codes)

    def squared_distances(rows) -> np.ndarray:  # sklearn.metrics.pairwise._euclidean_distances
        distances = -2 * (codes[rows] @ codes.T)
        distances += np.einsum("ij,ij->i", codes[rows], codes[rows])[:, None]
        distances += norms[None, :]
        return np.maximum(distances, 0, out=distances)

    chosen = [random.choice(len(codes), p=weights / weights.sum())]
    closest = squared_distances([chosen[0]])
    potential = closest @ weights
    for _ in range(1, components):
        draws = random.uniform(size=2 + int(np.log(components))) * potential
        candidates = np.searchsorted(np.cumsum(weights * closest), draws)
        np.clip(candidates, None, closest.size - 1, out=candidates)
        distances = np.minimum(closest, squared_distances(candidates))
        potentials = distances @ weights.reshape(-1, 1)
        best = np.argmin(potentials)
        potential, closest = potentials[best], distances[best]
        chosen.append(candidates[best])
    return np.array(chosen)


def _maximise(features, d: int, resp) -> Mixture:
    """EM's M-step: the mixture that the responsibilities (n, k) imply, from the codes' features
    (fit_mixture) in d dimensions."""
    counts = resp.sum(axis=0) + 10 * np.finfo(np.float64).eps
    moments = resp.T @ features / counts[:, None]
    rows, columns = np.triu_indices(d)
    means = moments[:, len(rows):]
    second = np.empty((resp.shape[1], d, d))
    second[:, rows, columns] = second[:, columns, rows] = moments[:, :len(rows)]
    covariances = second - means[:, :, None] * means[:, None, :] + COVARIANCE_REGULARISATION * np.eye(d)
    return Mixture(counts / len(resp), means, covariances)


def _expect(features, mixture: Mixture) -> tuple[np.ndarray, float]:
    """EM's E-step: the responsibilities (n, k) and the mean log-likelihood of the codes, from their
    features (fit_mixture)."""
    d = mixture.means.shape[1]
    cholesky = np.linalg.cholesky(mixture.covariances)
    inverse = np.linalg.inv(cholesky)
    precision = inverse.transpose(0, 2, 1) @ inverse
    projected = np.einsum("kde,ke->kd", precision, mixture.means)
    # -(x - m)' P (x - m) / 2 = -x'Px / 2 + m'Px - m'Pm / 2, the first two one product with the
    # features (x'Px over the outer product's upper triangle: an entry off the diagonal counts twice).
    rows, columns = np.triu_indices(d)
    upper = precision[:, rows, columns] * np.where(rows == columns, -0.5, -1.0)
    log_det = np.log(np.diagonal(cholesky, axis1=1, axis2=2)).sum(axis=1)
    constant = (-0.5 * (d * np.log(2 * np.pi) + np.einsum("kd,kd->k", mixture.means, projected)) - log_det
                + np.log(mixture.weights))
    log_prob = features @ np.hstack([upper, projected]).T
    log_prob += constant
    peak = log_prob.max(axis=1)
    log_prob -= peak[:, None]
    # One exp per code and component. Responsibilities that would be subnormal are 0 instead: they
    # change no sum, and subnormal numbers make exp and the M-step's product ten times slower.
    floor = np.log(_TINY * len(mixture.weights))
    kept = log_prob >= floor
    resp = np.exp(np.maximum(log_prob, floor, out=log_prob), out=log_prob)
    resp *= kept  # a product with the mask, 4x faster than assigning 0 through it: the same values
    total = resp.sum(axis=1)
    resp /= total[:, None]
    return resp, float((peak + np.log(total)).mean())


def sample_mixture(seed: int, weights, means, covariances, n: int) -> np.ndarray:
    """n float32 draws from a Gaussian mixture. The components and the noise come from two streams
    of the seed, so the first k of n draws equal k draws (scikit-learn's sample() sorts its draws
    by component)."""
    component_rng, noise_rng = np.random.default_rng(seed).spawn(2)
    weights = np.asarray(weights, dtype=np.float64)
    component = component_rng.choice(len(weights), size=n, p=weights / weights.sum())
    noise = noise_rng.standard_normal((n, np.shape(means)[1]))
    factors = np.linalg.cholesky(np.asarray(covariances))
    return (np.asarray(means)[component] + np.einsum("nij,nj->ni", factors[component], noise)).astype(np.float32)


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
    return sample_mixture(seed, *fit_mixture(codes, components, seed), n)


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
