"""Reconstruction quality on the test split (docs/science.md, Metrics), the validity and exact factor
recovery of reconstructions projected onto the renderable set, and the same of the train split's
reconstructions: the ceiling of every sample score of the model."""

import numpy as np

from shapestudy.data.pixels import to_unit
from shapestudy.evaluation.projection import dataset_search, iou, nearest_renders, recovery
from shapestudy.evaluation.scores import row
from shapestudy.sizes import SCORE_CHUNK
from shapestudy.training.inference import reconstruct

EPS = 1e-7


def _per_image(images, reconstructions, pixel_threshold) -> tuple[np.ndarray, ...]:
    """MSE, BCE, PSNR and IoU of each image."""
    x = to_unit(images).reshape(len(images), -1).astype(np.float64)
    x_hat = np.clip(reconstructions.reshape(len(images), -1).astype(np.float64), 0.0, 1.0)
    mse = np.mean((x - x_hat) ** 2, axis=1)
    p = np.clip(x_hat, EPS, 1 - EPS)
    bce = -np.mean(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)
    psnr = np.minimum(10 * np.log10(1.0 / np.maximum(mse, 1e-10)), 100.0)
    return mse, bce, psnr, iou(x, x_hat, pixel_threshold)


def reconstruction_scores(images: np.ndarray, reconstructions: np.ndarray, pixel_threshold=0.5) -> dict:
    """Per-pixel MSE and BCE, PSNR and IoU of images (uint8, or in [0, 1]) and reconstructions in [0, 1].

    PSNR is averaged over images from each image's own MSE (peak value 1), capped at 100 dB for a
    perfect reconstruction. IoU compares both images thresholded at `pixel_threshold` (projection.iou).
    """
    # SCORE_CHUNK images at a time: the float64 arrays of a chunk, not of the whole test split (each
    # image's scores are reductions over its own pixels, so they do not depend on the chunks).
    per_image = [_per_image(images[start : start + SCORE_CHUNK], reconstructions[start : start + SCORE_CHUNK],
                            pixel_threshold) for start in range(0, len(images), SCORE_CHUNK)]
    mse, bce, psnr, overlap = (np.concatenate(column) for column in zip(*per_image))
    return {
        "mse": float(mse.mean()),
        "bce": float(bce.mean()),
        "psnr_db": float(psnr.mean()),
        "iou": float(overlap.mean()),
    }


def score(dataset, trained, settings: dict) -> dict:
    """One row: pixel scores, validity and factor recovery of the deterministic reconstructions of
    the test split; and, the ceiling of every sample score of the model, the validity and factor
    recovery of its reconstructions of the train split (no sampler of its decoder does better than
    what it draws of images it saw; the train-test gap is memorisation)."""
    renders, render_codes = dataset.images, dataset.factor_codes()
    threshold, validity_iou = settings["pixel_threshold"], settings["validity_iou"]
    splits = {split: dataset.subset(split) for split in ("test", "train")}
    search = dataset_search(dataset)
    scores = {}
    for (split, images), prefix in zip(splits.items(), ("", "train_")):
        reconstructions = reconstruct(trained.model, trained.params, images.images, trained.config.reconstruction)
        nearest = nearest_renders(reconstructions, renders, render_codes, validity_iou, threshold, search=search)
        found = recovery(nearest.index, nearest.distance, images.factor_codes(), render_codes)
        if split == "test":
            scores.update(reconstruction_scores(images.images, reconstructions, threshold), **found)
        else:
            scores["train_factor_recovery"] = found["factor_recovery"]
        scores[f"{prefix}validity"] = float(nearest.valid.mean())
    used = {"pixel_threshold": threshold, "validity_iou": validity_iou, "n_images": len(splits["test"].images),
            "n_train_images": len(splits["train"].images)}
    return {"rows": [row(used, scores)]}
