"""Flax modules: encoders that return (mean, logvar), decoders that return pixel outputs.

The decoder's output is linear: squared error reads it as the image itself, cross-entropy reads
it as logits (see losses.py). A sigmoid output trained with squared error can collapse to the
mean image (docs/science.md, Choices the study makes).
"""

import functools
import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from flax import linen as nn

from shapestudy import families
from shapestudy.training import products


def _dense(matmul: str):
    """nn.Dense with its product in the number format `matmul` (training.matmul). The layers that
    write the code (mean, logvar) or read it (the decoder's first) are plain float32 Dense layers:
    a code near 2 is resolved to 2^-7 in bfloat16, coarser than the smallest latent noise the rate
    and distortion curves add (evaluation.sigmas), and these layers are under 2% of the products."""
    return functools.partial(nn.Dense, dot_general=products.dot_general(matmul))


class MLPEncoder(nn.Module):
    """Returns (mean, logvar); an AE's encoder has no logvar head and returns (z, None)."""

    latents: int
    variational: bool
    hidden: Sequence[int]
    matmul: str = "float32"  # the hidden layers' products (products.MATMULS); the code's own: float32

    @nn.compact
    def __call__(self, x):
        linear = _dense(self.matmul)
        x = x.reshape((x.shape[0], -1))
        for width in self.hidden:
            x = nn.relu(linear(width)(x))
        mean = nn.Dense(self.latents, name="mean")(x)
        if not self.variational:
            return mean, None
        return mean, nn.Dense(self.latents, name="logvar")(x)


class MLPDecoder(nn.Module):
    """Mirror of MLPEncoder: its hidden widths in reverse order."""

    image_shape: Sequence[int]
    hidden: Sequence[int]
    matmul: str = "float32"

    @nn.compact
    def __call__(self, z):
        linear = _dense(self.matmul)
        first, *others = reversed(self.hidden)
        x = nn.relu(nn.Dense(first)(z))
        for width in others:
            x = nn.relu(linear(width)(x))
        pixels = linear(math.prod(self.image_shape))(x)
        return pixels.reshape((z.shape[0], *self.image_shape))


class ConvEncoder(nn.Module):
    """Two 4x4 stride-2 convolutions (32, 64 channels) and a dense layer; returns (mean, logvar)
    like MLPEncoder. 'SAME' padding: an HxW canvas becomes ceil(H/4) x ceil(W/4)."""

    latents: int
    variational: bool
    hidden: Sequence[int] = ()  # the MLP's widths; the conv encoder's dense layer is fixed
    matmul: str = "float32"  # as MLPEncoder's, for the dense layers (the convolutions: float32)
    channels: Sequence[int] = (32, 64)
    dense: int = 256

    @nn.compact
    def __call__(self, x):
        linear = _dense(self.matmul)
        x = x[..., None]
        for width in self.channels:
            x = nn.relu(nn.Conv(width, (4, 4), strides=(2, 2), padding="SAME")(x))
        x = nn.relu(linear(self.dense)(x.reshape((x.shape[0], -1))))
        mean = nn.Dense(self.latents, name="mean")(x)
        if not self.variational:
            return mean, None
        return mean, nn.Dense(self.latents, name="logvar")(x)


def depth_to_space(x, factor: int = 2):
    """(n, h, w, c * factor^2) -> (n, h * factor, w * factor, c), as torch.nn.PixelShuffle."""
    n, h, w, c = x.shape
    c //= factor * factor
    x = x.reshape((n, h, w, c, factor, factor)).transpose((0, 1, 4, 2, 5, 3))
    return x.reshape((n, h * factor, w * factor, c))


class ConvDecoder(nn.Module):
    """Mirror of ConvEncoder: dense layers to a ceil(H/4) x ceil(W/4) x 64 grid, then two 2x
    sub-pixel upsamplings (a 2x2 convolution to 4x the channels, then depth-to-space), cropped to
    the canvas. Each upsampling has the MACs of a 4x4 stride-2 transposed convolution, whose
    gradient is about 9x slower on XLA CPU (benchmarks/RESULTS.md)."""

    image_shape: Sequence[int]
    hidden: Sequence[int] = ()  # as ConvEncoder
    matmul: str = "float32"
    channels: Sequence[int] = (64, 32)
    dense: int = 256

    @nn.compact
    def __call__(self, z):
        linear = _dense(self.matmul)
        height, width = self.image_shape
        low = (-(-height // 4), -(-width // 4))
        z = nn.relu(nn.Dense(self.dense)(z))
        z = nn.relu(linear(low[0] * low[1] * self.channels[0])(z))
        x = z.reshape((z.shape[0], *low, self.channels[0]))
        x = nn.relu(depth_to_space(nn.Conv(4 * self.channels[1], (2, 2), padding="SAME")(x)))
        x = depth_to_space(nn.Conv(4, (2, 2), padding="SAME")(x))
        return x[:, :height, :width, 0]


ARCHITECTURES = {"mlp": (MLPEncoder, MLPDecoder), "conv": (ConvEncoder, ConvDecoder)}


def reparameterize(rng, mean, logvar):
    """z = mean + sigma * eps with eps ~ N(0, I) (report eq. 10)."""
    eps = jax.random.normal(rng, logvar.shape)
    return mean + jnp.exp(0.5 * logvar) * eps


class AutoEncoder(nn.Module):
    """An AE (deterministic code z = mean) or a VAE (z sampled from q(z|x))."""

    latents: int
    image_shape: Sequence[int]
    variational: bool
    arch: str = "mlp"
    hidden: Sequence[int] = ()  # MLPEncoder.hidden
    matmul: str = "float32"  # the dense layers' products (training.matmul)

    def setup(self):
        encoder, decoder = ARCHITECTURES[self.arch]
        self.encoder = encoder(self.latents, self.variational, tuple(self.hidden), matmul=self.matmul)
        self.decoder = decoder(self.image_shape, tuple(self.hidden), matmul=self.matmul)

    def __call__(self, x, z_rng):
        mean, logvar = self.encode(x)
        z = reparameterize(z_rng, mean, logvar) if self.variational else mean
        return self.decoder(z), mean, logvar

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)


def make_model(model: str, arch: str, latent_dim: int, image_shape, hidden: Sequence[int] = (),
               matmul: str = "float32") -> AutoEncoder:
    """The network of a model family of the registry (shapestudy.families); `hidden`: the MLP
    encoder's hidden widths (training.hidden), mirrored by its decoder; `matmul`: the number
    format of its dense layers' products (training.matmul, products.MATMULS)."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown arch {arch!r}: expected one of {sorted(ARCHITECTURES)}")
    if arch == "mlp" and not hidden:
        raise ValueError("the mlp architecture needs its hidden widths (training.hidden), e.g. (256, 128)")
    products.dot_general(matmul)  # an unknown format fails here, not when the model first runs
    variational = families.family(model).variational
    return AutoEncoder(latent_dim, tuple(image_shape), variational=variational, arch=arch, hidden=tuple(hidden),
                       matmul=matmul)
