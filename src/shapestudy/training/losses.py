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
