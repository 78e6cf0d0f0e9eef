"""A trained model applied to arrays: codes of images and images of codes, in [0, 1]."""

import functools

import jax
import numpy as np

from shapestudy.data.pixels import to_unit
from shapestudy.training.losses import to_image

BATCH = 4096


# Jitted once per model architecture (a Flax module hashes by its fields) and array shape, with the
# parameters as an argument: the seeds of a point, and the repeated calls of one evaluation, reuse
# the compiled program instead of compiling a new closure each call.
@functools.partial(jax.jit, static_argnums=0)
def _encode(model, params, images):
    return model.apply({"params": params}, images, method=model.encode)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _decode(model, params, codes, reconstruction):
    return to_image(model.apply({"params": params}, codes, method=model.decode), reconstruction)


def encode(model, params, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(mean, logvar) of q(z|x) for a VAE; (z, None) for an AE. Images uint8 or in [0, 1]."""
    # A batch at a time as float32: the images may be uint8 (pixels.to_unit), held so by the job.
    # Each batch's codes are fetched before the next batch is sent: JAX dispatches asynchronously,
    # and every batch in flight holds its float32 input (all of them at once: 2 GB at canvas 64).
    parts = [jax.tree.map(np.asarray, _encode(model, params, to_unit(images[i : i + BATCH])))
             for i in range(0, len(images), BATCH)]
    mean = np.concatenate([m for m, _ in parts])
    if parts[0][1] is None:
        return mean, None
    return mean, np.concatenate([v for _, v in parts])


def decode(model, params, codes: np.ndarray, reconstruction: str) -> np.ndarray:
    """Images in [0, 1] decoded from latent codes."""
    return np.concatenate(
        [np.asarray(_decode(model, params, codes[i : i + BATCH], reconstruction)) for i in range(0, len(codes), BATCH)]
    )


def reconstruct(model, params, images: np.ndarray, reconstruction: str) -> np.ndarray:
    """Decode the encoder's mean: the deterministic reconstruction, for AE and VAE alike."""
    mean, _ = encode(model, params, images)
    return decode(model, params, mean, reconstruction)
