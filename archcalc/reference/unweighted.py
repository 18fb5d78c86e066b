"""Kernels without multiply-accumulates: pooling, normalisation, activations, merges, reshapes."""

from __future__ import annotations

import math

from .kernels import kernel, pads, per_axis
from .tensor import Tensor


def _size(shape) -> int:
    return math.prod(shape)


# -- pooling -------------------------------------------------------------------

def _starts(length, k, s, before, after, ceil_mode):
    """Window starts in padded coordinates (PyTorch's rule for ceil_mode)."""
    padded = length + before + after
    starts, i = [], 0
    while True:
        start = i * s
        fits = start + k <= padded
        if not fits and not (ceil_mode and start < length + before and start + k - s < padded):
            break
        starts.append(start)
        i += 1
    return starts


def pool2d(x: Tensor, kernel_hw, stride, padding, ceil_mode, mode):
    h, wd, c = x.shape
    (kh, kw), (sh, sw) = kernel_hw, stride
    (pt, pb), (pl, pr) = pads(padding, (h, wd), kernel_hw, stride, (1, 1))
    rows, cols = _starts(h, kh, sh, pt, pb, ceil_mode), _starts(wd, kw, sw, pl, pr, ceil_mode)
    out = []
    for y0 in rows:
        for x0 in cols:
            inside = [(y - pt, xx - pl) for y in range(y0, min(y0 + kh, h + pt + pb))
                      for xx in range(x0, min(x0 + kw, wd + pl + pr))]
            real = [(y, xx) for y, xx in inside if 0 <= y < h and 0 <= xx < wd]
            for ch in range(c):
                values = [x.data[(y * wd + xx) * c + ch] for y, xx in real]
                if mode == "max":
                    out.append(max(values))
                else:   # zero padding counts in the divisor, as PyTorch's count_include_pad
                    out.append(sum(values) / len(inside))
    return Tensor((len(rows), len(cols), c), out)


def _pool(mode, axes):
    def run(args, inputs, w):
        x = inputs[0]
        k = per_axis(args["kernel"], axes)
        s = per_axis(args["stride"] if args["stride"] is not None else args["kernel"], axes)
        padding = args["padding"]
        if axes == 1:
            padding = "same" if padding == "same" else (0, per_axis(padding, 1)[0])
            out = pool2d(Tensor((1,) + x.shape, x.data), (1, k[0]), (1, s[0]), padding, args["ceil_mode"], mode)
            return Tensor(out.shape[1:], out.data), 0
        return pool2d(x, k, s, padding, args["ceil_mode"], mode), 0
    return run


for _mode in ("max", "avg"):
    for _axes in (1, 2):
        kernel(f"{_mode}pool{_axes}d")(_pool(_mode, _axes))


def _channels(x: Tensor):
    c = x.shape[-1]
    return [x.data[ch::c] for ch in range(c)]


@kernel("global_avgpool")
def global_avgpool(args, inputs, w):
    columns = _channels(inputs[0])
    return Tensor((len(columns),), [sum(col) / len(col) for col in columns]), 0


@kernel("global_maxpool")
def global_maxpool(args, inputs, w):
    columns = _channels(inputs[0])
    return Tensor((len(columns),), [max(col) for col in columns]), 0


@kernel("adaptive_avgpool2d")
def adaptive_avgpool2d(args, inputs, w):
    x = inputs[0]
    h, wd, c = x.shape
    oh, ow = per_axis(args["output"], 2)
    out = []
    for i in range(oh):
        y0, y1 = math.floor(i * h / oh), math.ceil((i + 1) * h / oh)
        for j in range(ow):
            x0, x1 = math.floor(j * wd / ow), math.ceil((j + 1) * wd / ow)
            for ch in range(c):
                values = [x.data[(y * wd + xx) * c + ch] for y in range(y0, y1) for xx in range(x0, x1)]
                out.append(sum(values) / len(values))
    return Tensor((oh, ow, c), out), 0


# -- normalisation and element-wise --------------------------------------------

