"""Kernels of the weighted layers: dense, convolutions, embedding, recurrent (attention: attention.py)."""

from __future__ import annotations

import math

from .kernels import dot, kernel, pads, per_axis
from .tensor import Tensor


def _rows(data, width: int) -> list[list]:
    """Rows of a weight matrix as lists: the dot products run faster over lists than arrays."""
    rows = [data[i:i + width] for i in range(0, len(data), width)]
    return [row.tolist() for row in rows] if rows and hasattr(rows[0], "tolist") else rows


@kernel("dense")
def dense(args, inputs, w):
    x = inputs[0]
    n_in, units = x.shape[-1], args["units"]
    # Kept as one array and sliced per use: a classifier's 37 M weights as Python
    # floats would take gigabytes.
    weights = w.learned(units * n_in)
    bias = w.learned(units) if args["bias"] else [0.0] * units
    out, macs = [], 0
    for start in range(0, len(x.data), n_in):
        row = x.data[start:start + n_in]
        for u in range(units):
            out.append(dot(row, weights[u * n_in:(u + 1) * n_in].tolist()) + bias[u])
            macs += len(row)
    return Tensor(x.shape[:-1] + (units,), out), macs


def conv2d(x: Tensor, c_out: int, kernel_hw, stride, padding, dilation, groups, bias, w):
    """Direct convolution over an explicitly zero-padded copy of the input."""
    h, wd, c = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel_hw, stride, dilation
    (pt, pb), (pl, pr) = pads(padding, (h, wd), kernel_hw, stride, dilation)
    hp, wp = h + pt + pb, wd + pl + pr
    padded = [0.0] * (hp * wp * c)
    for y in range(h):
        dst = ((y + pt) * wp + pl) * c
        padded[dst:dst + wd * c] = x.data[y * wd * c:(y + 1) * wd * c]
    c_in_g, c_out_g = c // groups, c_out // groups
    weights = _rows(w.learned(c_out * kh * kw * c_in_g), kh * kw * c_in_g)
    biases = w.learned(c_out) if bias else [0.0] * c_out
    ho = 0
    while ho * sh + dh * (kh - 1) + 1 <= hp:
        ho += 1
    wo = 0
    while wo * sw + dw * (kw - 1) + 1 <= wp:
        wo += 1
    out = [0.0] * (ho * wo * c_out)
    macs = 0
    for oy in range(ho):
        for ox in range(wo):
            base_out = (oy * wo + ox) * c_out
            for g in range(groups):
                patch = []
                for i in range(kh):
                    row = (oy * sh + i * dh) * wp
                    for j in range(kw):
                        start = (row + ox * sw + j * dw) * c + g * c_in_g
                        patch += padded[start:start + c_in_g]
                for o in range(g * c_out_g, (g + 1) * c_out_g):
                    out[base_out + o] = dot(patch, weights[o]) + biases[o]
                    macs += len(patch)
    return Tensor((ho, wo, c_out), out), macs


@kernel("conv2d")
def conv2d_kernel(args, inputs, w):
    return conv2d(inputs[0], args["filters"], per_axis(args["kernel"], 2), per_axis(args["stride"], 2),
                  args["padding"], per_axis(args["dilation"], 2), args["groups"], args["bias"], w)


@kernel("depthwise_conv2d")
def depthwise_kernel(args, inputs, w):
    c = inputs[0].shape[-1]
    return conv2d(inputs[0], c * args["multiplier"], per_axis(args["kernel"], 2), per_axis(args["stride"], 2),
                  args["padding"], per_axis(args["dilation"], 2), c, args["bias"], w)


@kernel("conv1d")
def conv1d_kernel(args, inputs, w):
    # A 1-D signal [T, C] is a 1×T image.
    x = inputs[0]
    padding = args["padding"]
    padding = "same" if padding == "same" else (0, per_axis(padding, 1)[0])
    out, macs = conv2d(Tensor((1,) + x.shape, x.data), args["filters"], (1, per_axis(args["kernel"], 1)[0]),
                       (1, per_axis(args["stride"], 1)[0]), padding, (1, per_axis(args["dilation"], 1)[0]),
                       args["groups"], args["bias"], w)
    return Tensor(out.shape[1:], out.data), macs


@kernel("embedding")
def embedding(args, inputs, w):
    # The reference input is floats in [0, 1); an id is taken as floor(|x| · vocab) mod vocab.
    vocab, dim = args["vocab"], args["dim"]
    table = _rows(w.learned(vocab * dim), dim)
    out = []
    for value in inputs[0].data:
        out += table[int(abs(value) * vocab) % vocab]
    return Tensor(inputs[0].shape + (dim,), out), 0


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


