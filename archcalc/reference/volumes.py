"""Kernels over any number of spatial axes: conv3d, the transposed convolutions, 3-D pooling.

Written directly from the definitions with index arithmetic over channels-last data,
slow and plain on purpose: they are the oracle the analysis is checked against.
"""

from __future__ import annotations

from itertools import product

from .kernels import dot, kernel, pads, per_axis
from .kernels import strides_of as _strides_of
from .tensor import Tensor


def conv_nd(x: Tensor, args, axes: int, w) -> tuple[Tensor, int]:
    spatial, c = x.shape[:-1], x.shape[-1]
    k = per_axis(args["kernel"], axes)
    s = per_axis(args["stride"], axes)
    d = per_axis(args["dilation"], axes)
    groups, c_out = args["groups"], args["filters"]
    padding = pads(args["padding"], spatial, k, s, d)
    c_in_g, c_out_g = c // groups, c_out // groups
    weights = w.learned(c_out * _count(k) * c_in_g).tolist()
    per_filter = _count(k) * c_in_g
    bias = w.learned(c_out).tolist() if args["bias"] else [0.0] * c_out
    out_sizes = []
    for n, kk, ss, dd, (before, after) in zip(spatial, k, s, d, padding):
        size = 0
        while size * ss + dd * (kk - 1) + 1 <= n + before + after:
            size += 1
        out_sizes.append(size)
    in_strides = _strides_of(x.shape)
    out, macs = [], 0
    for position in product(*(range(n) for n in out_sizes)):
        for g in range(groups):
            patch = []
            for offset in product(*(range(kk) for kk in k)):
                coords = [p * ss + o * dd - before for p, ss, o, dd, (before, _) in zip(position, s, offset, d, padding)]
                if all(0 <= q < n for q, n in zip(coords, spatial)):
                    base = sum(q * st for q, st in zip(coords, in_strides))
                    patch += x.data[base + g * c_in_g:base + (g + 1) * c_in_g]
                else:
                    patch += [0.0] * c_in_g
            for f in range(g * c_out_g, (g + 1) * c_out_g):
                out.append(dot(patch, weights[f * per_filter:(f + 1) * per_filter]) + bias[f])
                macs += len(patch)
    return Tensor(tuple(out_sizes) + (c_out,), out), macs


def _count(sizes) -> int:
    total = 1
    for n in sizes:
        total *= n
    return total


@kernel("conv3d")
def conv3d(args, inputs, w):
    return conv_nd(inputs[0], args, 3, w)


def conv_transpose_nd(x: Tensor, args, axes: int, w) -> tuple[Tensor, int]:
    """Every input element scatters its value times every weight of its group into the output."""
    spatial, c = x.shape[:-1], x.shape[-1]
    k = per_axis(args["kernel"], axes)
    s = per_axis(args["stride"], axes)
    d = per_axis(args["dilation"], axes)
    p = per_axis(args["padding"], axes)
    extra = per_axis(args["output_padding"], axes)
    groups, c_out = args["groups"], args["filters"]
    c_in_g, c_out_g = c // groups, c_out // groups
    # PyTorch's layout: [C_in, C_out / groups, k…]
    weights = w.learned(c * c_out_g * _count(k)).tolist()
    bias = w.learned(c_out).tolist() if args["bias"] else [0.0] * c_out
    full = [(n - 1) * ss + dd * (kk - 1) + 1 + e for n, ss, dd, kk, e in zip(spatial, s, d, k, extra)]
    sizes = [f - 2 * pp for f, pp in zip(full, p)]
    out_strides = _strides_of(tuple(sizes) + (c_out,))
    out = [0.0] * _count(sizes) * c_out
    macs = 0
    kernel_positions = list(product(*(range(kk) for kk in k)))
    for position in product(*(range(n) for n in spatial)):
        base = sum(q * st for q, st in zip(position, _strides_of(x.shape)))
        for ch in range(c):
            value = x.data[base + ch]
            g = ch // c_in_g
            for index, offset in enumerate(kernel_positions):
                coords = [q * ss + o * dd - pp for q, ss, o, dd, pp in zip(position, s, offset, d, p)]
                inside = all(0 <= q < n for q, n in zip(coords, sizes))
                spot = sum(q * st for q, st in zip(coords, out_strides)) if inside else None
                for j in range(c_out_g):
                    macs += 1          # counted whether or not the product lands inside the crop
                    if spot is not None:
                        weight = weights[(ch * c_out_g + j) * len(kernel_positions) + index]
                        out[spot + g * c_out_g + j] += value * weight
    for i in range(0, len(out), c_out):
        for f in range(c_out):
            out[i + f] += bias[f]
    return Tensor(tuple(sizes) + (c_out,), out), macs


for _axes in (1, 2, 3):
    kernel(f"conv_transpose{_axes}d")(lambda args, inputs, w, axes=_axes: conv_transpose_nd(inputs[0], args, axes, w))


def pool_nd(x: Tensor, args, axes: int, mode: str) -> Tensor:
    spatial, c = x.shape[:-1], x.shape[-1]
    k = per_axis(args["kernel"], axes)
    s = per_axis(args["stride"] if args["stride"] is not None else args["kernel"], axes)
    padding = pads(args["padding"], spatial, k, s, (1,) * axes)
    starts = []
    for n, kk, ss, (before, after) in zip(spatial, k, s, padding):
        axis, i = [], 0
        while True:
            start = i * ss
            fits = start + kk <= n + before + after
            if not fits and not (args["ceil_mode"] and start < n + before and start + kk - ss < n + before + after):
                break
            axis.append(start)
            i += 1
        starts.append(axis)
    strides = _strides_of(x.shape)
    out = []
    for corner in product(*starts):
        cells = list(product(*(range(a, a + kk) for a, kk in zip(corner, k))))
        padded_extent = [n + before + after for n, (before, after) in zip(spatial, padding)]
        counted = [cell for cell in cells if all(q < e for q, e in zip(cell, padded_extent))]
        real = [[q - before for q, (before, _) in zip(cell, padding)] for cell in counted]
        real = [cell for cell in real if all(0 <= q < n for q, n in zip(cell, spatial))]
        for ch in range(c):
            values = [x.data[sum(q * st for q, st in zip(cell, strides)) + ch] for cell in real]
            out.append(max(values) if mode == "max" else sum(values) / len(counted))
    return Tensor(tuple(len(a) for a in starts) + (c,), out)


for _mode in ("max", "avg"):
    kernel(f"{_mode}pool3d")(lambda args, inputs, w, mode=_mode: (pool_nd(inputs[0], args, 3, mode), 0))
