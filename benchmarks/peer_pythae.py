"""The Pythae side of benchmarks/peer.py: trains the project's MLP AE and VAE with Pythae's own
trainer on the images peer.py saved, and writes per-epoch losses and times to JSON.

Runs under the peer venv (benchmarks/.venv-peer: torch 2.13.0+cpu, pythae 0.1.2), never the
project's; peer.py starts it. By hand:

    benchmarks/.venv-peer/bin/python benchmarks/peer_pythae.py --data benchmarks/out/peer-data.npz \
        --out benchmarks/out/peer-pythae.json --epochs 3 --latent-dim 8 --core 0

What is timed: Pythae's BaseTrainer.train() as a user runs it (its tqdm progress bars and console
log included), with no checkpoints (steps_saving=None) and no predictions (steps_predict=None). A
callback reads the clock at each epoch's start and at its log: an epoch's time is its training
pass, its evaluation on the validation split and the trainer's deepcopy of the model when the
validation loss improved (its "best model"). The one change to the trainer: the training
DataLoader drops the last partial batch (drop_last=True), as the project does; --keep-last-batch
runs the stock TrainingPipeline instead.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from pathlib import Path

# Pythae's loss, per image, divided by the project's (src/shapestudy/training/losses.py), read
# from pythae 0.1.2's source: AE.loss_function is F.mse_loss(reduction="none") summed over pixels
# and averaged over the batch (no 0.5), as the project's squared error; VAE.loss_function with
# reconstruction_loss="bce" is F.binary_cross_entropy on the decoder's probabilities summed over
# pixels plus the KL summed over latents, both averaged over the batch, as the project's (which
# takes logits). So no conversion is needed. (Pythae's VAE "mse" is 0.5 x squared error + KL: an
# objective of its own, not a constant factor of the project's, hence not offered here.)
PYTHAE_OVER_PROJECT = {"ae": 1.0, "vae": 1.0}


def pin(core: int) -> None:
    """One core and one thread for torch; called before torch is imported, so its pools see it."""
    os.sched_setaffinity(0, {core})
    os.environ["OMP_NUM_THREADS"] = "1"


def networks(model: str, latent_dim: int, hidden: tuple[int, ...], pixels: int):
    """Pythae encoder and decoder with the project's MLP (models.py): 784-256-128 ReLU to a mean
    (and, for the VAE, a log-variance) head; the mirror decoder, linear for the AE's squared error
    and with a sigmoid for the VAE's BCE (Pythae's "bce" takes probabilities, the project logits)."""
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from torch import nn

    def mlp(widths):
        layers = []
        for a, b in itertools.pairwise(widths):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers)

    class Encoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.body = mlp((pixels, *hidden))
            self.mean = nn.Linear(hidden[-1], latent_dim)
            self.logvar = nn.Linear(hidden[-1], latent_dim) if model == "vae" else None

        def forward(self, x):
            h = self.body(x.reshape(x.shape[0], -1))
            if self.logvar is None:
                return ModelOutput(embedding=self.mean(h))
            return ModelOutput(embedding=self.mean(h), log_covariance=self.logvar(h))

    class Decoder(BaseDecoder):
        def __init__(self, image_shape):
            super().__init__()
            last = [nn.Sigmoid()] if model == "vae" else []
            self.body = nn.Sequential(mlp((latent_dim, *reversed(hidden))), nn.Linear(hidden[0], pixels), *last)
            self.image_shape = image_shape

        def forward(self, z):
            return ModelOutput(reconstruction=self.body(z).reshape(z.shape[0], *self.image_shape))

    return Encoder, Decoder


def make_model(model: str, latent_dim: int, hidden, image_shape, seed: int):
    """A Pythae AE (squared error) or VAE (beta 1, BCE) with the project's networks."""
    import torch
    from pythae.models import AE, VAE, AEConfig, VAEConfig

    torch.manual_seed(seed)  # the trainer seeds again (set_seed) only after the model is built
    Encoder, Decoder = networks(model, latent_dim, tuple(hidden), math.prod(image_shape))
    if model == "ae":
        return AE(AEConfig(input_dim=image_shape, latent_dim=latent_dim), Encoder(), Decoder(image_shape))
    config = VAEConfig(input_dim=image_shape, latent_dim=latent_dim, reconstruction_loss="bce")
    return VAE(config, Encoder(), Decoder(image_shape))


