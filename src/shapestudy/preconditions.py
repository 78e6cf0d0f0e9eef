"""What the jobs need of a config beyond the schema: constraints between keys, each checked before
any job starts (config.validate), so that a config the study cannot serve is refused at once with
one line instead of failing in a job hours later.

Each precondition is one function registered with @precondition(key, jobs): its docstring says why
the jobs rely on it, it reads the config through a sizes.Study (sizes computed from the config
alone, without rendering anything), and it returns None when the config serves, else what is wrong and
what was expected; the message is that text after the key to change. Checks run in the order of
this file, so a check may rely on the ones above it (the split sizes need a valid grid). Adding a
precondition is adding one such function.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from shapestudy.sizes import Study


@dataclasses.dataclass(frozen=True)
class Precondition:
    name: str
    key: str  # the key the message names first: the one to change
    jobs: str  # the jobs that rely on it
    check: Callable[[Study], str | None]

    @property
    def reason(self) -> str:
        return " ".join((self.check.__doc__ or "").split())


PRECONDITIONS: dict[str, Precondition] = {}


def precondition(key: str, jobs: str):
    """Register a check; see the module's docstring."""

    def register(check):
        PRECONDITIONS[check.__name__] = Precondition(check.__name__, key, jobs, check)
        return check

    return register


def violated(config: dict) -> str | None:
    """The one-line message of the first precondition the config violates, or None."""
    study = Study(config)
    for condition in PRECONDITIONS.values():
        problem = condition.check(study)
        if problem is not None:
            return f"{condition.key}: {problem}"
    return None


@precondition("data.size_max", jobs="generate_data")
def sizes_fit_the_canvas(study: Study) -> str | None:
    """Every shape's bounding box lies on the canvas."""
    d = study.data
    if not d["size_min"] <= d["size_max"] <= d["canvas"]:
        return (f"sizes {d['size_min']}..{d['size_max']} do not fit a canvas of {d['canvas']}: "
                "expected size_min <= size_max <= canvas")
    return None


@precondition("data.size_min", jobs="generate_data")
def shapes_look_different(study: Study) -> str | None:
    """Two shapes that render the same image at some size would make tuples indistinguishable."""
    try:
        study.grid
    except ValueError as error:
        return str(error)
    return None


@precondition("data.splits", jobs="generate_data")
def fractions_add_up_to_one(study: Study) -> str | None:
    """The splits divide the tuples among them."""
    total = sum(study.data["splits"].values())
    return None if math.isclose(total, 1.0, abs_tol=1e-9) else f"fractions add up to {total:g}: expected 1"


@precondition("data.splits", jobs="train_*, evaluate_*, figures")
def no_split_is_empty(study: Study) -> str | None:
    """Training learns from the train split, the stopping rule reads the validation loss, and every
    evaluation scores the test split."""
    empty = [split for split, size in study.splits.items() if size == 0]
    if empty:
        fraction = study.data["splits"][empty[0]]
        return (f"a split of {study.tuples} tuples would be empty ({empty[0]}: {fraction:g} of them rounds "
                "to 0): expected larger fractions, or more tuples (canvas, sizes, shapes)")
    return None


@precondition("training.batch_size", jobs="train_*")
def a_batch_fits_the_train_split(study: Study) -> str | None:
    """An epoch trains on full batches only (train.epoch_batches): a batch larger than the train
    split leaves an epoch without a single step."""
    batch, train = study.training["batch_size"], study.splits["train"]
    if batch > train:
        return (f"{batch} is larger than the train split ({train} of {study.tuples} tuples): expected at "
                f"most {train}, as an epoch trains on full batches only")
    return None


@precondition("training.warmup_epochs", jobs="train_*")
def warmup_ends_before_the_cap(study: Study) -> str | None:
    """Plateaus are looked for after the warmup: a cap within the warmup stops every run before it
    could converge."""
    t = study.training
    if t["warmup_epochs"] >= t["max_epochs"]:
        return (f"{t['warmup_epochs']} warmup epochs reach training.max_epochs {t['max_epochs']}, so no run could "
                "converge: expected fewer warmup epochs than max_epochs")
    return None


@precondition("data.splits", jobs="evaluate_sample_quality, figure_samples")
def fitted_samplers_have_codes(study: Study) -> str | None:
    """Every model is also sampled from a Gaussian fitted to its training codes (samplers.py),
    whose covariance needs at least two of them; a kernel density estimate (kde_bandwidths) needs
    one to draw and two for a standard deviation that is not 0, so these two cover it."""
    if study.splits["train"] < 2:
        return (f"the train split has {study.splits['train']} tuple, too few codes to fit the fitted_gaussian "
                "sampler: expected at least 2 (a larger train fraction, or more tuples)")
    return None


@precondition("evaluation.mixture_components", jobs="evaluate_sample_quality, figure_samples")
def mixtures_have_codes(study: Study) -> str | None:
    """A Gaussian mixture of k components is fitted to the training codes: EM needs at least one
    code per component."""
    components, train = study.evaluation["mixture_components"], study.splits["train"]
    if components and max(components) > train:
        return (f"a mixture of {max(components)} components for the {train} training codes of the train split: "
                f"expected at most {train} components")
    return None


@precondition("evaluation.prdc_k", jobs="evaluate_sample_quality")
def prdc_sets_exceed_k(study: Study) -> str | None:
    """The pixel-space PRDC cross-check needs more than k images in each set for a k-th nearest
    neighbour: it compares the test images with as many samples, the first of evaluation.samples,
    and (its ceiling) with as many training images."""
    k, test, train = study.evaluation["prdc_k"], study.splits["test"], study.splits["train"]
    fake = min(study.evaluation["samples"], test, train)
    if k >= fake:
        return (f"{k} neighbours in sets of {fake} images (the {test} test images against the first "
                f"{min(study.evaluation['samples'], test)} of evaluation.samples {study.evaluation['samples']} and "
                f"as many of the {train} training images): expected prdc_k below {fake}")
    return None


@precondition("evaluation.mi_bins", jobs="evaluate_latents")
def bins_do_not_outnumber_rows(study: Study) -> str | None:
    """Mutual information is a plug-in estimate over the tuples of the grid, binned per latent:
    with more bins than rows, every row can fill a bin of its own and the estimate says nothing."""
    bins = study.evaluation["mi_bins"]
    if bins > study.tuples:
        return f"{bins} bins for the {study.tuples} tuples of the grid: expected at most {study.tuples}"
    return None


@precondition("figures.sigma", jobs="figure_rate_vs_beta, figure_summary, experiments")
def figure_sigma_is_evaluated(study: Study) -> str | None:
    """The figures and the Experiments section read the rate table at this noise level."""
    sigma, sigmas = study.config["figures"]["sigma"], study.evaluation["sigmas"]
    if sigma not in sigmas:
        return f"{sigma} is not in evaluation.sigmas {sigmas}: expected one of them"
    return None


@precondition("figures.latent_dim", jobs="figure_reconstructions, figure_samples, figure_traversals, ...")
def figure_latent_size_is_trained(study: Study) -> str | None:
    """The example figures show the runs of this latent size."""
    wanted = study.config["figures"]["latent_dim"]
    if wanted not in study.latent_dims:
        return f"{wanted} is not a latent size of the sweep {study.latent_dims}: expected one of them"
    return None
