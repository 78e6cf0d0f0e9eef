"""Made-up scores of every run of a config's sweep, shaped as tables.read_scores returns them (one
row per run and setting, the score columns listed): the shape of a real study, numbers of the
test's choosing. For tests of the reporting, which the real numbers would make slow."""

import numpy as np
import pandas as pd

from shapestudy import config as study_config
from shapestudy.evaluation import samplers

SCORES = {
    "reconstruction": ("mse", "bce", "psnr_db", "iou", "factor_recovery", "validity", "train_factor_recovery",
                       "train_validity"),
    "sample_quality": ("validity", "mean_distance", "coverage", "coverage_true", "novelty", "tv_x", "tv_size",
                       "pixel_precision_ceiling", "pixel_recall_ceiling"),
    "rate": ("rate_bits", "distortion", "kl_rate_bits", "posterior_noise_rate_bits", "active_dimensions",
             "entropy_bits"),
    "latents": ("mig", "r2_x", "r2_y", "r2_size", "accuracy_shape"),
}


def settings(config: dict) -> dict[str, list[dict]]:
    """The settings each metric scores a run under, as the evaluation names them."""
    return {"reconstruction": [{"n_images": 1166}], "latents": [{"bins": 20}],
            "sample_quality": [{"sampler": s, "pixel_k": 5}
                               for s in samplers.registry(config["evaluation"])],
            "rate": [{"sigma": s, "n_images": 1166} for s in config["evaluation"]["sigmas"]]}


def scores(config: dict, value=None, seed: int = 0) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """Per metric, (frame, score columns). `value(metric, score, fields, setting)` gives each number
    (uniform on [0.05, 0.95] by default); every run converged."""
    rng = np.random.default_rng(seed)
    value = value or (lambda metric, score, fields, setting: float(rng.uniform(0.05, 0.95)))
    found = {}
    for metric, columns in SCORES.items():
        records = []
        for run, fields in study_config.runs(config).items():
            fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
            for setting in settings(config)[metric]:
                numbers = {name: value(metric, name, fields, setting) for name in columns}
                records.append({"run": run, **fields, **setting, **numbers, "converged": 1.0})
        found[metric] = (pd.DataFrame(records), [*columns, "converged"])
    return found
