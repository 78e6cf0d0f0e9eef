"""The dense layers' matrix products in a chosen number format (training.matmul).

"bfloat16": each product takes bfloat16 inputs and accumulates in float32; the parameters, the
optimizer and every other operation stay float32 (mixed precision: the parameters are rounded to
bfloat16 where they are multiplied, never where they are stored). On a CPU with AMX (Intel
Xeon from Sapphire Rapids on) XLA runs such a product 4-5 times faster than in float32, but only
when both operands are row-major and the product is in the standard (m, k) x (k, n) form: a
transposed operand falls back to a kernel no faster than float32's. The gradient of x @ w needs
x^T @ g and g @ w^T, so the backward pass below writes them as products of row-major copies:
x^T (small: the batch is its short side) is copied transposed, and g @ w^T is computed as the
transpose of w @ g^T, so the large w is never copied. Where XLA takes no fast kernel for a
product (checked with its YNNPACK fusion turned off), it converts the operands to float32 and runs
its own kernel: the same program runs, at about float32's speed. benchmarks/RESULTS.md has the
measurements.
"""

import jax
import jax.numpy as jnp
from jax import lax

from shapestudy import config as study_config

MATMULS = tuple(study_config.schema()["properties"]["training"]["properties"]["matmul"]["enum"])


def product(a, b):
    """a @ b, accumulated and returned in float32 whatever the operands' format."""
    return jnp.dot(a, b, preferred_element_type=jnp.float32)


def _transposed(a):
    """a^T as a row-major copy. The barrier keeps XLA from folding the transpose back into the
    product (a column-major operand), which the fast kernels do not take."""
    return lax.optimization_barrier(a.T.reshape(-1)).reshape(a.shape[::-1])


@jax.custom_vjp
def bfloat16_product(x, w):
    """x @ w for a batch x (n, k) and a kernel w (k, m), from bfloat16 inputs, in float32."""
    return _forward(x, w)[0]


def _forward(x, w):
    x, w = x.astype(jnp.bfloat16), w.astype(jnp.bfloat16)
    return product(x, w), (x, w)


def kernel_gradient(x, g):
    """x^T @ g of bfloat16 x (n, k) and g (n, m): the gradient of x @ w with respect to w."""
    return product(_transposed(x), g)


def input_gradient(g, w):
    """g @ w^T of bfloat16 g (n, m) and w (k, m), as (w @ g^T)^T: the gradient with respect to x."""
    return lax.optimization_barrier(product(w, lax.optimization_barrier(_transposed(g)))).T


def _backward(saved, g):
    x, w = saved
    g = g.astype(jnp.bfloat16)
    return input_gradient(g, w), kernel_gradient(x, g)


bfloat16_product.defvjp(_forward, _backward)


def _bfloat16_dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """flax's Dense product (the last axis of a 2-d batch against the kernel's first) in bfloat16."""
    if lhs.ndim != 2 or dimension_numbers != (((1,), (0,)), ((), ())):
        raise ValueError(f"bfloat16 products take a 2-d batch times a kernel, not {dimension_numbers} "
                         f"of a {lhs.ndim}-d input")
    return bfloat16_product(lhs, rhs)


def dot_general(matmul: str):
    """The Dense layers' `dot_general` for the number format `matmul` (one of MATMULS); None:
    flax's default, float32."""
    if matmul not in MATMULS:
        raise ValueError(f"unknown matmul {matmul!r}: expected one of {list(MATMULS)}")
    return _bfloat16_dot_general if matmul == "bfloat16" else None
