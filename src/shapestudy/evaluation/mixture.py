"""Gaussian mixtures of full covariances, fitted to a model's training codes by EM and sampled:
the mixture samplers of the registry (samplers.py)."""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from shapestudy import seeds


class Mixture(NamedTuple):
    """A Gaussian mixture of full covariances: weights (k,), means (k, d), covariances (k, d, d)."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray


# scikit-learn's GaussianMixture defaults, which the fit follows step for step, but for the
# tolerance: 3e-3 instead of its 1e-3 takes a third fewer EM steps. In the default study the
# mixtures' mean scores moved by a median 0.1-0.6 standard errors of the seeds' mean (validity by at
# most 0.7 points) and no verdict moved (benchmarks/RESULTS.md).
EM_TOLERANCE, EM_MAX_ITERATIONS, COVARIANCE_REGULARISATION = 3e-3, 100, 1e-6
_TINY = np.finfo(np.float64).tiny  # the smallest normal float64


def fit(codes, components: int, seed: int) -> Mixture:
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
    (fit) in d dimensions."""
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
    features (fit)."""
    log_prob, constant = _log_densities(features, mixture)
    shift, normalise = _row_loops()
    peak, kept = shift(log_prob, constant, np.log(_TINY * len(mixture.weights)))
    resp = np.exp(log_prob, out=log_prob)
    total = normalise(resp, kept, *_pairwise_plan(resp.shape[1]))
    return resp, float((peak + np.log(total)).mean())


def _log_densities(features, mixture: Mixture) -> tuple[np.ndarray, np.ndarray]:
    """Each code's log-density under each component plus its log-weight, as (n, k) terms that
    depend on the code and (k,) constants to add to them."""
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
    return features @ np.hstack([upper, projected]).T, constant


# The E-step's work on the (n, k) log-densities, a row at a time while it is in the core's first
# cache, instead of a pass over the whole array for each operation (1.5-2 ms less of an E-step at
# k = 100, of the 4.5-5 ms this work took). The arithmetic is numpy's, operation for operation, and
# exp is numpy's own: the same responsibilities, bit for bit (numba's exp differs from numpy's in
# the last bit).
@functools.cache
def _row_loops():
    """_shift and _normalise compiled by numba (and kept in its on-disk cache), on first use: this
    module comes with the sampler registry into every reporting job, numba's import (0.2 s) only
    into those that fit a mixture."""
    import numba

    return numba.njit(cache=True)(_shift), numba.njit(cache=True)(_normalise)


def _shift(log_prob, constant, floor):
    """In place, each row plus `constant`, minus its maximum, at least `floor` (exp of a log-density
    below it would be subnormal: subnormal numbers make exp and the M-step's product ten times
    slower). Returns the row maxima and where the shifted row was at least `floor`."""
    n, k = log_prob.shape
    peak = np.empty(n)
    kept = np.empty((n, k), dtype=np.bool_)
    for i in range(n):
        row = log_prob[i]
        top = -np.inf
        for j in range(k):
            row[j] += constant[j]
            top = max(top, row[j])
        peak[i] = top
        for j in range(k):
            shifted = row[j] - top
            kept[i, j] = shifted >= floor
            row[j] = max(shifted, floor)
    return peak, kept


def _normalise(resp, kept, run_starts, run_lengths, merges):
    """In place, each row's entries outside `kept` set to 0 and the row divided by its sum; returns
    the sums. Each sum is ndarray.sum's, in its order (_pairwise_plan): each run in eight interleaved
    partial sums, the runs' sums merged on a stack, the total added to 0.0."""
    n, k = resp.shape
    total = np.empty(n)
    sums = np.empty(len(run_starts))
    for i in range(n):
        row = resp[i]
        for j in range(k):
            row[j] *= kept[i, j]
        finished = 0
        for run in range(len(run_starts)):
            start, length = run_starts[run], run_lengths[run]
            if length < 8:
                part = -0.0
                for j in range(start, start + length):
                    part += row[j]
            else:
                r0, r1, r2, r3 = row[start], row[start + 1], row[start + 2], row[start + 3]
                r4, r5, r6, r7 = row[start + 4], row[start + 5], row[start + 6], row[start + 7]
                for j in range(start + 8, start + length - length % 8, 8):
                    r0 += row[j]
                    r1 += row[j + 1]
                    r2 += row[j + 2]
                    r3 += row[j + 3]
                    r4 += row[j + 4]
                    r5 += row[j + 5]
                    r6 += row[j + 6]
                    r7 += row[j + 7]
                part = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
                for j in range(start + length - length % 8, start + length):
                    part += row[j]
            sums[finished] = part
            finished += 1
            for _ in range(merges[run]):
                finished -= 1
                sums[finished - 1] += sums[finished]
        total[i] = 0.0 + sums[0]
        for j in range(k):
            row[j] /= total[i]
    return total


@functools.cache
def _pairwise_plan(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """numpy's order of summing n contiguous float64 values (pairwise_sum, which ndarray.sum uses
    along a contiguous axis): a run of at most 128 values is summed alone, a longer one split in
    two at a multiple of 8 below its middle, each half summed alike and the halves added. As the
    runs' starts and lengths, left to right, and after each run how many times to add the two
    last sums: the halving tree walked in order, without recursion in the compiled loop."""
    runs, merges = [], []

    def walk(start: int, length: int) -> None:
        if length <= 128:
            runs.append((start, length))
            merges.append(0)
            return
        half = length // 2 - (length // 2) % 8
        walk(start, half)
        walk(start + half, length - half)
        merges[-1] += 1

    walk(0, n)
    starts, lengths = np.array(runs, dtype=np.int64).reshape(-1, 2).T
    return np.ascontiguousarray(starts), np.ascontiguousarray(lengths), np.array(merges, dtype=np.int64)


def sample(seed: int, weights, means, covariances, n: int) -> np.ndarray:
    """n float32 draws from a Gaussian mixture. The components and the noise come from two streams
    of the seed, so the first k of n draws equal k draws (scikit-learn's sample() sorts its draws
    by component)."""
    component_rng, noise_rng = np.random.default_rng(seed).spawn(2)
    weights = np.asarray(weights, dtype=np.float64)
    component = component_rng.choice(len(weights), size=n, p=weights / weights.sum())
    noise = noise_rng.standard_normal((n, np.shape(means)[1]))
    factors = np.linalg.cholesky(np.asarray(covariances))
    return (np.asarray(means)[component] + np.einsum("nij,nj->ni", factors[component], noise)).astype(np.float32)
