"""Reconstruction quality on the test split (STUDY section 3)."""

import numpy as np

from shapestudy.evaluation.projection import iou

EPS = 1e-7


def reconstruction_scores(images: np.ndarray, reconstructions: np.ndarray, pixel_threshold=0.5) -> dict:
    """Per-pixel MSE and BCE, PSNR and IoU of images and reconstructions in [0, 1].

    PSNR is averaged over images from each image's own MSE (peak value 1), capped at 100 dB for a
    perfect reconstruction. IoU compares both images thresholded at `pixel_threshold` (projection.iou).
    """
    x = images.reshape(len(images), -1).astype(np.float64)
    x_hat = np.clip(reconstructions.reshape(len(images), -1).astype(np.float64), 0.0, 1.0)
    mse = np.mean((x - x_hat) ** 2, axis=1)
    p = np.clip(x_hat, EPS, 1 - EPS)
    bce = -np.mean(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)
    psnr = np.minimum(10 * np.log10(1.0 / np.maximum(mse, 1e-10)), 100.0)
    overlap = iou(x, x_hat, pixel_threshold)
    return {
        "mse": float(mse.mean()),
        "bce": float(bce.mean()),
        "psnr_db": float(psnr.mean()),
        "iou": float(overlap.mean()),
        "pixel_threshold": pixel_threshold,
        "n_images": len(images),
    }
