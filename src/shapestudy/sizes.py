"""The sizes a config implies, computed from the config alone (nothing rendered): tuples, split
sizes, pixels and the memory of the arrays the jobs hold. Config validation checks the jobs'
preconditions against them (preconditions.py), and each rule's resources follow them
(resources.py)."""

from __future__ import annotations

import functools

from shapestudy import families
from shapestudy.data.grid import FactorGrid, from_settings
from shapestudy.data.splits import split_sizes

MB = 1e6
# Images the nearest-render search (projection.TranslatedTemplates) scores at a time, each against
# every tuple: a float32 score per tuple and image, so its memory follows the grid.
SEARCH_CHUNK = 512
# Images the reconstruction scores take at a time, in a dozen float64 arrays of their pixels.
SCORE_CHUNK = 1024
# The first decoded samples of each sampler that the sample-quality evaluation keeps beside its
# scores: the samples figure shows up to this many (figures.examples), and the Python API is
# checked against them.
STORED_SAMPLES = 64


class Study:
    """A schema-valid config (defaults filled in) and the sizes that follow from it."""

    def __init__(self, config: dict):
        self.config = config
        self.data, self.training, self.evaluation = config["data"], config["training"], config["evaluation"]

    @functools.cached_property
    def grid(self) -> FactorGrid:
        return from_settings(self.data)

    @property
    def tuples(self) -> int:
        return self.grid.count

    @functools.cached_property
    def splits(self) -> dict[str, int]:
        """Tuples per split, exactly as the dataset will hold them (splits.split_sizes)."""
        return split_sizes(self.tuples, self.data["splits"])

    @property
    def pixels(self) -> int:
        return self.data["canvas"] ** 2

    @property
    def latent_dims(self) -> list[int]:
        return sorted({dim for axes in self.config["sweep"].values() for dim in axes["latent_dim"]})

    @property
    def families(self) -> list[families.ModelFamily]:
        return [families.family(name) for name in self.config["sweep"]]

    def stored_mb(self, images: int) -> float:
        """Memory of `images` images as a dataset stores and a job holds them (uint8)."""
        return images * self.pixels / MB

    def float_mb(self, images: int) -> float:
        """Memory of `images` images as float32, as code computes on them."""
        return 4 * images * self.pixels / MB

    def search_mb(self) -> float:
        """Memory of the nearest-render search's scores (SEARCH_CHUNK images against every tuple)."""
        return 4 * SEARCH_CHUNK * self.tuples / MB