def epoch_clock():
    """A Pythae callback recording, per epoch, the seconds from its start to its log and the
    losses the trainer logs (its eval loss: the mean over eval batches, here one batch)."""
    from pythae.trainers.training_callbacks import TrainingCallback

    class Clock(TrainingCallback):
        def __init__(self):
            self.rows, self.start = [], None

        def on_epoch_begin(self, training_config, **kwargs):
            self.start = time.perf_counter()

        def on_log(self, training_config, logs, **kwargs):
            self.rows.append({
                "epoch": kwargs["global_step"],
                "train_loss": float(logs["train_epoch_loss"]),
                "validation_loss": float(logs["eval_epoch_loss"]),
                "seconds": time.perf_counter() - self.start,
            })

    return Clock()


def train(model_name: str, args, train_images, validation_images) -> dict:
    """Train one model with Pythae's trainer; its history and total seconds."""
    from pythae.data.preprocessors import DataProcessor
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainer, BaseTrainerConfig
    from torch.utils.data import DataLoader

    class FullBatchTrainer(BaseTrainer):
        """BaseTrainer whose training loader drops the last partial batch, as the project's epoch;
        everything else (shuffling each epoch, collation, the loop) is the stock trainer's."""

        def get_train_dataloader(self, train_dataset):
            loader = super().get_train_dataloader(train_dataset)
            return DataLoader(train_dataset, batch_size=loader.batch_size, shuffle=True, drop_last=True,
                              num_workers=loader.num_workers, collate_fn=loader.collate_fn)

    config = BaseTrainerConfig(
        output_dir=str(Path(args.output_dir) / model_name),
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.batch_size,
        # The whole validation split in one batch: the trainer's eval loss (a mean of batch means)
        # is then the mean per image, the project's validation loss.
        per_device_eval_batch_size=len(validation_images),
        num_epochs=args.epochs,
        optimizer_cls="Adam",
        scheduler_cls=None,
        steps_saving=None,
        seed=args.seed,
        no_cuda=True,
    )
    model = make_model(model_name, args.latent_dim, args.hidden, tuple(train_images.shape[1:]), args.seed)
    clock = epoch_clock()
    start = time.perf_counter()
    if args.keep_last_batch:
        TrainingPipeline(model=model, training_config=config)(train_images, validation_images, callbacks=[clock])
    else:
        processor = DataProcessor()
        datasets = [processor.to_dataset(processor.process_data(x)) for x in (train_images, validation_images)]
        FullBatchTrainer(model, *datasets, training_config=config, callbacks=[clock]).train()
    total = time.perf_counter() - start
    factor = PYTHAE_OVER_PROJECT[model_name]
    for row in clock.rows:  # in the project's convention
        row["train_loss"] /= factor
        row["validation_loss"] /= factor
    return {"history": clock.rows, "total_seconds": total, "loss_factor": factor}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="npz with float32 train and validation images in [0, 1]")
    parser.add_argument("--out", required=True, help="JSON to write")
    parser.add_argument("--output-dir", default="benchmarks/out/pythae", help="Pythae's output_dir")
    parser.add_argument("--models", nargs="+", default=["ae", "vae"], choices=["ae", "vae"])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 128])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=4e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--keep-last-batch", action="store_true",
                        help="the stock TrainingPipeline (it keeps the last partial batch)")
    args = parser.parse_args(argv)

    pin(args.core)
    from importlib import metadata

    import numpy as np
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    data = np.load(args.data)
    # Pythae expects (n, channels, height, width).
    train_images, validation_images = (data[k][:, None] for k in ("train", "validation"))
    results = {
        "versions": {p: metadata.version(p) for p in ("torch", "pythae", "pydantic", "numpy")},
        "python": sys.version.split()[0],
        "core": sorted(os.sched_getaffinity(0)),
        "torch_threads": torch.get_num_threads(),
        "trainer": "TrainingPipeline (stock)" if args.keep_last_batch else "BaseTrainer, drop_last=True",
        "models": {m: train(m, args, train_images, validation_images) for m in args.models},
    }
    Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
