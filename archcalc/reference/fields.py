"""The reference for receptive fields: which input positions each output position depends on,
followed exactly, position by position.

Independent of the analysis: no rule and no field transfer is called. Each kernel below
follows its operation's own indexing (a convolution's taps, a transposed convolution's
scatter, PyTorch's interpolation formulas, Swin's rolled and masked windows) over sets of
input positions, held as Python integers used as bit sets (bit p: input position p). Along
each spatial axis, every position holds its own set; the sets are exact (padding reads
nothing), so the analysis's unclipped fields are compared where they lie inside the input.

As in the analysis, a position holds all its channels, and an axis that merges several input
axes or positions with channels (a flatten, a reshape of H×W into tokens) is followed as one
set per input axis (`Merged`). Output shapes come from the analysis (the value pass of
`archcalc verify` proves them); the sets do not depend on any other figure of it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, NamedTuple

from .kernels import pads, per_axis


class Positions(NamedTuple):
    """A spatial axis: for each of its positions, the set of positions of input axis `source`."""
    source: int
    sets: list[int]


class Merged(NamedTuple):
    """An axis followed as a whole: per input axis, the union of its positions' sets."""
    sets: dict[int, int]


class Dep(NamedTuple):
    shape: tuple[int, ...]
    axes: list[Positions | Merged | None]     # None: channels
    every: dict[int, int]                     # input axis -> positions every position depends on


DEP_KERNELS: dict[str, Callable[..., Dep]] = {}


def dep_kernel(*types: str):
    def register(fn):
        for name in types:
            DEP_KERNELS[name] = fn
        return fn
    return register


