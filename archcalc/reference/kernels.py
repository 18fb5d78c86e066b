"""The kernel registry of the reference pass: one kernel per layer type.

A kernel takes (args, input tensors, weights) and returns (output tensor,
multiply-accumulates it executed). Kernels never call the analyzer's shape
or counting rules: they work out sizes from their own loops, so that a
mistake cannot hide in both.
"""

from __future__ import annotations

import math
from operator import mul

KERNELS: dict = {}

# One sample's inner product; `math.sumprod` (3.12+) is the fastest where it exists.
dot = getattr(math, "sumprod", None) or (lambda a, b: sum(map(mul, a, b)))


def kernel(*types: str):
    def register(fn):
        for name in types:
            KERNELS[name] = fn
        return fn
    return register


def per_axis(value, axes: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * axes


def pads(padding, lengths, kernels, strides, dilations) -> list[tuple[int, int]]:
    """(before, after) per axis. `same`: output ceil(L / s), the odd element at the end."""
    if padding == "same":
        out = []
        for length, k, s, d in zip(lengths, kernels, strides, dilations):
            total = max((-(-length // s) - 1) * s + d * (k - 1) + 1 - length, 0)
            out.append((total // 2, total - total // 2))
        return out
    return [(p, p) for p in per_axis(padding, len(lengths))]


def strides_of(shape) -> list[int]:
    """Row-major element strides of a shape (channels-last data)."""
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= n
    return out[::-1]
