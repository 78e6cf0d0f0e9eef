"""Training: the loss, one jitted epoch, and the epoch loop (Flax examples/vae layout)."""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd
from flax.training import train_state

from shapestudy import config as study_config
from shapestudy import families, seeds
from shapestudy.data import pixels
from shapestudy.training import penalties, stopping
from shapestudy.training.losses import kl_divergence, reconstruction_error
from shapestudy.training.models import make_model


class _TrainConfigMethods:
    """What a TrainConfig does; its fields are made below from the run specification and the schema."""

    def __post_init__(self):
        # A run record or a config gives a list; a tuple keeps the config hashable (compile caches).
        object.__setattr__(self, "hidden", tuple(self.hidden))

    @property
    def name(self) -> str:
        """The run's name (families.run_id), e.g. vae-mlp-bce-z4-b1-s0."""
        return families.run_id(dataclasses.asdict(self))

    def describe(self) -> str:
        """The run's name and every setting of its training, for error messages."""
        settings = ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(self).items() if k not in families.RUN_KEYS)
        return f"{self.name} ({settings})"

    @property
    def variational(self) -> bool:
        return families.family(self.model).variational

    @property
    def rule(self) -> stopping.Rule:
        return stopping.Rule(self.patience, self.tolerance, self.reductions, self.warmup_epochs, self.max_epochs)

    def step_size(self, reductions: int) -> float:
        """Adam's step size after the warmup and `reductions` reductions."""
        return self.learning_rate * self.reduction_factor**reductions


_PYTHON_TYPES = {"integer": int, "number": float, "array": tuple, "boolean": bool, "string": str}


def _fields() -> list[tuple]:
    """TrainConfig's fields, typed as the schema types them: the keys that name a run
    (families.RUN_KEYS; a hyper-parameter defaults to its neutral value, the others are required)
    and the training settings of a run's identity, which default to the schema's defaults."""
    schema = study_config.schema()
    sweep = schema["properties"]["sweep"]["properties"].values()  # each family's lists
    axes = {key: spec for family in sweep for key, spec in family["properties"].items()}

    def item_type(key: str) -> type:
        return _PYTHON_TYPES.get(study_config.resolved(axes[key], schema)["items"].get("type"), str)

    fields = [("model", str)]
    for key in families.RUN_KEYS[1:]:
        neutral = families.HYPERPARAMETERS[key].neutral if key in families.HYPERPARAMETERS else dataclasses.MISSING
        fields.append((key, item_type(key), dataclasses.field(default=neutral)))
    training = schema["properties"]["training"]["properties"]
    for key, spec in training.items():
        if key not in study_config.job_settings():
            default = tuple(spec["default"]) if spec["type"] == "array" else spec["default"]
            fields.append((key, _PYTHON_TYPES[spec["type"]], dataclasses.field(default=default)))
    return fields


# Everything that determines one trained model: TrainConfig(model="vae", arch="mlp",
# reconstruction="bce", latent_dim=4, beta=1.0, seed=0, max_epochs=20); a training setting not
# given is the default study's. Adding a hyper-parameter or a training setting is a line of the
# registry (families.HYPERPARAMETERS) or of the schema, not a field here.
TrainConfig = dataclasses.make_dataclass(
    "TrainConfig", _fields(), bases=(_TrainConfigMethods,), frozen=True, kw_only=True
)
TrainConfig.__module__ = __name__  # where pickles and reprs find it


class DivergenceError(RuntimeError):
    """The loss became NaN or infinite."""


class EmptyEpochError(ValueError):
    """An epoch would have no batch: the train split is smaller than a batch (config validation
    refuses such a config; this says so to a direct caller, instead of a NaN mean of no steps that
    would read as a divergence)."""


def optimizer(config: TrainConfig, steps_per_epoch: int) -> optax.GradientTransformation:
    """Adam whose step size rises linearly from 0 over the warmup epochs, then stays at
    learning_rate until the stopping rule lowers it (set_step_size): nothing in it knows the cap."""
    warmup_steps = config.warmup_epochs * steps_per_epoch
    warmup = [optax.scale_by_schedule(optax.linear_schedule(0.0, 1.0, warmup_steps))] if warmup_steps else []
    # Adam's step size in the optimizer state, as an array: changing it recompiles nothing.
    step = optax.inject_hyperparams(optax.scale)(step_size=-config.learning_rate)
    return flatten_small(optax.chain(optax.scale_by_adam(), *warmup, step))


