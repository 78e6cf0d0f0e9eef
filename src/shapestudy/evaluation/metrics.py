"""The metric registry: one entry per metric, the one place that names its table, the
evaluation settings its scores depend on, the columns the Experiments section shows and what its
job asks of a cluster.

Each metric is a module of this package, shapestudy.evaluation.<name>, with one function
`score(dataset, trained, settings) -> {"rows": [{"settings", "scores"}], **arrays for figures}`
for one trained seed (artifacts.TrainedRun); runner.py loops over the runs of one latent size and
writes their score file. The module is imported only when a job scores with it, so this registry stays
light (no JAX) for the jobs that only write tables and text.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable

from shapestudy.sizes import MB, SCORE_CHUNK, Study


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    title: str  # of its table, its report caption and its table in the Experiments section
    settings: tuple[str, ...]  # the evaluation.* keys its scores depend on (its rule's params)
    shown: tuple[str, ...]  # the score columns the Experiments section shows
    # The arrays its job holds at its peak besides the dataset, in MB, from the study's sizes
    # (sizes.Study): its part of the job's memory request (resources.py).
    memory: Callable[[Study], float]
    arrays: bool = False  # keeps arrays beside its score files (scores.write_arrays)

    @property
    def module(self) -> str:
        return f"shapestudy.evaluation.{self.name}"

    def score(self, dataset, trained, settings: dict) -> dict:
        return importlib.import_module(self.module).score(dataset, trained, settings)


METRICS = {
    metric.name: metric
    for metric in (
        Metric(
            "reconstruction", "Reconstruction of the test split, and the ceilings of the train split",
            ("pixel_threshold", "validity_iou"),
            ("mse", "iou", "factor_recovery", "validity", "train_factor_recovery", "train_validity"),
            # The reconstructions and distances of the train split (the larger), a dozen float64
            # arrays of a chunk of scored images (sizes.SCORE_CHUNK), the nearest-render search.
            memory=lambda s: 3 * s.float_mb(s.splits["train"]) + 24 * s.float_mb(min(SCORE_CHUNK, s.splits["test"]))
            + s.search_mb(),
        ),
        Metric(
            "sample_quality", "Sample quality on the known manifold",
            # The last three: what the sampler registry reads (samplers.SETTINGS, named here so that
            # the other metrics' code fingerprints do not reach samplers.py; a test holds them equal).
            ("samples", "validity_iou", "pixel_threshold", "prdc_k", "seed", "mixture_components", "kde_bandwidths",
             "flow"),
            ("validity", "mean_distance", "coverage", "coverage_true", "novelty", "tv_x", "tv_size"),
            # The decoded samples, the train and test splits' copies, PRDC's two sets and a chunk of
            # its distances (4096 rows against the test images), the nearest-render search.
            memory=lambda s: 2 * s.float_mb(s.evaluation["samples"]) + s.stored_mb(s.splits["train"] + s.splits["test"])
            + 2 * s.float_mb(s.splits["test"]) + 2 * 4 * 4096 * s.splits["test"] / MB + s.search_mb(),
            arrays=True,
        ),
        Metric(
            "rate", "Information rate and distortion", ("sigmas", "active_threshold", "seed"),
            ("rate_bits", "distortion", "kl_rate_bits", "posterior_noise_rate_bits", "active_dimensions", "entropy_bits"),
            # The test split as float32, its decoded images, their squared errors.
            memory=lambda s: s.stored_mb(s.splits["test"]) + 4 * s.float_mb(s.splits["test"]),
        ),
        Metric(
            "latents", "What the latent dimensions mean", ("mi_bins",),
            ("mig", "r2_x", "r2_y", "r2_size", "accuracy_shape"),
            # One-hot float32 matrices of every tuple: its binned latents (twice: the MI matrix is
            # computed for MIG and for the figure) and its factor values.
            memory=lambda s: 4 * s.tuples * (2 * max(s.latent_dims) * s.evaluation["mi_bins"] + 2 * s.data["canvas"] + 3) / MB,
        ),
    )
}
