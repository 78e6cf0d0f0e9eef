"""Sample quality on the known manifold (docs/science.md, Metrics) and the PRDC cross-check in pixel space,
for the samples of every sampler of the registry (samplers.py)."""

from __future__ import annotations

import functools

import numpy as np

from shapestudy.data.grid import FACTORS
from shapestudy.evaluation import samplers
from shapestudy.evaluation.projection import (Nearest, dataset_search, flatten, nearest_renders, squared_distances,
                                              without_tiny)
from shapestudy.evaluation.scores import row
from shapestudy.sizes import SEARCH_CHUNK, STORED_SAMPLES
from shapestudy.training.inference import decode, encode


def manifold_scores(
    samples,
    renders,
    render_codes,
    test_mask,
    n_factor_values=None,
    iou_threshold: float = 0.9,
    pixel_threshold: float = 0.5,
    chunk: int = SEARCH_CHUNK,
) -> dict:
    """Score N samples against the full renderable set M (`renders`, one row per tuple).

    - validity: share of samples whose nearest render has IoU >= iou_threshold with the sample,
      both thresholded at pixel_threshold;
    - mean_distance: mean Euclidean pixel distance to the nearest render (all samples);
    - coverage: share of M that is the nearest render of at least one valid sample, beside
      coverage_true = 1 - (1 - 1/|M|)^N, what N draws from the data distribution would reach;
    - tv_<factor>: total-variation distance between the histogram of the recovered factor over the
      valid samples and the factor's marginal over M (the histogram of render_codes; uniform over
      M is not uniform over size, x or y);
    - novelty: share of valid samples whose tuple is in the test split (test_mask: bool per render).

    With no valid sample, validity and coverage are 0 and every tv_<factor> and novelty is nan.
    render_codes is (|M|, 4) in the order of data.FACTORS. n_factor_values, if given, is the number
    of distinct values of each factor in M: a check that `renders` is the whole grid.
    """
    render_codes = np.asarray(render_codes)
    if n_factor_values is not None:
        found = [len(np.unique(column)) for column in render_codes.T]
        if list(found) != list(n_factor_values):
            raise ValueError(
                f"render_codes hold {found} distinct values per factor, expected "
                f"{list(n_factor_values)}: pass the full renderable set"
            )
    nearest = nearest_renders(samples, renders, render_codes, iou_threshold, pixel_threshold, chunk)
    return summarise(nearest, render_codes, test_mask)


def summarise(nearest: Nearest, render_codes, test_mask) -> dict:
    """The manifold scores (manifold_scores) of samples from their nearest renders."""
    render_codes, test_mask = np.asarray(render_codes), np.asarray(test_mask, dtype=bool)
    n_renders = len(render_codes)
    recovered = nearest.index[nearest.valid]
    scores = {
        "validity": float(nearest.valid.mean()),
        "mean_distance": float(nearest.distance.mean()),
        "coverage": len(np.unique(recovered)) / n_renders,
        "coverage_true": float(-np.expm1(len(nearest.index) * np.log1p(-1 / n_renders))),
        "n_valid": int(nearest.valid.sum()),
    }
    for column, name in enumerate(FACTORS):
        values, inverse = np.unique(render_codes[:, column], return_inverse=True)
        true = np.bincount(inverse, minlength=len(values)) / n_renders
        if len(recovered):
            found = np.bincount(inverse[recovered], minlength=len(values)) / len(recovered)
            scores[f"tv_{name}"] = float(0.5 * np.abs(found - true).sum())
        else:
            scores[f"tv_{name}"] = float("nan")
    scores["novelty"] = float(test_mask[recovered].mean()) if len(recovered) else float("nan")
    return scores


def neighbour_radii(x, k: int, chunk: int = 4096) -> np.ndarray:
    """Squared distance from each row of x (images, flattened) to its k-th nearest other row: the
    radii of PRDC's balls."""
    x = flatten(x)
    radii = np.empty(len(x), dtype=np.float32)
    for start in range(0, len(x), chunk):
        distances = squared_distances(x[start : start + chunk], x)
        # Position 0 of a sorted row is the row itself (distance 0); position k, the k-th neighbour.
        radii[start : start + chunk] = np.partition(distances, k, axis=1)[:, k]
    return radii


