"""The shapes dataset: every tuple (shape, size, x, y) of a factor grid rendered once.

A tuple places a shape's size x size bounding box with its top-left corner at column x, row y.
Every rendered shape touches all four sides of its box, so two tuples that differ in size or
position never share an image; FactorGrid refuses sizes at which two shapes look the same.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import tempfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shapestudy.data.grid import FACTORS, FactorGrid, shape_mask
from shapestudy.data.splits import SPLITS, assign_splits

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


# Rows rendered, written and read at a time: a job holds a few groups of rows besides the images
# it keeps, not copies of the whole dataset (a 64x64 canvas has 187,110 renders, 0.77 GB). Parquet
# stores uint8 as INT32, so the writer buffers four times a group's pixels: 2048 rows of 64x64
# take 34 MB there (8192 rows took about 300 MB more at the peak).
ROW_GROUP = 2048


def batches(grid: FactorGrid, fractions: dict[str, float], seed: int, rows: int = ROW_GROUP):
    """The dataset as Arrow record batches of `rows` tuples, in enumeration order, with the
    generator settings in the schema metadata."""
    factors = enumerate_factors(grid)
    labels = assign_splits(len(factors), fractions, seed)
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
    pixels = grid.canvas * grid.canvas
    split_codes = pd.Categorical(labels, categories=SPLITS).codes
    for start in range(0, len(factors), rows):
        part = factors.iloc[start : start + rows]
        columns = {
            "shape": pa.DictionaryArray.from_arrays(
                pa.array(part["shape"].cat.codes.to_numpy(), pa.int8()), pa.array(list(grid.shapes))
            ),
            "size": pa.array(part["size"].to_numpy()),
            "x": pa.array(part["x"].to_numpy()),
            "y": pa.array(part["y"].to_numpy()),
            "split": pa.DictionaryArray.from_arrays(
                pa.array(split_codes[start : start + rows], pa.int8()), pa.array(list(SPLITS))
            ),
            "image": pa.FixedSizeListArray.from_arrays(pa.array(render(grid, part).ravel()), pixels),
        }
        batch = pa.RecordBatch.from_pydict(columns)
        yield batch.replace_schema_metadata({METADATA_KEY: json.dumps(metadata, sort_keys=True)})


def generate(grid: FactorGrid, fractions: dict[str, float], seed: int) -> pa.Table:
    """The whole dataset as one Arrow table (for small grids; the workflow writes batches())."""
    return pa.Table.from_batches(list(batches(grid, fractions, seed)))


def write_parquet(rows, path: str) -> None:
    """Write an Arrow table, or an iterable of record batches, a row group at a time, atomically:
    a reader never sees a half-written file."""
    if isinstance(rows, pa.Table):
        rows = rows.to_batches(max_chunksize=ROW_GROUP)
    rows = iter(rows)
    first = next(rows)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".part", delete=False) as handle:
        tmp = handle.name
    try:
        # Dictionary encoding for the factor columns only: tried on the image values, Parquet builds a
        # dictionary of every pixel of a row group, several times the images' own size.
        dictionary = [name for name in ("shape", "split") if name in first.schema.names]
        with pq.ParquetWriter(tmp, first.schema, compression="zstd", use_dictionary=dictionary) as writer:
            for batch in itertools.chain([first], rows):
                writer.write_batch(batch, row_group_size=ROW_GROUP)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# Compared and hashed by identity (eq=False), never changed after it is made: what an evaluation
# builds from the dataset is kept per dataset object (functools.lru_cache), for the seeds of a job.
@dataclasses.dataclass(eq=False)
class Dataset:
    """Images shaped (n, canvas, canvas), with their factors. From load() they are uint8 (0 or
    255); code that computes on them reads them through pixels.to_unit (float32 in [0, 1])."""

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
    """Read the dataset, or one split of it, with its images as stored (uint8, 0 or 255): a
    quarter of float32's memory; pixels.to_unit reads them as float32 in [0, 1]."""
    metadata = read_metadata(path)
    canvas = metadata["canvas"]
    try:
        file = pq.ParquetFile(path)
        factors = file.read(columns=["shape", "size", "x", "y", "split"]).to_pandas()
        keep = np.ones(len(factors), bool) if split is None else (factors["split"] == split).to_numpy()
        images = np.empty((int(keep.sum()), canvas * canvas), np.uint8)
        # The image column a row group at a time, straight into the array kept: never the whole
        # column in Arrow memory as well.
        start, filled = 0, 0
        for batch in file.iter_batches(batch_size=ROW_GROUP, columns=["image"]):
            rows = batch.column(0).flatten().to_numpy().reshape(-1, canvas * canvas)
            chosen = rows[keep[start : start + len(rows)]]
            images[filled : filled + len(chosen)] = chosen
            start, filled = start + len(rows), filled + len(chosen)
    except (OSError, pa.ArrowException) as error:
        raise ValueError(f"{path}: not a readable Parquet file ({error})") from None
    factors = factors[keep].reset_index(drop=True)
    factors["shape"] = factors["shape"].astype(pd.CategoricalDtype(metadata["shapes"]))
    # Arrow's allocator would keep the decoding buffers for the life of the job: give them back.
    pa.default_memory_pool().release_unused()
    return Dataset(images.reshape(-1, canvas, canvas), factors, metadata)
