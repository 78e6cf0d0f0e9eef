"""PyTorch eager reference of the project's architectures, for benchmarks/throughput.py only.

The same layers as src/shapestudy/training/models.py (MLP 784-512-256-latent and mirror; conv 32 and 64
channels 4x4 stride 2, dense 256, mirror decoder with sub-pixel upsampling), the same loss
(squared error summed over pixels, KL summed over dimensions, both averaged over the batch) and
Adam, trained the way a PyTorch user would write it: eager mode, NCHW, one optimiser step per
batch drawn by a random permutation. Needs the optional dependency `torch==2.13.0`
(pip install -e ".[bench]").
"""

from __future__ import annotations

import math

import torch
from torch import nn


class MLPEncoder(nn.Module):
    def __init__(self, pixels: int, latents: int, variational: bool, hidden=(512, 256)):
        super().__init__()
        layers, width = [], pixels
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.body = nn.Sequential(nn.Flatten(), *layers)
        self.mean = nn.Linear(width, latents)
        self.logvar = nn.Linear(width, latents) if variational else None

    def forward(self, x):
        h = self.body(x)
        return self.mean(h), None if self.logvar is None else self.logvar(h)


class MLPDecoder(nn.Module):
    def __init__(self, latents: int, image_shape, hidden=(256, 512)):
        super().__init__()
        layers, width = [], latents
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.body = nn.Sequential(*layers, nn.Linear(width, math.prod(image_shape)))
        self.image_shape = tuple(image_shape)

    def forward(self, z):
        return self.body(z).view(z.shape[0], *self.image_shape)


def _same_padding(size: int, kernel: int = 4, stride: int = 2) -> tuple[int, int]:
    """TensorFlow/Flax 'SAME' padding (low, high) of one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class ConvEncoder(nn.Module):
    def __init__(self, image_shape, latents: int, variational: bool, channels=(32, 64), hidden=256):
        super().__init__()
        height, width = image_shape
        layers, c = [], 1
        for out in channels:
            (top, bottom), (left, right) = _same_padding(height), _same_padding(width)
            layers += [nn.ZeroPad2d((left, right, top, bottom)), nn.Conv2d(c, out, 4, stride=2), nn.ReLU()]
            c, height, width = out, -(-height // 2), -(-width // 2)
        self.body = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * height * width, hidden), nn.ReLU())
        self.mean = nn.Linear(hidden, latents)
        self.logvar = nn.Linear(hidden, latents) if variational else None

    def forward(self, x):
        h = self.body(x.unsqueeze(1))
        return self.mean(h), None if self.logvar is None else self.logvar(h)


class ConvDecoder(nn.Module):
    def __init__(self, latents: int, image_shape, channels=(64, 32), hidden=256):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.low = (-(-image_shape[0] // 4), -(-image_shape[1] // 4))
        self.dense = nn.Sequential(
            nn.Linear(latents, hidden), nn.ReLU(), nn.Linear(hidden, channels[0] * math.prod(self.low)), nn.ReLU()
        )
        self.channels = channels[0]
        # A 2x2 'SAME' convolution pads one row and column after (Flax), then depth-to-space.
        self.up = nn.Sequential(
            nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(channels[0], 4 * channels[1], 2), nn.PixelShuffle(2), nn.ReLU(),
            nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(channels[1], 4, 2), nn.PixelShuffle(2),
        )

    def forward(self, z):
        x = self.dense(z).view(z.shape[0], self.channels, *self.low)
        height, width = self.image_shape
        return self.up(x)[:, 0, :height, :width]


class AutoEncoder(nn.Module):
    def __init__(self, arch: str, latents: int, image_shape, variational: bool):
        super().__init__()
        if arch == "mlp":
            self.encoder = MLPEncoder(math.prod(image_shape), latents, variational)
            self.decoder = MLPDecoder(latents, image_shape)
        elif arch == "conv":
            self.encoder = ConvEncoder(image_shape, latents, variational)
            self.decoder = ConvDecoder(latents, image_shape)
        else:
            raise ValueError(f"unknown arch {arch!r}")
        self.variational = variational

    def forward(self, x):
        mean, logvar = self.encoder(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean) if self.variational else mean
        return self.decoder(z), mean, logvar


def loss_fn(output, images, mean, logvar, beta: float):
    reconstruction = torch.sum((images - output) ** 2, dim=(1, 2)).mean()
    if logvar is None:
        return reconstruction
    kl = 0.5 * torch.sum(mean**2 + torch.exp(logvar) - logvar - 1.0, dim=-1).mean()
    return reconstruction + beta * kl


class Trainer:
    """One model and its Adam optimiser; `epoch(images)` runs one pass of full batches."""

    def __init__(self, arch: str, model: str, latent_dim: int, image_shape, batch_size: int,
                 beta: float = 1.0, learning_rate: float = 1e-3, seed: int = 0):
        torch.manual_seed(seed)
        self.model = AutoEncoder(arch, latent_dim, image_shape, variational=model == "vae")
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate)
        self.batch_size, self.beta = batch_size, beta

    def epoch(self, images: torch.Tensor) -> float:
        steps = images.shape[0] // self.batch_size
        order = torch.randperm(images.shape[0])[: steps * self.batch_size].view(steps, self.batch_size)
        total = torch.zeros(())
        for index in order:
            batch = images[index]
            output, mean, logvar = self.model(batch)
            loss = loss_fn(output, batch, mean, logvar, self.beta)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            total += loss.detach()
        return float(total) / steps
