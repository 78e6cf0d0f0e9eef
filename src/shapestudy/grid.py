"""The factor grid: the finite set M of valid (shape, size, x, y) tuples and its entropy."""

import dataclasses

import numpy as np

SHAPES = ("square", "circle", "triangle")
FACTORS = ("shape", "size", "x", "y")


@dataclasses.dataclass(frozen=True)
class FactorGrid:
    """The finite set M of valid factor tuples."""

    canvas: int = 28
    shapes: tuple[str, ...] = SHAPES
    size_min: int = 5
    size_max: int = 14

    def __post_init__(self):
        unknown = [s for s in self.shapes if s not in SHAPES]
        if unknown:
            raise ValueError(f"unknown shape {unknown[0]!r}: expected one of {list(SHAPES)}")
        if not 1 <= self.size_min <= self.size_max <= self.canvas:
            raise ValueError(
                f"sizes {self.size_min}..{self.size_max} do not fit a canvas of {self.canvas}: "
                "expected 1 <= size_min <= size_max <= canvas"
            )

    @property
    def sizes(self) -> np.ndarray:
        return np.arange(self.size_min, self.size_max + 1)

    @property
    def count(self) -> int:
        """|M| in closed form: sum over sizes of the (canvas - size + 1)^2 positions, per shape."""
        return len(self.shapes) * int(((self.canvas - self.sizes + 1) ** 2).sum())

    @property
    def entropy_bits(self) -> float:
        """H(X) of the uniform distribution over M."""
        return float(np.log2(self.count))
