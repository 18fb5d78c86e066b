"""Kernels of the v2 element-wise and normalisation types, and matmul, from their definitions."""

from __future__ import annotations

import math

from .kernels import dot, kernel
from .tensor import Tensor


@kernel("prelu")
def prelu(args, inputs, w):
    x = inputs[0]
    c = x.shape[-1]
    slopes = w.learned(c if args["per_channel"] else 1).tolist()
    return Tensor(x.shape, [v if v > 0 else slopes[i % c if args["per_channel"] else 0] * v
                            for i, v in enumerate(x.data)]), 0


@kernel("layer_scale")
def layer_scale(args, inputs, w):
    x = inputs[0]
    c = x.shape[-1]
    gamma = w.learned(c).tolist()
    beta = w.learned(c).tolist() if args["bias"] else [0.0] * c
    return Tensor(x.shape, [v * gamma[i % c] + beta[i % c] for i, v in enumerate(x.data)]), 0


@kernel("rmsnorm")
def rmsnorm(args, inputs, w):
    x = inputs[0]
    n = x.shape[-1]
    gamma = w.learned(n).tolist()
    out = []
    for start in range(0, len(x.data), n):
        row = x.data[start:start + n]
        scale = 1 / math.sqrt(sum(v * v for v in row) / n + args["eps"])
        out += [v * scale * gamma[i] for i, v in enumerate(row)]
    return Tensor(x.shape, out), 0


