"""Kernels that move elements: pad, slice, permute, roll, pixel_shuffle, pixel_unshuffle.

Each builds its output by mapping every output index back to an input index."""

from __future__ import annotations

from itertools import product

from .kernels import kernel
from .kernels import strides_of as _strides
from .tensor import Tensor


def _gather(x: Tensor, shape, source) -> Tensor:
    """An output of `shape` whose element at an index is x's at `source(index)` (None: the fill)."""
    strides = _strides(x.shape)
    data = []
    for index in product(*(range(n) for n in shape)):
        at = source(index)
        data.append(None if at is None else x.data[sum(q * s for q, s in zip(at, strides))])
    return Tensor(tuple(shape), data)


@kernel("pad")
def pad(args, inputs, w):
    x = inputs[0]
    padding = args["padding"]
    pairs = (((padding, padding),) * (len(x.shape) - 1) + ((0, 0),)) if isinstance(padding, int) else padding
    shape = [n + a + b for n, (a, b) in zip(x.shape, pairs)]

    def source(index):
        at = [q - a for q, (a, _) in zip(index, pairs)]
        return at if all(0 <= q < n for q, n in zip(at, x.shape)) else None
    out = _gather(x, shape, source)
    return Tensor(out.shape, [args["value"] if v is None else v for v in out.data]), 0


def _listed(value, count):
    return list(value) if isinstance(value, (list, tuple)) else [value] * count


@kernel("slice")
def slice_(args, inputs, w):
    x = inputs[0]
    axes = _listed(args["axis"], 1)
    picks = [list(range(n)) for n in x.shape]
    for axis, start, stop, step in zip(axes, *(_listed(args[k], len(axes)) for k in ("start", "stop", "step"))):
        axis %= len(x.shape)
        picks[axis] = list(range(x.shape[axis]))[start:stop:step]
    return _gather(x, [len(p) for p in picks], lambda index: [p[q] for p, q in zip(picks, index)]), 0


@kernel("permute")
def permute(args, inputs, w):
    x = inputs[0]
    axes = list(args["axes"]) if isinstance(args["axes"], (list, tuple)) else [args["axes"]]
    shape = [x.shape[a] for a in axes]

    def source(index):
        at = [0] * len(axes)
        for position, axis in enumerate(axes):
            at[axis] = index[position]
        return at
    return _gather(x, shape, source), 0


@kernel("roll")
def roll(args, inputs, w):
    x = inputs[0]
    shifts = _listed(args["shift"], 1)
    axes = [a % len(x.shape) for a in _listed(args["axis"], len(shifts))]

    def source(index):
        at = list(index)
        for shift, axis in zip(shifts, axes):
            at[axis] = (at[axis] - shift) % x.shape[axis]
        return at
    return _gather(x, x.shape, source), 0


@kernel("pixel_shuffle")
def pixel_shuffle(args, inputs, w):
    x = inputs[0]
    (h, wd, c), r = x.shape, args["factor"]
    out_c = c // (r * r)
    # PyTorch's order: channel k·r² + i·r + j goes to position (y·r + i, x·r + j) of channel k.
    return _gather(x, (h * r, wd * r, out_c),
                   lambda idx: (idx[0] // r, idx[1] // r, idx[2] * r * r + (idx[0] % r) * r + idx[1] % r)), 0


@kernel("pixel_unshuffle")
def pixel_unshuffle(args, inputs, w):
    x = inputs[0]
    (h, wd, c), r = x.shape, args["factor"]

    def source(idx):
        k, rest = divmod(idx[2], r * r)
        i, j = divmod(rest, r)
        return (idx[0] * r + i, idx[1] * r + j, k)
    return _gather(x, (h // r, wd // r, c * r * r), source), 0