def _union(*groups: dict[int, int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for group in groups:
        for source, bits in group.items():
            out[source] = out.get(source, 0) | bits
    return out


def _whole(entry: Positions | Merged) -> dict[int, int]:
    if isinstance(entry, Merged):
        return dict(entry.sets)
    bits = 0
    for s in entry.sets:
        bits |= s
    return {entry.source: bits}


def _read(dep: Dep, axis: int, out_length: int, taps: Callable[[int], list[int]]) -> Dep:
    """Axis `axis` rebuilt: output position o reads input positions taps(o) (those that exist)."""
    entry = dep.axes[axis]
    axes = list(dep.axes)
    if isinstance(entry, Positions):
        n = len(entry.sets)
        sets = []
        for o in range(out_length):
            bits = 0
            for i in taps(o):
                if 0 <= i < n:
                    bits |= entry.sets[i]
            sets.append(bits)
        axes[axis] = Positions(entry.source, sets)
    return Dep(dep.shape, axes, dep.every)


def _gather(dep: Dep, axes: list[int], keep: bool = False) -> Dep:
    extra = [_whole(e) for a in axes if (e := dep.axes[a]) is not None]
    rest = [None if a in axes else e for a, e in enumerate(dep.axes) if keep or a not in axes]
    return Dep(dep.shape, rest, _union(dep.every, *extra))


def _spread(dep: Dep, axes: list[int]) -> Dep:
    out = list(dep.axes)
    extra = []
    for a in axes:
        entry = out[a]
        if isinstance(entry, Positions):
            (bits,) = _whole(entry).values()
            out[a] = Positions(entry.source, [bits] * len(entry.sets))
        elif isinstance(entry, Merged):
            extra.append(entry.sets)
    return Dep(dep.shape, out, _union(dep.every, *extra))


def run_dependencies(nodes, sources, shapes, inputs) -> list[Dep]:
    """Every layer's dependency sets, in the order of `nodes` (the analysis's wiring: model
    input k at position -1 - k)."""
    starts = []
    count = 0
    for _, shape in inputs:
        spatial = len(shape) - 1 if len(shape) > 1 else 1
        axes: list[Positions | Merged | None] = []
        for axis, n in enumerate(shape):
            if axis < spatial:
                axes.append(Positions(count, [1 << p for p in range(n)]))
                count += 1
            else:
                axes.append(None)
        starts.append(Dep(tuple(shape), axes, {}))
    deps: list[Dep] = [Dep((), [], {})] * len(nodes) + starts[::-1]
    for i, node in enumerate(nodes):
        ins = [deps[j] for j in sources[i]]
        out = DEP_KERNELS[node.type](node.args, ins, tuple(shapes[i]))
        deps[i] = out._replace(shape=tuple(shapes[i]))
    return deps[:len(nodes)]


# -- element by element, or along the channels --------------------------------------------

@dep_kernel("relu", "relu6", "leaky_relu", "sigmoid", "tanh", "silu", "hardswish", "hardsigmoid", "elu", "selu",
            "celu", "mish", "softplus", "gelu", "identity", "prelu", "dropout", "batchnorm", "layer_scale",
            "rescale", "elementwise", "learned_bias", "position_embedding", "normalize")
def same(args, ins, out):
    return ins[0]


@dep_kernel("dense", "layernorm", "rmsnorm", "softmax", "log_softmax")
def along_last(args, ins, out):
    dep = ins[0]
    last = len(dep.axes) - 1
    return dep if dep.axes[last] is None else _gather(dep, [last], keep=True)


@dep_kernel("groupnorm")
def over_positions_kept(args, ins, out):
    return _spread(ins[0], list(range(len(ins[0].shape) - 1)))


@dep_kernel("instancenorm")
def instancenorm(args, ins, out):
    return same(args, ins, out) if args["track_running_stats"] else over_positions_kept(args, ins, out)


@dep_kernel("global_avgpool", "global_maxpool")
def global_pool(args, ins, out):
    return _gather(ins[0], list(range(len(ins[0].shape) - 1)))


@dep_kernel("embedding")
def embedding(args, ins, out):
    return Dep(out, ins[0].axes + [None], ins[0].every)


# -- windows ------------------------------------------------------------------------------

def _windowed(args, ins, out, axes: int, stride=None, dilated=True):
    dep = ins[0]
    lengths = dep.shape[:axes]
    kernels = per_axis(args["kernel"], axes)
    strides = per_axis(stride if stride is not None else args["stride"], axes)
    dilations = per_axis(args["dilation"], axes) if dilated else (1,) * axes
    for axis, (k, s, d, (before, _)) in enumerate(zip(kernels, strides, dilations,
                                                      pads(args["padding"], lengths, kernels, strides, dilations))):
        dep = _read(dep, axis, out[axis], _taps(k, s, d, before))
    return dep


def _taps(k: int, s: int, d: int, before: int) -> Callable[[int], list[int]]:
    """A window's reads: output o reads o·s − before + j·d for each tap j."""
    return lambda o: [o * s - before + j * d for j in range(k)]


def _sliding_kernel(axes: int, pooling: bool) -> Callable[..., Dep]:
    def run(args, ins, out):
        if pooling:
            stride = args["stride"] if args["stride"] is not None else args["kernel"]
            return _windowed(args, ins, out, axes, stride=stride, dilated=False)
        return _windowed(args, ins, out, axes)
    return run


for _n in (1, 2, 3):
    dep_kernel(f"conv{_n}d")(_sliding_kernel(_n, pooling=False))
    dep_kernel(f"maxpool{_n}d", f"avgpool{_n}d")(_sliding_kernel(_n, pooling=True))
dep_kernel("depthwise_conv2d")(_sliding_kernel(2, pooling=False))


@dep_kernel("locally_connected2d")
def locally_connected(args, ins, out):
    return _windowed(args, ins, out, 2, dilated=False)


def _transposed(args, ins, out, axes: int):
    """Scatter: input i, tap j writes output i·s − p + j·d."""
    dep = ins[0]
    for axis in range(axes):
        entry = dep.axes[axis]
        if not isinstance(entry, Positions):
            continue
        k, s, p, d = (per_axis(args[name], axes)[axis] for name in ("kernel", "stride", "padding", "dilation"))
        sets = [0] * out[axis]
        for i, bits in enumerate(entry.sets):
            for j in range(k):
                o = i * s - p + j * d
                if 0 <= o < out[axis]:
                    sets[o] |= bits
        axes_ = list(dep.axes)
        axes_[axis] = Positions(entry.source, sets)
        dep = Dep(dep.shape, axes_, dep.every)
    return dep


def _transposed_kernel(axes: int) -> Callable[..., Dep]:
    return lambda args, ins, out: _transposed(args, ins, out, axes)


for _n in (1, 2, 3):
    dep_kernel(f"conv_transpose{_n}d")(_transposed_kernel(_n))


@dep_kernel("adaptive_avgpool2d")
def adaptive(args, ins, out):
    dep = ins[0]
    for axis in (0, 1):
        n, o_len = dep.shape[axis], out[axis]
        dep = _read(dep, axis, o_len, lambda o, n=n, m=o_len: list(range(o * n // m, -(-(o + 1) * n // m))))
    return dep


@dep_kernel("upsample2d")
def upsample(args, ins, out):
    dep = ins[0]
    for axis in (0, 1):
        n, m = dep.shape[axis], out[axis]
        if args["mode"] == "nearest":
            dep = _read(dep, axis, m, lambda o, n=n, m=m: [o * n // m])
        else:
            def taps(o, n=n, m=m):
                x = max(Fraction(2 * o + 1, 2) * Fraction(n, m) - Fraction(1, 2), Fraction(0))
                first = x.numerator // x.denominator
                return [first, min(first + 1, n - 1)] if x != first else [first]
            dep = _read(dep, axis, m, taps)
    return dep


@dep_kernel("pixel_shuffle")
def pixel_shuffle(args, ins, out):
    r, dep = args["factor"], ins[0]
    for axis in (0, 1):
        dep = _read(dep, axis, out[axis], lambda o: [o // r])
    return dep


@dep_kernel("pixel_unshuffle")
def pixel_unshuffle(args, ins, out):
    r, dep = args["factor"], ins[0]
    for axis in (0, 1):
        dep = _read(dep, axis, out[axis], lambda o: [o * r + j for j in range(r)])
    return dep


@dep_kernel("pad")
def pad(args, ins, out):
    dep, padding = ins[0], args["padding"]
    pairs = (((padding, padding),) * (len(dep.shape) - 1) + ((0, 0),)) if isinstance(padding, int) else padding
    for axis, (before, _) in enumerate(pairs):
        dep = _read(dep, axis, out[axis], lambda o, b=before: [o - b])
    return dep


def _listed(value, count):
    return list(value) if isinstance(value, (list, tuple)) else [value] * count


@dep_kernel("slice")
def slice_(args, ins, out):
    dep = ins[0]
    axes = _listed(args["axis"], 1)
    starts, stops, steps = (_listed(args[k], len(axes)) for k in ("start", "stop", "step"))
    for axis, start, stop, step in zip(axes, starts, stops, steps):
        axis %= len(dep.shape)
        picked = list(range(dep.shape[axis]))[start:stop:step]
        dep = _read(dep, axis, len(picked), lambda o, picked=picked: [picked[o]])
    return dep


@dep_kernel("roll")
def roll(args, ins, out):
    dep = ins[0]
    for shift, axis in zip(_listed(args["shift"], 1), _listed(args["axis"], 1)):
        axis %= len(dep.shape)
        n = dep.shape[axis]
        dep = _read(dep, axis, n, lambda o, n=n, shift=shift: [(o - shift) % n])
    return dep


@dep_kernel("permute")
def permute(args, ins, out):
    axes = _listed(args["axes"], 1)
    return Dep(out, [ins[0].axes[a] for a in axes], ins[0].every)


@dep_kernel("class_token")
def class_token(args, ins, out):
    return _read(ins[0], 0, out[0], lambda o: [o - 1])


@dep_kernel("take")
def take(args, ins, out):
    dep = ins[0]
    entry = dep.axes[0]
    index = args["index"] % dep.shape[0]
    got = {} if entry is None else {entry.source: entry.sets[index]} if isinstance(entry, Positions) else entry.sets
    return Dep(out, dep.axes[1:], _union(dep.every, got))