def prdc(real, fake, k: int = 5, chunk: int = 4096, real_radii: np.ndarray | None = None) -> dict:
    """Precision, recall, density and coverage (Naeem et al. 2020) in pixel space.

    Each point's neighbourhood is the closed ball reaching its k-th nearest neighbour in its own
    set (closed, as in Kynkaenniemi et al. 2019: with binary pixels many distances tie, and a ball
    must hold its k neighbours). precision: share of fakes inside some real ball; recall: share of
    reals inside some fake ball; density: mean number of real balls holding a fake, over k;
    coverage: share of reals whose ball holds some fake. `real_radii`: neighbour_radii(real, k),
    where already computed for another set of fakes.
    """
    real, fake = flatten(real), flatten(fake)
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"prdc with k={k} needs more than {k} real and fake images")
    real_radii = neighbour_radii(real, k, chunk) if real_radii is None else real_radii
    fake_radii = neighbour_radii(fake, k, chunk)
    real_balls_hit = np.zeros(len(fake), dtype=np.int64)
    real_recalled = np.zeros(len(real), dtype=bool)
    real_nearest_fake = np.full(len(real), np.inf, dtype=np.float32)
    for start in range(0, len(fake), chunk):
        distances = squared_distances(fake[start : start + chunk], real)
        real_balls_hit[start : start + chunk] = (distances <= real_radii).sum(axis=1)
        real_recalled |= (distances <= fake_radii[start : start + chunk, None]).any(axis=0)
        np.minimum(real_nearest_fake, distances.min(axis=0), out=real_nearest_fake)
    return {
        "precision": float((real_balls_hit > 0).mean()),
        "recall": float(real_recalled.mean()),
        "density": float(real_balls_hit.mean() / k),
        "coverage": float((real_nearest_fake <= real_radii).mean()),
    }


@functools.lru_cache(maxsize=1)
def pixel_references(dataset, k: int, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """What the PRDC cross-check compares every run's samples with, built once for the dataset
    object (data.Dataset; an evaluation job's seeds share it): the test images (flattened), their
    radii at k, and PRDC's ceiling at k, real images (a seeded draw of as many training images as
    the samples compared) against the test images, where a perfect generator would score."""
    test_images, train_images = flatten(dataset.subset("test").images), dataset.subset("train").images
    test_radii = neighbour_radii(test_images, k)
    n_real = min(samples, len(test_images), len(train_images))
    real = np.random.default_rng(seed).choice(len(train_images), size=n_real, replace=False)
    ceiling = prdc(test_images, train_images[np.sort(real)], k, real_radii=test_radii)
    return test_images, test_radii, {f"pixel_{name}_ceiling": value for name, value in ceiling.items()}


def score(dataset, trained, settings: dict) -> dict:
    """Rows of manifold scores and the PRDC cross-check, one per sampler, with the cross-check's own
    ceiling beside them; and, as arrays, the first STORED_SAMPLES decoded samples of each sampler
    and whether each is valid."""
    model, params, config = trained.model, trained.params, trained.config
    test_mask = dataset.factors["split"].to_numpy() == "test"
    render_codes = dataset.factor_codes()
    k = settings["prdc_k"]
    test_images, test_radii, ceiling = pixel_references(dataset, k, settings["samples"], settings["seed"])
    search = dataset_search(dataset)
    latents = samplers.draw_latents(
        settings["samples"], config.latent_dim, settings["seed"],
        lambda: encode(model, params, dataset.subset("train").images)[0], settings,
    )
    rows, arrays = [], {}
    for sampler, z in latents.items():
        samples = without_tiny(decode(model, params, z, config.reconstruction))
        nearest = nearest_renders(samples, dataset.images, render_codes, settings["validity_iou"],
                                  settings["pixel_threshold"], search=search)
        scores = summarise(nearest, render_codes, test_mask)
        # The first samples as scored, for the samples figure and for checking the Python API.
        arrays[f"{sampler}/samples"] = samples[:STORED_SAMPLES]
        arrays[f"{sampler}/valid"] = nearest.valid[:STORED_SAMPLES]
        # The pixel-space cross-check against the test images, with as many samples as test images
        # (the first ones): PRDC compares sets of equal size (Naeem et al. 2020), and recall and
        # coverage grow with the number of samples. Its coverage is not the manifold coverage.
        fake = samples[:len(test_images)]
        cross_check = prdc(test_images, fake, k, real_radii=test_radii)
        scores.update({f"pixel_{name}": value for name, value in cross_check.items()}, **ceiling)
        used = {
            "n_samples": len(samples), "n_renders": len(dataset.images),
            "iou_threshold": settings["validity_iou"], "pixel_threshold": settings["pixel_threshold"],
            "pixel_k": settings["prdc_k"], "pixel_n_real": len(test_images), "pixel_n_fake": len(fake),
            "sampler": sampler, "seed": settings["seed"],
        }
        rows.append(row(used, scores))
    return {"rows": rows, "arrays": arrays}