@kernel("batchnorm")
def batchnorm(args, inputs, w):
    x = inputs[0]
    c = x.shape[-1]
    gamma = w.learned(c) if args.get("scale", True) else [1.0] * c
    beta = w.learned(c) if args.get("center", True) else [0.0] * c
    mean, var = w.buffer(c), w.buffer(c, 0.5, 1.5)
    scale = [gamma[i] / math.sqrt(var[i] + args["eps"]) for i in range(c)]
    return Tensor(x.shape, [(v - mean[i % c]) * scale[i % c] + beta[i % c] for i, v in enumerate(x.data)]), 0


@kernel("layernorm")
def layernorm(args, inputs, w):
    x = inputs[0]
    n = x.shape[-1]
    gamma = w.learned(n) if args.get("scale", True) else [1.0] * n
    beta = w.learned(n) if args.get("bias", True) else [0.0] * n
    out = []
    for start in range(0, len(x.data), n):
        row = x.data[start:start + n]
        mean = sum(row) / n
        var = sum((v - mean) ** 2 for v in row) / n
        out += [(v - mean) / math.sqrt(var + args["eps"]) * gamma[i] + beta[i] for i, v in enumerate(row)]
    return Tensor(x.shape, out), 0


def _softplus(v, beta, threshold):
    return v if v * beta > threshold else math.log1p(math.exp(beta * v)) / beta


def _relu6(v):
    return min(max(v, 0.0), 6.0)


def _sigmoid(v):
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


_POINTWISE = {
    "relu": lambda v, a: max(v, 0.0),
    "relu6": lambda v, a: _relu6(v),
    "leaky_relu": lambda v, a: v if v > 0 else a["negative_slope"] * v,
    "sigmoid": lambda v, a: _sigmoid(v),
    "tanh": lambda v, a: math.tanh(v),
    "gelu": lambda v, a: (0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))))
    if a.get("approximate") == "tanh" else 0.5 * v * (1 + math.erf(v / math.sqrt(2))),
    "elu": lambda v, a: v if v > 0 else a["alpha"] * math.expm1(v),
    "selu": lambda v, a: 1.0507009873554805 * (v if v > 0 else 1.6732632423543772 * math.expm1(v)),
    "celu": lambda v, a: max(0.0, v) + min(0.0, a["alpha"] * math.expm1(v / a["alpha"])),
    "mish": lambda v, a: v * math.tanh(_softplus(v, 1.0, 20.0)),
    "softplus": lambda v, a: _softplus(v, a["beta"], a["threshold"]),
    "identity": lambda v, a: v,
    "silu": lambda v, a: v * _sigmoid(v),
    "hardswish": lambda v, a: v * _relu6(v + 3) / 6,
    "hardsigmoid": lambda v, a: _relu6(v + 3) / 6,
    "dropout": lambda v, a: v,   # the identity at inference
}


def _pointwise(fn):
    def run(args, inputs, w):
        return Tensor(inputs[0].shape, [fn(v, args) for v in inputs[0].data]), 0
    return run


for _name, _fn in _POINTWISE.items():
    kernel(_name)(_pointwise(_fn))


@kernel("softmax")
def softmax(args, inputs, w):
    x = inputs[0]
    n = x.shape[-1]
    out = []
    for start in range(0, len(x.data), n):
        row = x.data[start:start + n]
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        out += [e / total for e in exps]
    return Tensor(x.shape, out), 0


# -- merges ----------------------------------------------------------------------

@kernel("add")
def add(args, inputs, w):
    first = inputs[0]
    if any(t.shape != first.shape for t in inputs):
        raise ValueError("add of different shapes: " + ", ".join(str(t.shape) for t in inputs))
    return Tensor(first.shape, [sum(values) for values in zip(*(t.data for t in inputs))]), 0


def _broadcast_index(shape, out_shape):
    """For each output position, the flat index into a tensor of `shape` broadcast to `out_shape`."""
    padded = (1,) * (len(out_shape) - len(shape)) + tuple(shape)
    strides, step = [], 1
    for n in reversed(padded):
        strides.append(step if n != 1 else 0)
        step *= n
    strides.reverse()
    index = [0]
    for n, stride in zip(out_shape, strides):
        index = [i + k * stride for i in index for k in range(n)]
    return index