def _normalise_groups(x: Tensor, groups: int, eps: float) -> list[float]:
    """Each sample's channels split into `groups`, normalised over the group's channels and positions."""
    c = x.shape[-1]
    size = c // groups
    out = list(x.data)
    for g in range(groups):
        idx = [i for i in range(len(x.data)) if (i % c) // size == g]
        values = [x.data[i] for i in idx]
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        for i in idx:
            out[i] = (x.data[i] - mean) / math.sqrt(var + eps)
    return out


def _affine(x: Tensor, values: list[float], args, w) -> list[float]:
    c = x.shape[-1]
    if not args["affine"]:
        return values
    gamma, beta = w.learned(c).tolist(), w.learned(c).tolist()
    return [v * gamma[i % c] + beta[i % c] for i, v in enumerate(values)]


@kernel("groupnorm")
def groupnorm(args, inputs, w):
    x = inputs[0]
    return Tensor(x.shape, _affine(x, _normalise_groups(x, args["groups"], args["eps"]), args, w)), 0


@kernel("instancenorm")
def instancenorm(args, inputs, w):
    x = inputs[0]
    values = _affine(x, _normalise_groups(x, x.shape[-1], args["eps"]), args, w)
    if args["track_running_stats"]:
        w.buffer(x.shape[-1])
        w.buffer(x.shape[-1])
    return Tensor(x.shape, values), 0


@kernel("subtract")
def subtract(args, inputs, w):
    a, b = inputs
    if a.shape != b.shape:
        raise ValueError(f"subtract: shapes {a.shape} and {b.shape} differ")
    return Tensor(a.shape, [p - q for p, q in zip(a.data, b.data)]), 0


@kernel("log_softmax")
def log_softmax(args, inputs, w):
    from .unweighted import softmax
    probabilities, _ = softmax(args, inputs, w)
    return Tensor(probabilities.shape, [math.log(p) if p > 0 else -math.inf for p in probabilities.data]), 0


@kernel("matmul")
def matmul(args, inputs, w):
    a, b = inputs
    (m, k), n = a.shape[-2:], b.shape[-1]
    lead_a, lead_b = a.shape[:-2], b.shape[:-2]
    rank = max(len(lead_a), len(lead_b))
    lead_a, lead_b = (1,) * (rank - len(lead_a)) + lead_a, (1,) * (rank - len(lead_b)) + lead_b
    lead = tuple(max(p, q) for p, q in zip(lead_a, lead_b))
    out, macs = [], 0
    for index in range(math.prod(lead)):
        coords, rest = [], index
        for size in reversed(lead):
            coords.append(rest % size)
            rest //= size
        coords = coords[::-1]

        def offset(sizes):
            flat = 0
            for q, size in zip(coords, sizes):
                flat = flat * size + (q if size > 1 else 0)
            return flat
        base_a, base_b = offset(lead_a) * m * k, offset(lead_b) * k * n
        columns = [[b.data[base_b + r * n + j] for r in range(k)] for j in range(n)]
        for i in range(m):
            row = a.data[base_a + i * k:base_a + (i + 1) * k]
            for j in range(n):
                out.append(dot(row, columns[j]))
                macs += k
    return Tensor(lead + (m, n), out), macs


_OPS = {
    "add": lambda v, c: v + c, "subtract": lambda v, c: v - c, "multiply": lambda v, c: v * c,
    "divide": lambda v, c: v / c, "power": lambda v, c: abs(v) ** c, "sqrt": lambda v, c: math.sqrt(abs(v)),
    "reciprocal": lambda v, c: 1 / v if v else 0.0, "exp": lambda v, c: math.exp(min(v, 50.0)),
    "log": lambda v, c: math.log(abs(v) or 1.0), "erf": lambda v, c: math.erf(v), "neg": lambda v, c: -v,
    "sin": lambda v, c: math.sin(v), "cos": lambda v, c: math.cos(v),
    "abs": lambda v, c: abs(v), "clip": lambda v, c: min(max(v, -c), c) if c is not None else v,
    "mask": lambda v, c: v, "where": lambda v, c: v,
}


@kernel("elementwise")
def elementwise(args, inputs, w):
    x = inputs[0]
    fn, value = _OPS[args["op"]], args["value"] if args["value"] is not None else 1.0
    return Tensor(x.shape, [fn(v, value) for v in x.data]), 0


@kernel("reduce")
def reduce(args, inputs, w):
    x = inputs[0]
    rank = len(x.shape)
    axes = sorted({a % rank for a in args["axis"]})
    kept = [i for i in range(rank) if i not in axes]
    strides = [math.prod(x.shape[i + 1:]) for i in range(rank)]
    groups: dict = {}
    for flat, v in enumerate(x.data):
        index = tuple((flat // strides[i]) % x.shape[i] for i in range(rank))
        groups.setdefault(tuple(index[i] for i in kept), []).append(v)
    pick = {"mean": lambda vs: sum(vs) / len(vs), "sum": sum, "max": max, "min": min}[args["op"]]
    data = [pick(groups[key]) for key in sorted(groups)]
    if args["keepdims"]:
        shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    else:
        shape = tuple(x.shape[i] for i in kept) or (1,)
    return Tensor(shape, data), 0


@kernel("learned_bias")
def learned_bias(args, inputs, w):
    x = inputs[0]
    size = math.prod(args["shape"])
    values = w.learned(size).tolist()
    return Tensor(x.shape, [v + values[i % size] for i, v in enumerate(x.data)]), 0


@kernel("rescale")
def rescale(args, inputs, w):
    x = inputs[0]
    return Tensor(x.shape, [v * args["scale"] + args["offset"] for v in x.data]), 0


@kernel("normalize")
def normalize(args, inputs, w):
    """Statistics drawn per position of the kept axes; each element reads the pair at its position."""
    x = inputs[0]
    rank = len(x.shape)
    kept = sorted({a % rank for a in args["axis"]})
    size = math.prod(x.shape[a] for a in kept)
    if args["stored"]:
        mean, var = w.buffer(size), w.buffer(size, 0.5, 1.5)
    else:
        mean, var = [0.25] * size, [2.0] * size
    if args["count"]:
        w.buffer(1)
    out = []
    for i, v in enumerate(x.data):
        position, rest, step = 0, i, 1
        coords = []
        for n in reversed(x.shape):
            coords.append(rest % n)
            rest //= n
        coords.reverse()
        for a in reversed(kept):
            position += coords[a] * step
            step *= x.shape[a]
        out.append((v - mean[position]) / math.sqrt(var[position]))
    return Tensor(x.shape, out), 0