# Adam's update is bound by memory traffic, each step reading and writing arrays the size of the
# model. Small leaves go into one flat vector (optax.flatten: one loop instead of one per leaf, at
# batch 32 0.15 s instead of 0.24 s of a 0.58 s epoch); leaves of at least this many elements stay
# as they are, since copying them into and out of the flat vector costs more than their own loop
# (the MLP's 784 x 256 layers: a batch-64 epoch 6-11% faster on one core, benchmarks/RESULTS.md).
LARGE_LEAF = 2**16


def flatten_small(inner: optax.GradientTransformation, large: int = LARGE_LEAF) -> optax.GradientTransformation:
    """`inner` over a list of the leaves of at least `large` elements, as they are, and one flat
    vector of all the smaller leaves (optax.flatten flattens every leaf)."""

    def split(tree) -> list:
        leaves = jax.tree.leaves(tree)
        small = [leaf.ravel() for leaf in leaves if leaf.size < large]
        return [leaf for leaf in leaves if leaf.size >= large] + [jnp.concatenate(small) if small else jnp.zeros(0)]

    def join(parts: list, like):
        leaves, treedef = jax.tree.flatten(like)
        large_parts, flat, at, joined = iter(parts[:-1]), parts[-1], 0, []
        for leaf in leaves:
            if leaf.size >= large:
                joined.append(next(large_parts))
            else:
                joined.append(flat[at : at + leaf.size].reshape(leaf.shape))
                at += leaf.size
        return jax.tree.unflatten(treedef, joined)

    def update(updates, state, params=None):
        parts, state = inner.update(split(updates), state, None if params is None else split(params))
        return join(parts, updates), state

    return optax.GradientTransformation(lambda params: inner.init(split(params)), update)


def set_step_size(state: train_state.TrainState, step_size) -> train_state.TrainState:
    """The state with Adam's step size (after the warmup) set to `step_size`."""
    *others, step = state.opt_state
    current = step.hyperparams["step_size"]
    hyperparams = {**step.hyperparams, "step_size": jnp.asarray(-np.asarray(step_size), dtype=current.dtype)}
    return state.replace(opt_state=(*others, step._replace(hyperparams=hyperparams)))


@functools.lru_cache(maxsize=16)
def _model_and_optimizer(config: TrainConfig, image_shape: tuple, steps_per_epoch: int):
    """One model, optimizer and jitted init per configuration without its seed and cap. The seeds
    of a point, trained in one process, then share them, and so share the compiled programs too: a
    jitted function's cache key holds the state's model and optimizer, compared by identity."""
    model = make_model(config.model, config.arch, config.latent_dim, image_shape, config.hidden, config.matmul)
    # Jitted: the same parameters, bit for bit, as eager init, in one compilation instead of one
    # per operation (seconds of every training job's start-up).
    return model, optimizer(config, steps_per_epoch), jax.jit(model.init)


