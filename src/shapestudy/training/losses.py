"""Losses with one reduction convention (docs/science.md, Models): summed over pixels or latent
dimensions, averaged over the batch."""

import jax
import jax.numpy as jnp

RECONSTRUCTIONS = ("mse", "bce")


def squared_error(output, x):
    """||x - x_hat||^2 per image (report eq. 3), with the decoder output read as x_hat."""
    return jnp.sum(jnp.square(x - output).reshape(x.shape[0], -1), axis=-1)


def binary_cross_entropy_with_logits(logits, x):
    """-[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))] per image, written as softplus(l) - x l:
    one exp and one log1p per pixel where optax's two log-sigmoids take two of each (a VAE epoch
    0.36 s instead of 0.41 s on one core, benchmarks/RESULTS.md); equal to within 5e-7."""
    per_pixel = jax.nn.softplus(logits) - logits * x
    return jnp.sum(per_pixel.reshape(x.shape[0], -1), axis=-1)


def reconstruction_error(output, x, kind: str):
    """Per-image reconstruction error of the decoder output."""
    if kind == "mse":
        return squared_error(output, x)
    if kind == "bce":
        return binary_cross_entropy_with_logits(output, x)
    raise ValueError(f"unknown reconstruction {kind!r}: expected one of {list(RECONSTRUCTIONS)}")


def to_image(output, kind: str):
    """The decoder output as an image in [0, 1]."""
    if kind == "bce":
        return 1 / (1 + jnp.exp(-output))
    return jnp.clip(output, 0.0, 1.0)


def kl_divergence(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, I)) per example, summed over dimensions (report eq. 9)."""
    return 0.5 * jnp.sum(jnp.square(mean) + jnp.exp(logvar) - logvar - 1.0, axis=-1)


def code_norm(z):
    """||z||^2 / 2 per example: the RAE's penalty on its codes (Ghosh et al. 2020, eq. 9), the mean
    term of the VAE's KL without its variance terms."""
    return 0.5 * jnp.sum(jnp.square(z), axis=-1)


def squared_weights(params) -> jnp.ndarray:
    """The sum of the squared kernels (not biases) of a parameter tree: an L2 penalty on weights."""
    leaves = jax.tree_util.tree_leaves_with_path(params)
    return sum(jnp.sum(jnp.square(leaf)) for path, leaf in leaves if getattr(path[-1], "key", None) == "kernel")


# The inverse multiquadratic kernel's scales, as in Tolstikhin et al.'s code (and Pythae's WAE):
# several widths, so neither near nor far codes are left without gradient.
IMQ_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def imq_kernel(a, b):
    """sum over scales s of C / (C + ||a_i - b_j||^2), C = 2 d s (2 d: the expected squared distance
    of two N(0, I) draws in d dimensions): (n, m)."""
    squared = jnp.sum(jnp.square(a[:, None, :] - b[None, :, :]), axis=-1)
    base = 2.0 * a.shape[-1]
    return sum(base * s / (base * s + squared) for s in IMQ_SCALES)


def mmd(codes, prior):
    """The unbiased estimate of MMD^2 between the codes (n, d) and draws of the prior (n, d) with
    the IMQ kernel: the within-set means leave out the diagonal (Tolstikhin et al. 2018, Algorithm 2)."""
    n = codes.shape[0]
    off = 1.0 - jnp.eye(n)
    within = (jnp.sum(imq_kernel(codes, codes) * off) + jnp.sum(imq_kernel(prior, prior) * off)) / (n * (n - 1))
    return within - 2.0 * jnp.mean(imq_kernel(codes, prior))
