"""A trained model applied to arrays: codes of images and images of codes, in [0, 1]."""

import jax
import numpy as np

from shapestudy.losses import to_image

BATCH = 4096


def encode(model, params, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(mean, logvar) of q(z|x) for a VAE; (z, None) for an AE."""
    apply = jax.jit(lambda x: model.apply({"params": params}, x, method=model.encode))
    parts = [apply(images[i : i + BATCH]) for i in range(0, len(images), BATCH)]
    mean = np.concatenate([np.asarray(m) for m, _ in parts])
    if parts[0][1] is None:
        return mean, None
    return mean, np.concatenate([np.asarray(v) for _, v in parts])


def decode(model, params, codes: np.ndarray, reconstruction: str) -> np.ndarray:
    """Images in [0, 1] decoded from latent codes."""
    apply = jax.jit(lambda z: to_image(model.apply({"params": params}, z, method=model.decode), reconstruction))
    return np.concatenate([np.asarray(apply(codes[i : i + BATCH])) for i in range(0, len(codes), BATCH)])


def reconstruct(model, params, images: np.ndarray, reconstruction: str) -> np.ndarray:
    """Decode the encoder's mean: the deterministic reconstruction, for AE and VAE alike."""
    mean, _ = encode(model, params, images)
    return decode(model, params, mean, reconstruction)