def create_state(config: TrainConfig, image_shape, n_train: int = 0) -> train_state.TrainState:
    """A fresh state; `n_train` (the training images) sets the warmup's steps per epoch."""
    model, tx, init = _model_and_optimizer(seed_free(config), tuple(image_shape), n_train // config.batch_size)
    init_rng, noise_rng = jax.random.split(jax.random.PRNGKey(seeds.below(config.seed, seeds.JAX_BITS)))
    dummy = jnp.zeros((1, *image_shape), jnp.float32)
    params = init(init_rng, dummy, noise_rng)["params"]
    return train_state.TrainState.create(apply_fn=model.apply, params=params, tx=tx)


def loss_terms(params, apply_fn, images, z_rng, config: TrainConfig):
    """(loss, (reconstruction, kl, penalty)) averaged over the batch: reconstruction + beta * KL +
    the family's penalty (training/penalties.py)."""
    output, mean, logvar = apply_fn({"params": params}, images, z_rng)
    reconstruction = jnp.mean(reconstruction_error(output, images, config.reconstruction))
    if config.variational:
        kl = jnp.mean(kl_divergence(mean, logvar))
    else:
        kl = jnp.zeros(())
    loss = reconstruction + config.beta * kl
    penalty = jnp.zeros(())
    name = families.family(config.model).penalty
    if name:  # a family without one compiles the same program as before it existed
        penalty = getattr(penalties, name)(params, mean, jax.random.fold_in(z_rng, 1), config)
        loss = loss + penalty
    return loss, (reconstruction, kl, penalty)


def epoch_batches(rng, n_images: int, batch_size: int) -> jnp.ndarray:
    """Indices of one epoch's full batches, shaped (steps, batch_size), in a random order."""
    steps = n_images // batch_size
    return jax.random.permutation(rng, n_images)[: steps * batch_size].reshape(steps, batch_size)


# Architectures whose gradient is fast inside lax.scan on XLA CPU. A convolution's gradient inside
# scan (or any XLA loop) is 7-25x slower (JAX issue 12868; benchmarks/RESULTS.md), so the
# other architectures run an epoch as a Python loop of jitted steps.
SCAN_ARCHITECTURES = ("mlp",)
# In the loop of jitted steps, a batch larger than this is split into passes of at most this many
# images, each with its own noise key, whose gradients are averaged by size: the batch's gradient,
# with the activations kept in cache (conv training at batch 512 about 25% faster on this CPU).
STEP_CHUNK = 128


def unit(images):
    """A batch as float32 in [0, 1]: uint8 pixels through pixels.LEVELS (a gather, so exactly the
    values of pixels.to_unit), other images as they are. The training images stay uint8 on the
    device, a quarter of their float32 memory."""
    if images.dtype == jnp.uint8:
        return jnp.asarray(pixels.LEVELS)[images]
    return images


def make_train_epoch(config: TrainConfig) -> Callable:
    """A function (state, images, rng) -> (state, mean metrics [loss, rec, kl, penalty]) over one epoch.

    The MLP runs the whole epoch as one jitted lax.scan; other architectures run one jitted call
    per step, in passes of at most `STEP_CHUNK` images. Both draw the same batches from `rng`, and
    the same noise up to a batch of `STEP_CHUNK`."""
    grad_fn = jax.value_and_grad(loss_terms, has_aux=True)

    def train_step(state, images, index, rng, chunk=None):
        passes = 1 if chunk is None else -(-index.shape[0] // chunk)
        if passes == 1:
            (loss, terms), grads = grad_fn(state.params, state.apply_fn, unit(images[index]), rng, config)
            return state.apply_gradients(grads=grads), jnp.stack([loss, *terms])
        metrics, grads = 0.0, None
        for p, part in enumerate(jnp.array_split(index, passes)):
            part_rng = jax.random.fold_in(rng, p)
            (loss, terms), g = grad_fn(state.params, state.apply_fn, unit(images[part]), part_rng, config)
            weight = part.shape[0] / index.shape[0]
            g = jax.tree.map(lambda t: weight * t, g)
            grads = g if grads is None else jax.tree.map(jnp.add, grads, g)
            metrics = metrics + weight * jnp.stack([loss, *terms])
        return state.apply_gradients(grads=grads), metrics

    def epoch_plan(rng, n_images):
        order_rng, noise_rng = jax.random.split(rng)
        batches = epoch_batches(order_rng, n_images, config.batch_size)
        return batches, jax.random.split(noise_rng, batches.shape[0])

    if config.arch in SCAN_ARCHITECTURES:

        @jax.jit
        def train_epoch(state, images, rng):
            batches, step_rngs = epoch_plan(rng, images.shape[0])
            state, metrics = jax.lax.scan(
                lambda s, b: train_step(s, images, *b), state, (batches, step_rngs)
            )
            return state, metrics.mean(axis=0)

        return train_epoch

    plan = jax.jit(epoch_plan, static_argnums=1)
    # The step index is a traced argument: one compilation serves every step.
    step = jax.jit(
        lambda state, images, batches, rngs, i: train_step(state, images, batches[i], rngs[i], STEP_CHUNK)
    )

    def train_epoch(state, images, rng):
        batches, step_rngs = plan(rng, images.shape[0])
        metrics = []
        for i in range(batches.shape[0]):
            state, step_metrics = step(state, images, batches, step_rngs, i)
            metrics.append(step_metrics)
        return state, jnp.stack(metrics).mean(axis=0)

    return train_epoch


def make_evaluate(config: TrainConfig) -> Callable:
    """A jitted function (params, images, rng) -> [loss, reconstruction, kl, penalty] on a whole set."""

    @jax.jit
    def evaluate(state, images, rng):
        loss, terms = loss_terms(state.params, state.apply_fn, images, rng, config)
        return jnp.stack([loss, *terms])

    return evaluate


def seed_free(config: TrainConfig) -> TrainConfig:
    """The configuration without what no compiled program depends on: the seed (it enters through
    the state and the keys) and the cap."""
    return dataclasses.replace(config, seed=0, max_epochs=0)


@functools.lru_cache(maxsize=16)
def _epoch_functions(config: TrainConfig) -> tuple[Callable, Callable]:
    """make_train_epoch and make_evaluate, once per seed-free configuration, so the seeds of a
    point reuse their compilation."""
    return make_train_epoch(config), make_evaluate(config)


def verdict(config: TrainConfig, history: list[dict]) -> stopping.Verdict:
    return stopping.assess([row["validation_loss"] for row in history], config.rule)


def train(
    config: TrainConfig,
    train_images: np.ndarray,
    validation_images: np.ndarray,
    log: Callable[[str], None] = print,
    checkpoint=None,
) -> tuple[train_state.TrainState, pd.DataFrame, stopping.Verdict]:
    """Train until the stopping rule says so; returns the state with the parameters of the best
    validation epoch, the per-epoch history and the stopping rule's verdict.

    With a checkpoint.Checkpoint, start from the state it holds (if it is this run's, with the same
    or a lower cap) and save the state every `checkpoint.every` epochs and at the last. Epoch e
    draws its keys from fold_in(seed, e) alone, and the step size and the stop follow from the
    history alone (stopping.py), so a resumed run, or a run stopped at the cap and continued with a
    higher one, ends with the same parameters, bit for bit, as an uninterrupted one.
    Raises DivergenceError, naming the configuration and the epoch, when the loss is not finite,
    and EmptyEpochError when an epoch would have no batch.
    """
    if len(train_images) < config.batch_size:
        raise EmptyEpochError(
            f"an epoch has no batch: {len(train_images)} training images, fewer than training.batch_size "
            f"{config.batch_size} (an epoch trains on full batches only), in {config.describe()}"
        )
    state = create_state(config, train_images.shape[1:], len(train_images))
    train_epoch, evaluate = _epoch_functions(seed_free(config))
    # The validation split is scored in one piece each epoch, so it is converted once.
    train_images, validation_images = jnp.asarray(train_images), jnp.asarray(pixels.to_unit(validation_images))
    root = jax.random.PRNGKey(seeds.below(config.seed, seeds.JAX_BITS))
    history, best = [], state.params
    if checkpoint is not None:
        state, best, history = checkpoint.restore(state, config.rule)
    decided = verdict(config, history)
    epoch = len(history)
    while not decided.stop:
        epoch += 1
        start = time.perf_counter()
        epoch_rng, validation_rng = jax.random.split(jax.random.fold_in(root, epoch))
        state = set_step_size(state, config.step_size(decided.reductions))
        state, train_metrics = train_epoch(state, train_images, epoch_rng)
        validation_metrics = evaluate(state, validation_images, validation_rng)
        train_metrics, validation_metrics = np.asarray(train_metrics), np.asarray(validation_metrics)
        seconds = time.perf_counter() - start
        # The validation loss too: the last step of an epoch can break the parameters unseen.
        if not (np.all(np.isfinite(train_metrics)) and np.all(np.isfinite(validation_metrics))):
            raise DivergenceError(
                f"training diverged at epoch {epoch} (train loss {train_metrics[0]}, validation loss "
                f"{validation_metrics[0]}) of {config.describe()}; try a lower training.learning_rate"
            )
        history.append(
            {
                "epoch": epoch,
                "train_loss": train_metrics[0],
                "train_reconstruction": train_metrics[1],
                "train_kl": train_metrics[2],
                "train_penalty": train_metrics[3],
                "validation_loss": validation_metrics[0],
                "validation_reconstruction": validation_metrics[1],
                "validation_kl": validation_metrics[2],
                "validation_penalty": validation_metrics[3],
                "seconds": seconds,
            }
        )
        previous, decided = decided, verdict(config, history)
        if decided.best_epoch == epoch:
            best = state.params
        log(
            f"epoch {epoch}/{config.max_epochs} train loss {train_metrics[0]:.3f} "
            f"(rec {train_metrics[1]:.3f}, kl {train_metrics[2]:.3f}) "
            f"validation loss {validation_metrics[0]:.3f} in {seconds:.2f} s"
            + (f"; step size reduced to {config.step_size(decided.reductions):.3g}"
               if decided.reductions > previous.reductions and not decided.stop else "")
            + (f"; stop ({decided.stop_reason}), best epoch {decided.best_epoch}" if decided.stop else "")
        )
        if checkpoint is not None and checkpoint.due(epoch, last=decided.stop):
            checkpoint.save(state, best, epoch, history)
    return state.replace(params=best), pd.DataFrame(history), decided

