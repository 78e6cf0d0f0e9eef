"""The shapes dataset: every tuple (shape, size, x, y) of a factor grid rendered once.

A tuple places a shape's size x size bounding box with its top-left corner at column x, row y.
Every rendered shape touches all four sides of its box, so two tuples that differ in size or
position never share an image; FactorGrid refuses sizes at which two shapes look the same.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shapestudy.grid import FACTORS, FactorGrid, shape_mask
from shapestudy.splits import assign_splits

GENERATOR_VERSION = "1"
METADATA_KEY = b"shapestudy"


def enumerate_factors(grid: FactorGrid) -> pd.DataFrame:
    """Every tuple of M once, ordered by shape, size, y, x."""
    blocks = []
    for shape_index, shape in enumerate(grid.shapes):
        for size in grid.sizes:
            positions = np.arange(grid.canvas - size + 1)
            y, x = np.meshgrid(positions, positions, indexing="ij")
            blocks.append(
                pd.DataFrame(
                    {
                        "shape": shape_index,
                        "size": size,
                        "x": x.ravel(),
                        "y": y.ravel(),
                    }
                )
            )
    factors = pd.concat(blocks, ignore_index=True).astype("int16")
    factors["shape"] = pd.Categorical.from_codes(factors["shape"], categories=list(grid.shapes))
    return factors


def render(grid: FactorGrid, factors: pd.DataFrame) -> np.ndarray:
    """Images (n, canvas, canvas) of uint8 in {0, 255}, one per row of `factors`."""
    images = np.zeros((len(factors), grid.canvas, grid.canvas), dtype=np.uint8)
    masks = {}
    for i, (shape, size, x, y) in enumerate(
        zip(factors["shape"].astype(str), factors["size"], factors["x"], factors["y"])
    ):
        mask = masks.get((shape, size))
        if mask is None:
            mask = masks[(shape, size)] = shape_mask(shape, size)
        images[i, y : y + size, x : x + size] = mask * np.uint8(255)
    return images


def generate(grid: FactorGrid, fractions: dict[str, float], seed: int) -> pa.Table:
    """The whole dataset as an Arrow table with its generator settings in the schema metadata."""
    factors = enumerate_factors(grid)
    images = render(grid, factors).reshape(len(factors), -1)
    pixels = grid.canvas * grid.canvas
    metadata = {
        "generator_version": GENERATOR_VERSION,
        "canvas": grid.canvas,
        "shapes": list(grid.shapes),
        "size_min": grid.size_min,
        "size_max": grid.size_max,
        "split_fractions": fractions,
        "seed": seed,
        "rows": len(factors),
    }
    columns = {
        "shape": pa.DictionaryArray.from_arrays(
            pa.array(factors["shape"].cat.codes.to_numpy(), pa.int8()), pa.array(list(grid.shapes))
        ),
        "size": pa.array(factors["size"].to_numpy()),
        "x": pa.array(factors["x"].to_numpy()),
        "y": pa.array(factors["y"].to_numpy()),
        "split": pa.array(assign_splits(len(factors), fractions, seed), pa.string()).dictionary_encode(),
        "image": pa.FixedSizeListArray.from_arrays(pa.array(images.ravel()), pixels),
    }
    table = pa.table(columns)
    return table.replace_schema_metadata({METADATA_KEY: json.dumps(metadata, sort_keys=True)})


def write_parquet(table: pa.Table, path: str) -> None:
    """Write atomically: a reader never sees a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".part", delete=False) as handle:
        tmp = handle.name
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@dataclasses.dataclass
class Dataset:
    """Images as float32 in [0, 1], shaped (n, canvas, canvas), with their factors."""

    images: np.ndarray
    factors: pd.DataFrame
    metadata: dict

    @property
    def grid(self) -> FactorGrid:
        m = self.metadata
        return FactorGrid(m["canvas"], tuple(m["shapes"]), m["size_min"], m["size_max"])

    def subset(self, split: str) -> "Dataset":
        keep = (self.factors["split"] == split).to_numpy()
        return Dataset(self.images[keep], self.factors[keep].reset_index(drop=True), self.metadata)

    def factor_codes(self) -> np.ndarray:
        """Factors as an (n, 4) int array: shape index, size, x, y."""
        f = self.factors
        return np.stack([f["shape"].cat.codes, f["size"], f["x"], f["y"]], axis=1).astype(np.int64)


def read_metadata(path: str) -> dict:
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as error:
        raise ValueError(f"{path}: not a readable Parquet file ({error})") from None
    raw = (schema.metadata or {}).get(METADATA_KEY)
    missing = [c for c in (*FACTORS, "split", "image") if c not in schema.names]
    if raw is None or missing:
        raise ValueError(
            f"{path}: not a shapes dataset (expected columns {[*FACTORS, 'split', 'image']} "
            "and generator metadata)"
        )
    try:
        metadata = json.loads(raw)
        version = metadata["generator_version"]
    except (ValueError, TypeError, KeyError):
        raise ValueError(f"{path}: unreadable generator metadata (expected JSON with a generator_version)") from None
    if version != GENERATOR_VERSION:
        raise ValueError(
            f"{path}: written by generator version {version}, expected version {GENERATOR_VERSION}: "
            "delete it and rerun the workflow to regenerate it"
        )
    pixels = metadata.get("canvas", 0) ** 2
    image = schema.field("image").type
    if not (pa.types.is_fixed_size_list(image) and image.list_size == pixels and image.value_type == pa.uint8()):
        raise ValueError(f"{path}: column image is {image}, expected fixed_size_list<uint8>[{pixels}]")
    for column in ("size", "x", "y"):
        if not pa.types.is_integer(schema.field(column).type):
            raise ValueError(f"{path}: column {column} is {schema.field(column).type}, expected an integer type")
    return metadata


def load(path: str, split: str | None = None) -> Dataset:
    """Read the dataset, or one split of it."""
    metadata = read_metadata(path)
    try:
        table = pq.read_table(path, filters=None if split is None else [("split", "=", split)])
    except (OSError, pa.ArrowException) as error:
        raise ValueError(f"{path}: not a readable Parquet file ({error})") from None
    canvas = metadata["canvas"]
    pixels = table.column("image").combine_chunks().values.to_numpy(zero_copy_only=False)
    images = pixels.reshape(-1, canvas, canvas).astype(np.float32) / np.float32(255)
    factors = table.select(["shape", "size", "x", "y", "split"]).to_pandas()
    factors["shape"] = factors["shape"].astype(pd.CategoricalDtype(metadata["shapes"]))
    del table, pixels
    # Decoding the image column takes about 200 MB of Arrow memory (its uint8 values are stored as
    # int32), which Arrow's allocator would keep for the life of the job: give it back.
    pa.default_memory_pool().release_unused()
    return Dataset(images, factors, metadata)
