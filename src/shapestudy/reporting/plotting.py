"""One figure style for the study: legible at the width of a two-column paper."""

import matplotlib
import numpy as np

from shapestudy import families
from shapestudy.reporting.tables import NOT_CONVERGED_MARK

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

COLUMN_WIDTH = 3.4  # inches, one column of a two-column paper
PAGE_WIDTH = 7.0  # inches, both columns
SEPARATOR = "0.55"  # the lines between and around the images of an image grid

plt.rcParams.update(
    {
        "font.size": 8,
        "axes.titlesize": 8,
        "axes.labelsize": 8,
        "legend.fontsize": 7,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 150,
        "savefig.dpi": 200,
        "savefig.bbox": "tight",
        "pdf.fonttype": 42,
    }
)


def save(figure, png: str, pdf: str) -> None:
    """Write the figure as PNG and PDF, cropped to its contents, and close it.

    The figure is laid out (by its layout engine, if any) and its crop box found once for both
    files; savefig alone would lay it out and draw it twice per file, once to find the crop box."""
    figure.set_dpi(plt.rcParams["savefig.dpi"])
    figure.draw_without_rendering()
    figure.set_layout_engine(None)  # keep the layout just computed
    bbox = figure.get_tightbbox(figure.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    figure.savefig(png, bbox_inches=bbox, metadata={"Software": None})
    figure.savefig(pdf, bbox_inches=bbox, metadata={"CreationDate": None, "Producer": None, "Creator": None})
    plt.close(figure)


def show_image(axis, image, title=None):
    axis.imshow(image, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])
    if title:
        axis.set_title(title)


def montage(images: np.ndarray, pad: int = 1) -> np.ndarray:
    """A (rows, columns, height, width) array of images as one image, the images separated and
    framed by `pad` pixels of background (0)."""
    rows, columns, height, width = images.shape
    grid = np.zeros((rows, pad + height, columns, pad + width), dtype=np.float32)
    grid[:, pad:, :, pad:] = images.transpose(0, 2, 1, 3)
    grid = grid.reshape(rows * (pad + height), columns * (pad + width))
    return np.pad(grid, ((0, pad), (0, pad)))


def show_grid(axis, images: np.ndarray, row_labels=(), title=None, rows=None):
    """A (rows, columns, height, width) array of images in [0, 1] as one image in one axes, with
    thin lines between and around the images: much faster to draw and write than an axes per image.
    The row labels stand left of the rows; `rows` (at least the number of image rows) leaves room
    for more rows, blank, below them, so that a grid with fewer rows keeps its neighbours' scale."""
    pad = 1
    count, columns, height, width = images.shape
    grid = montage(images, pad)
    axis.imshow(grid, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    # The lines run through the middle of the padding between the images.
    across = np.arange(columns + 1) * (width + pad) + (pad - 1) / 2
    down = np.arange(count + 1) * (height + pad) + (pad - 1) / 2
    axis.vlines(across, -0.5, grid.shape[0] - 0.5, color=SEPARATOR, lw=0.8)
    axis.hlines(down, -0.5, grid.shape[1] - 0.5, color=SEPARATOR, lw=0.8)
    axis.set_xlim(-0.5, grid.shape[1] - 0.5)
    axis.set_ylim((rows or count) * (height + pad) + pad - 0.5, -0.5)
    axis.set_xticks([])
    axis.set_yticks(down[:len(row_labels)] + (height + pad) / 2, row_labels)
    axis.tick_params(length=0)
    for spine in axis.spines.values():
        spine.set_visible(False)
    if title:
        axis.set_title(title)


def mark(axis, good: bool):
    """A coloured frame around an image: green if good, red if not."""
    colour = "#2a9d4b" if good else "#d62828"
    for spine in axis.spines.values():
        spine.set_visible(True)
        spine.set_color(colour)
        spine.set_linewidth(2)


model_label = families.label


def run_label(config: dict, outcome: dict) -> str:
    """A run's label, marked when its training stopped at the cap while still improving."""
    return model_label(config) + (f" {NOT_CONVERGED_MARK}" if outcome.get("converged") is False else "")


def variant_colours(table) -> dict:
    """A colour per variant (column 'variant', see with_variant) of a table: a family with one
    variant in its colour, one with several in shades of its colour map, darkening with the
    likelihood, then its hyper-parameters (VAEs in reds darkening with beta)."""
    colours = {}
    for model, rows in table.drop_duplicates("variant").groupby("model", sort=False):
        family = families.family(model)
        variants = list(rows.sort_values(["reconstruction", *family.hyperparameters])["variant"])
        if len(variants) == 1:
            colours[variants[0]] = family.colour
            continue
        shades = plt.get_cmap(family.shades)([0.45 + 0.5 * i / (len(variants) - 1) for i in range(len(variants))])
        colours.update(zip(variants, shades))
    return colours


def latent_colours(latent_dims) -> dict:
    dims = sorted(set(latent_dims))
    return dict(zip(dims, plt.cm.viridis([i / max(len(dims) - 1, 1) * 0.9 for i in range(len(dims))])))


def with_variant(table):
    """A table with a 'variant' column ('AE bce', 'VAE β=4 mse': families.variant), sorted by
    variant and latent size. A variant with a configuration whose seeds did not all converge
    (column converged_mean of a table, converged of a history) is marked as in the tables."""
    table = table.assign(variant=table.apply(families.variant, axis=1))
    flag = next((c for c in ("converged_mean", "converged") if c in table), None)
    if flag is not None:
        unconverged = set(table.loc[table[flag] < 1, "variant"])
        table["variant"] = table["variant"].map(lambda v: f"{v} {NOT_CONVERGED_MARK}" if v in unconverged else v)
    return table.sort_values(["model", "reconstruction", *families.HYPERPARAMETERS, "latent_dim"])


def entropy_line(axis, bits: float, orientation: str = "horizontal"):
    """H(X), the physical limit of every information figure."""
    draw = axis.axhline if orientation == "horizontal" else axis.axvline
    draw(bits, color="0.4", ls=":", lw=1, label=f"H(X) = {bits:.2f} bits")
