"""The regulariser each deterministic family adds to its reconstruction loss, named by the family
registry (families.py). Each takes the parameters, the batch's codes, a key and the run's
TrainConfig, and returns one number averaged over the batch (the losses' convention)."""

import jax

from shapestudy.training import losses


def rae(params, codes, rng, config):
    """RAE-L2 (Ghosh et al. 2020): gamma ||z||^2 / 2 keeps the codes near the origin, as the VAE's
    KL does its means, without the VAE's noise; lambda ||theta_dec||^2 keeps the decoder smooth, so
    that shrinking the codes cannot be undone by a steeper decoder."""
    return (config.code_weight * jax.numpy.mean(losses.code_norm(codes))
            + config.decoder_l2 * losses.squared_weights(params["decoder"]))


def wae(params, codes, rng, config):
    """WAE-MMD (Tolstikhin et al. 2018): the batch's codes against as many draws of N(0, I), so the
    aggregate code distribution, not each image's, is pulled to the prior."""
    return config.mmd_weight * losses.mmd(codes, jax.random.normal(rng, codes.shape, codes.dtype))
