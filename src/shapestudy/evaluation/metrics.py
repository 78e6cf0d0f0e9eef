"""The metric registry: one entry per metric family, the one place that names its table, the
evaluation settings its scores depend on, the columns the Experiments section shows and what its
job asks of a cluster.

Each family is a module of this package, shapestudy.evaluation.<name>, with one function
`score(dataset, trained, settings) -> {"rows": [{"settings", "scores"}], **arrays for figures}`
for one trained seed (artifacts.TrainedRun); runner.py loops over the seeds of a point and writes
its score file. The module is imported only when a job scores with it, so this registry stays
light (no JAX) for the jobs that only write tables and text.
"""

from __future__ import annotations

import dataclasses
import importlib


@dataclasses.dataclass(frozen=True)
class MetricFamily:
    name: str
    title: str  # of its table, its report caption and its table in the Experiments section
    settings: tuple[str, ...]  # the evaluation.* keys its scores depend on (its rule's params)
    shown: tuple[str, ...]  # the score columns the Experiments section shows
    memory_mb: int  # its job's memory on the first attempt (README: Resources of each rule)

    @property
    def module(self) -> str:
        return f"shapestudy.evaluation.{self.name}"

    def score(self, dataset, trained, settings: dict) -> dict:
        return importlib.import_module(self.module).score(dataset, trained, settings)


METRICS = {
    family.name: family
    for family in (
        MetricFamily(
            "reconstruction", "Reconstruction of the test split", ("pixel_threshold",),
            ("mse", "psnr_db", "iou", "factor_recovery"), memory_mb=1500,
        ),
        MetricFamily(
            "samples", "Sample quality on the known manifold",
            ("samples", "validity_iou", "pixel_threshold", "prdc_k", "seed", "mixture_components"),
            ("validity", "mean_distance", "coverage", "coverage_true", "novelty", "tv_x", "tv_size"), memory_mb=2000,
        ),
        MetricFamily(
            "rate", "Information rate and distortion", ("sigmas", "active_threshold", "seed"),
            ("rate_bits", "distortion", "kl_rate_bits", "posterior_noise_rate_bits", "active_dimensions", "entropy_bits"),
            memory_mb=1500,
        ),
        MetricFamily(
            "latents", "What the latent dimensions mean", ("mi_bins",),
            ("mig", "r2_x", "r2_y", "r2_size", "accuracy_shape"), memory_mb=1500,
        ),
    )
}
