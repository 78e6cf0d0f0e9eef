"""Trained runs from Python: load a run of a finished study by its name, encode, decode, sample
it with any sampler of the registry and save an image grid.

    from shapestudy import runs
    run = runs.load("vae-mlp-bce-z4-b1-s0")            # results/models/vae-mlp-bce-z4-b1-s0/
    images = run.sample(64, sampler="gmm10", seed=0)   # (64, 28, 28) in [0, 1]
    run.save_grid(images, "samples.png", columns=8)

A run is read from `{results}/models/{name}/` (params.msgpack and record.json); the samplers
fitted to the training codes read the training split from `{results}/data/shapes.parquet`.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from shapestudy.data import dataset
from shapestudy.evaluation import samplers
from shapestudy.training import artifacts, inference
from shapestudy.training.train import TrainConfig


def names(results: str | Path = "results") -> list[str]:
    """The names of the trained runs of a study, sorted."""
    return sorted(path.parent.name for path in Path(results, "models").glob("*/record.json"))


def load(name: str, results: str | Path = "results") -> Run:
    folder = Path(results, "models", name)
    if not (folder / "record.json").is_file():
        known = names(results)
        raise ValueError(f"{folder}: no trained run {name!r} (expected one of {known[:8]}{' ...' if len(known) > 8 else ''})")
    model, params, config = artifacts.load_model(folder / "params.msgpack", folder / "record.json")
    return Run(name, model, params, config, Path(results))


@dataclasses.dataclass(frozen=True)
class Run:
    name: str
    model: object  # the Flax module (models.AutoEncoder)
    params: dict
    config: TrainConfig
    results: Path

    def encode(self, images: np.ndarray) -> np.ndarray:
        """Latent codes (n, latent_dim) of images (n, canvas, canvas), uint8 as the dataset stores
        them (0 or 255) or float in [0, 1] (one conversion, pixels.to_unit): the encoder's mean for a VAE."""
        return inference.encode(self.model, self.params, np.asarray(images))[0]

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Images (n, canvas, canvas) in [0, 1] decoded from codes (n, latent_dim)."""
        return inference.decode(self.model, self.params, np.asarray(codes, dtype=np.float32), self.config.reconstruction)

    @functools.cached_property
    def training_codes(self) -> np.ndarray:
        return self.encode(dataset.load(str(self.results / "data" / "shapes.parquet"), split="train").images)

    def sample(self, n: int, sampler: str = "prior", seed: int = 0) -> np.ndarray:
        """n decoded samples of a sampler of the registry by name: 'prior', 'fitted_gaussian',
        'gmm{k}' for any k or 'kde{h}' for any bandwidth h; the same draws as the evaluation's with
        evaluation.seed = seed."""
        chosen = samplers.by_name(sampler)
        codes = self.training_codes if chosen.fitted else None
        return self.decode(chosen.draw(seed + chosen.seed_offset, n, self.config.latent_dim, codes))

    def save_grid(self, images: np.ndarray, path: str | Path, columns: int = 8) -> None:
        """Save images (n, height, width) in [0, 1] as one PNG grid, `columns` wide, dark on light."""
        import matplotlib.pyplot as plt

        from shapestudy.reporting.plotting import montage

        images = np.asarray(images)
        rows = -(-len(images) // columns)
        padded = np.zeros((rows * columns, *images.shape[1:]), dtype=np.float32)
        padded[: len(images)] = images
        grid = montage(padded.reshape(rows, columns, *images.shape[1:]))
        plt.imsave(path, grid, cmap="gray_r", vmin=0, vmax=1)