@kernel("multiply")
def multiply(args, inputs, w):
    rank = max(len(t.shape) for t in inputs)
    out_shape = []
    for axis in range(rank):
        sizes = {((1,) * (rank - len(t.shape)) + t.shape)[axis] for t in inputs} - {1}
        if len(sizes) > 1:
            raise ValueError("multiply of shapes that do not broadcast")
        out_shape.append(sizes.pop() if sizes else 1)
    out = [1.0] * _size(out_shape)
    for t in inputs:
        index = _broadcast_index(t.shape, out_shape)
        out = [o * t.data[i] for o, i in zip(out, index)]
    return Tensor(tuple(out_shape), out), 0


@kernel("concat")
def concat(args, inputs, w):
    rank = len(inputs[0].shape)
    axis = args["axis"] % rank
    outer = _size(inputs[0].shape[:axis])
    blocks = [_size(t.shape[axis:]) for t in inputs]
    out = []
    for o in range(outer):
        for t, block in zip(inputs, blocks):
            out += t.data[o * block:(o + 1) * block]
    shape = list(inputs[0].shape)
    shape[axis] = sum(t.shape[axis] for t in inputs)
    return Tensor(tuple(shape), out), 0


# -- reshapes ----------------------------------------------------------------------

@kernel("flatten")
def flatten(args, inputs, w):
    return Tensor((len(inputs[0].data),), list(inputs[0].data)), 0


@kernel("reshape")
def reshape(args, inputs, w):
    target = list(args["shape"])
    if -1 in target:
        known = _size(n for n in target if n != -1)
        target[target.index(-1)] = len(inputs[0].data) // known
    return Tensor(tuple(target), list(inputs[0].data)), 0


@kernel("upsample2d")
def upsample2d(args, inputs, w):
    x = inputs[0]
    h, wd, c = x.shape
    if args.get("size") is not None:
        oh, ow = args["size"]
    else:
        sh, sw = per_axis(args["scale"], 2)
        oh, ow = h * sh, wd * sw
    out = []
    for y in range(oh):
        for xx in range(ow):
            if args.get("mode") == "bilinear":      # half-pixel centres, PyTorch's align_corners=False
                fy, fx = max((y + 0.5) * h / oh - 0.5, 0.0), max((xx + 0.5) * wd / ow - 0.5, 0.0)
                y0, x0 = min(int(fy), h - 1), min(int(fx), wd - 1)
                y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, wd - 1)
                ty, tx = fy - y0, fx - x0
                for ch in range(c):
                    def at(yy, xq):
                        return x.data[(yy * wd + xq) * c + ch]
                    top = at(y0, x0) * (1 - tx) + at(y0, x1) * tx
                    bottom = at(y1, x0) * (1 - tx) + at(y1, x1) * tx
                    out.append(top * (1 - ty) + bottom * ty)
            else:
                start = ((y * h // oh) * wd + xx * wd // ow) * c
                out += x.data[start:start + c]
    return Tensor((oh, ow, c), out), 0


# -- tokens ------------------------------------------------------------------------

@kernel("class_token")
def class_token(args, inputs, w):
    x = inputs[0]
    steps, c = x.shape
    return Tensor((steps + 1, c), list(w.learned(c)) + x.data), 0


@kernel("position_embedding")
def position_embedding(args, inputs, w):
    x = inputs[0]
    steps, c = x.shape
    rows = args.get("max_positions") or steps
    table = w.learned(rows * c)          # the first `steps` rows are used
    return Tensor(x.shape, [a + b for a, b in zip(x.data, table)]), 0


@kernel("take")
def take(args, inputs, w):
    x = inputs[0]
    steps, c = x.shape
    i = args["index"] % steps
    return Tensor((c,), x.data[i * c:(i + 1) * c]), 0
