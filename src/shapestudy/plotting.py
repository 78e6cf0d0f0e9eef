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


def run_label(config: dict) -> str:
    beta = f", β={config['beta']:g}" if config["model"] == "vae" else ""
    return f"{config['model'].upper()} z={config['latent_dim']}{beta}"