def _one_direction(kind: str, gates: int, rows: list[list[float]], u: int, vectors: int, w):
    """One layer in one direction over `rows` (one list per step); returns (outputs, MACs)."""
    n_in = len(rows[0])
    w_ih = _rows(w.learned(gates * u * n_in), n_in)
    w_hh = _rows(w.learned(gates * u * u), u)
    b_ih = w.learned(gates * u) if vectors >= 1 else [0.0] * (gates * u)
    b_hh = w.learned(gates * u) if vectors == 2 else [0.0] * (gates * u)
    h, c = [0.0] * u, [0.0] * u
    outputs, macs = [], 0
    for xt in rows:
        a = [dot(xt, w_ih[r]) + b_ih[r] for r in range(gates * u)]   # input part of every gate
        b = [dot(h, w_hh[r]) + b_hh[r] for r in range(gates * u)]    # hidden part
        macs += gates * u * (len(xt) + len(h))
        if kind == "lstm":   # PyTorch's gate order: input, forget, cell, output
            i_g = [_sigmoid(a[k] + b[k]) for k in range(u)]
            f_g = [_sigmoid(a[u + k] + b[u + k]) for k in range(u)]
            g_g = [math.tanh(a[2 * u + k] + b[2 * u + k]) for k in range(u)]
            o_g = [_sigmoid(a[3 * u + k] + b[3 * u + k]) for k in range(u)]
            c = [f_g[k] * c[k] + i_g[k] * g_g[k] for k in range(u)]
            h = [o_g[k] * math.tanh(c[k]) for k in range(u)]
        elif kind == "gru":  # reset, update, new; the reset gate scales the hidden part of n
            r_g = [_sigmoid(a[k] + b[k]) for k in range(u)]
            z_g = [_sigmoid(a[u + k] + b[u + k]) for k in range(u)]
            n_g = [math.tanh(a[2 * u + k] + r_g[k] * b[2 * u + k]) for k in range(u)]
            h = [(1 - z_g[k]) * n_g[k] + z_g[k] * h[k] for k in range(u)]
        else:
            h = [math.tanh(a[k] + b[k]) for k in range(u)]
        outputs.append(h)
    return outputs, macs


_BIAS_VECTORS = {True: 2, "single": 1, False: 0}


def _recurrent(kind: str, gates: int):
    def run(args, inputs, w):
        x = inputs[0]
        steps, n_in = x.shape
        u = args["units"]
        bias = args["bias"]
        vectors = bias if isinstance(bias, int) and not isinstance(bias, bool) else _BIAS_VECTORS[bias]
        rows = [x.data[t * n_in:(t + 1) * n_in] for t in range(steps)]
        macs = 0
        for _ in range(args.get("layers", 1)):
            forward, m = _one_direction(kind, gates, rows, u, vectors, w)
            macs += m
            if args.get("bidirectional"):
                backward, m = _one_direction(kind, gates, rows[::-1], u, vectors, w)
                macs += m
                rows = [f + b for f, b in zip(forward, backward[::-1])]
            else:
                rows = forward
        if args["return_sequences"]:
            return Tensor((steps, len(rows[0])), [v for row in rows for v in row]), macs
        last = rows[-1]
        if args.get("bidirectional"):     # PyTorch's h_n: the forward's last step, the backward's first
            last = rows[-1][:u] + rows[0][u:]
        return Tensor((len(last),), list(last)), macs
    return run


for _kind, _gates in (("lstm", 4), ("gru", 3), ("rnn", 1)):
    kernel(_kind)(_recurrent(_kind, _gates))


@kernel("locally_connected2d")
def locally_connected2d(args, inputs, w):
    """Like conv2d, but every output position draws filters of its own."""
    x = inputs[0]
    h, wd, c = x.shape
    (kh, kw), (sh, sw) = per_axis(args["kernel"], 2), per_axis(args["stride"], 2)
    (pt, pb), (pl, pr) = pads(args["padding"], (h, wd), (kh, kw), (sh, sw), (1, 1))
    hp, wp = h + pt + pb, wd + pl + pr

    def value(y, xx, ch):
        y, xx = y - pt, xx - pl
        return x.data[(y * wd + xx) * c + ch] if 0 <= y < h and 0 <= xx < wd else 0.0
    ho = len(range(0, hp - kh + 1, sh))
    wo = len(range(0, wp - kw + 1, sw))
    filters, taps = args["filters"], kh * kw * c
    weights = _rows(w.learned(ho * wo * filters * taps), taps)
    biases = w.learned(ho * wo * filters) if args["bias"] else [0.0] * (ho * wo * filters)
    out, macs = [], 0
    for oy in range(ho):
        for ox in range(wo):
            patch = [value(oy * sh + i, ox * sw + j, ch) for i in range(kh) for j in range(kw) for ch in range(c)]
            for f in range(filters):
                unit = (oy * wo + ox) * filters + f
                out.append(dot(patch, weights[unit]) + biases[unit])
                macs += len(patch)
    return Tensor((ho, wo, filters), out), macs
