"""A normalising flow fitted to a model's training codes after training: a masked autoregressive
flow (Papamakarios et al. 2017) from flowjax, a maintained JAX library, on the codes standardised
per dimension (an AE's scale is free). Affine autoregressive layers, not rational-quadratic
splines: on a test density of the codes' size the spline flow stopped early at a worse validation
likelihood in as much time (benchmarks/RESULTS.md). Deterministic: the fit draws from its seed's JAX key alone,
the samples from the seed's numpy stream, pushed through the fitted bijection, so the first k of n
samples are the k asked alone, as for every sampler."""

from __future__ import annotations

import numpy as np

from shapestudy import seeds

LAYERS, WIDTH = 4, 32  # autoregressive layers; hidden units of each layer's masked network
# Adam's step size, the batch, and the stop: the best validation likelihood (a tenth of the codes,
# held out by the fit) after at most MAX_EPOCHS, or PATIENCE epochs without improving.
LEARNING_RATE, BATCH, MAX_EPOCHS, PATIENCE = 5e-3, 256, 100, 5


def fit(codes, seed: int, max_epochs: int = MAX_EPOCHS):
    """(flow, mean, sd): the flow fitted to the standardised codes (n, d), and the standardisation."""
    import jax.numpy as jnp
    import jax.random as jr
    from flowjax.distributions import Normal
    from flowjax.flows import masked_autoregressive_flow
    from flowjax.train import fit_to_data

    codes = np.asarray(codes, dtype=np.float64)
    mean, sd = codes.mean(axis=0), codes.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)  # a dimension the codes do not use stays where it is
    init_key, fit_key = jr.split(jr.key(seeds.below(seed, seeds.JAX_BITS)))
    flow = masked_autoregressive_flow(init_key, base_dist=Normal(jnp.zeros(codes.shape[1])), flow_layers=LAYERS,
                                      nn_width=WIDTH)
    flow, _ = fit_to_data(fit_key, flow, ((codes - mean) / sd).astype(np.float32), learning_rate=LEARNING_RATE,
                          max_epochs=max_epochs, max_patience=PATIENCE, batch_size=BATCH, show_progress=False)
    return flow, mean, sd


def sample(fitted, seed: int, n: int) -> np.ndarray:
    """n float32 draws of a fitted flow: N(0, I) draws of the seed through its bijection."""
    import jax

    flow, mean, sd = fitted
    # The base distribution is fitted too (its location and scale): merged into the bijection, the
    # base is N(0, I) again.
    merged = flow.merge_transforms()
    base = np.random.default_rng(seed).standard_normal((n, len(mean))).astype(np.float32)
    pushed = np.asarray(jax.jit(jax.vmap(merged.bijection.transform))(base), dtype=np.float64)
    return (pushed * sd + mean).astype(np.float32)
