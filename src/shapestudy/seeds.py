"""Seeds for the libraries a study uses, from the seeds a config names. The schema accepts any
non-negative integer as a seed; numpy takes any, but JAX's keys take one below 2**63 and
scikit-learn one below 2**32. A seed that fits is passed as it is (seed 0 means what it says);
a larger one is hashed into the range (numpy's SeedSequence), so every seed works everywhere."""

from __future__ import annotations

import numpy as np

JAX_BITS = 63  # jax.random.PRNGKey takes a signed 64-bit integer
SKLEARN_BITS = 32  # scikit-learn's random_state


def below(seed: int, bits: int) -> int:
    """`seed` where it is below 2**bits, else a hash of it into [0, 2**bits)."""
    if 0 <= seed < 2**bits:
        return seed
    high, low = np.random.SeedSequence(seed).generate_state(2, np.uint32)
    return ((int(high) << 32) | int(low)) % 2**bits
