"""One figure style for the study: legible at the width of a two-column paper."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

COLUMN_WIDTH = 3.4  # inches, one column of a two-column paper
PAGE_WIDTH = 7.0  # inches, both columns
MODEL_COLOURS = {"ae": "#1b6ca8", "vae": "#d1495b"}

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
    figure.savefig(png, metadata={"Software": None})
    figure.savefig(pdf, metadata={"CreationDate": None, "Producer": None, "Creator": None})
    plt.close(figure)


def show_image(axis, image, title=None):
    axis.imshow(image, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])
    if title:
        axis.set_title(title)


def mark(axis, good: bool):
    """A coloured frame around an image: green if good, red if not."""
    colour = "#2a9d4b" if good else "#d62828"
    for spine in axis.spines.values():
        spine.set_visible(True)
        spine.set_color(colour)
        spine.set_linewidth(2)


def model_label(row) -> str:
    """'AE z=4' or 'VAE z=4, β=1' for a row of a table or a run's config."""
    beta = f", β={row['beta']:g}" if row["model"] == "vae" else ""
    return f"{row['model'].upper()} z={row['latent_dim']}{beta}"


def variant(row) -> str:
    """The model and beta without the latent size: 'AE' or 'VAE β=4'."""
    return "AE" if row["model"] == "ae" else f"VAE β={row['beta']:g}"


def variant_colours(variants) -> dict:
    """AE in blue, VAEs in reds darkening with beta."""
    vaes = sorted((v for v in set(variants) if v != "AE"), key=lambda v: float(v.split("=")[1]))
    reds = plt.cm.Reds([0.45 + 0.5 * i / max(len(vaes) - 1, 1) for i in range(len(vaes))])
    return {"AE": MODEL_COLOURS["ae"], **dict(zip(vaes, reds))}


def latent_colours(latent_dims) -> dict:
    dims = sorted(set(latent_dims))
    return dict(zip(dims, plt.cm.viridis([i / max(len(dims) - 1, 1) * 0.9 for i in range(len(dims))])))


def with_variant(table):
    """A table with a 'variant' column, sorted by variant and latent size."""
    table = table.assign(variant=table.apply(variant, axis=1))
    return table.sort_values(["model", "beta", "latent_dim"])


def entropy_line(axis, bits: float, orientation: str = "horizontal"):
    """H(X), the physical limit of every information figure."""
    draw = axis.axhline if orientation == "horizontal" else axis.axvline
    draw(bits, color="0.4", ls=":", lw=1, label=f"H(X) = {bits:.2f} bits")
