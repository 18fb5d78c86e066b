"""Normalisations and pooling."""

from __future__ import annotations

from typing import Any

from ..capture import Op
from ..translate import Refused, Translator
from ..values import VIRTUAL, Act
from .common import handles, held_or_none, ints, spec_axis


@handles("batch_norm", "_native_batch_norm_legit_no_training", "_native_batch_norm_legit_functional",
         "native_batch_norm", "cudnn_batch_norm")
def batch_norm(t: Translator, op: Op) -> Act:
    x = t.channels_last(t.act(op.args[0]))
    held = [held_or_none(t, op, i, name) for i, name in enumerate(("weight", "bias", "running_mean", "running_var"),
                                                                    start=1)]
    weight, bias, mean, _ = held
    if mean is None:
        raise Refused("batch normalisation without running statistics (track_running_stats=False): not supported")
    return t.emit({"type": "batchnorm", "scale": weight is not None, "center": bias is not None}, [x], x.perm,
                  held=[h for h in held if h is not None])


@handles("layer_norm")
def layer_norm(t: Translator, op: Op) -> Act:
    x = t.torch_order(t.act(op.args[0]))
    normalized = t.arg(op, 1, "normalized_shape")
    weight, bias = held_or_none(t, op, 2, "weight"), held_or_none(t, op, 3, "bias")
    if len(normalized) != 1:
        raise Refused(f"a layer norm over {len(normalized)} axes: archcalc normalises the last axis")
    if weight is None and bias is not None:
        raise Refused("a layer norm with a shift and no scale")
    return t.emit({"type": "layernorm", "scale": weight is not None, "bias": bias is not None,
                   "eps": float(t.arg(op, 4, "eps", 1e-5))}, [x], x.perm,
                  held=[h for h in (weight, bias) if h is not None])


@handles("group_norm")
def group_norm(t: Translator, op: Op) -> Act:
    x = t.channels_last(t.act(op.args[0]))
    weight, bias = held_or_none(t, op, 2, "weight"), held_or_none(t, op, 3, "bias")
    if (weight is None) != (bias is None):
        raise Refused("a group norm with only one of scale and shift")
    return t.emit({"type": "groupnorm", "groups": int(t.arg(op, 1, "num_groups")), "affine": weight is not None},
                  [x], x.perm, held=[h for h in (weight, bias) if h is not None])


def _pool(t: Translator, op: Op, kind: str) -> Act:
    x = t.channels_last(t.act(op.args[0]))
    kernel = ints(t.arg(op, 1, "kernel_size"))
    stride = t.arg(op, 2, "stride", None) or kernel
    padding = ints(t.arg(op, 3, "padding", 0))
    if kind == "max":
        if t.arg(op, 4, "dilation", 1) not in (1, [1, 1], [1], [1, 1, 1], (1, 1)):
            raise Refused("a dilated max pooling: not supported")
        ceil = bool(t.arg(op, 5, "ceil_mode", False))
    else:
        ceil = bool(t.arg(op, 4, "ceil_mode", False))
    axes = x.rank - 2
    return t.emit({"type": f"{kind}pool{axes}d", "kernel": kernel, "stride": ints(stride), "padding": padding,
                   "ceil_mode": ceil}, [x], x.perm)


@handles("max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices")
def max_pool(t: Translator, op: Op) -> Any:
    out = _pool(t, op, "max")
    return (out, None) if op.target.endswith("indices") else out


@handles("avg_pool1d", "avg_pool2d", "avg_pool3d")
def avg_pool(t: Translator, op: Op) -> Act:
    return _pool(t, op, "avg")


@handles("adaptive_avg_pool2d", "_adaptive_avg_pool2d")
def adaptive_avg_pool(t: Translator, op: Op) -> Act:
    x = t.channels_last(t.act(op.args[0]))
    size = t.arg(op, 1, "output_size")
    output = [int(n) if n is not None else x.shape[2 + i] for i, n in enumerate(size)] \
        if isinstance(size, (list, tuple)) else [int(size)] * 2
    return t.emit({"type": "adaptive_avgpool2d", "output": output}, [x], x.perm)


@handles("mean", "sum", "amax", "amin")
def reduce(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    dims = t.arg(op, 1, "dim")
    if dims is None or dims == []:
        raise Refused("a reduction over every axis, the batch's too")
    dims = [dims] if isinstance(dims, int) else list(dims)
    keep = bool(t.arg(op, 2, "keepdim", False))
    axes = sorted(spec_axis(x, d) for d in dims)
    kind = {"mean": "mean", "sum": "sum", "amax": "max", "amin": "min"}[op.target]
    if keep:
        return t.emit({"type": "reduce", "op": kind, "axis": axes, "keepdims": True}, [x], x.perm)
    gone = {d % x.rank for d in dims}
    kept = [a for a in range(x.rank) if a not in gone]
    perm = [kept.index(a) if a != VIRTUAL else a for a in x.perm if a not in gone]
    return t.emit({"type": "reduce", "op": kind, "axis": axes}, [x], perm)
