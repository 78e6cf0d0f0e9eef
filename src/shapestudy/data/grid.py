"""The factor grid: the finite set M of valid (shape, size, x, y) tuples, its entropy, and the
shapes it draws."""

import dataclasses

import numpy as np

SHAPES = ("square", "circle", "triangle")
FACTORS = ("shape", "size", "x", "y")


def n_factors(shapes) -> int:
    """The number of factors that vary: shape is one only when there is more than one shape."""
    return len(FACTORS) if len(shapes) > 1 else len(FACTORS) - 1


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
        for size in self.sizes:
            masks = {shape: shape_mask(shape, int(size)).tobytes() for shape in self.shapes}
            if len(set(masks.values())) < len(masks):
                same = [s for s in masks if list(masks.values()).count(masks[s]) > 1]
                raise ValueError(
                    f"at size {size} the shapes {' and '.join(same)} render the same image: "
                    "expected a larger size_min (4 or more for circles, triangles and squares)"
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


def shape_mask(shape: str, size: int) -> np.ndarray:
    """A filled shape that touches every side of its size x size box, as a bool array."""
    centre = size / 2
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    if shape == "square":
        return np.ones((size, size), dtype=bool)
    if shape == "circle":
        return (rows - centre) ** 2 + (cols - centre) ** 2 <= centre**2
    if shape == "triangle":
        # Apex at the top centre, base along the bottom row; half-width grows by half a pixel a row.
        return np.abs(cols - centre) <= (rows + 0.5) / 2
    raise ValueError(f"unknown shape {shape!r}: expected one of {list(SHAPES)}")


def from_settings(data: dict) -> FactorGrid:
    """The grid of a config's `data` section."""
    return FactorGrid(data["canvas"], tuple(data["shapes"]), data["size_min"], data["size_max"])
