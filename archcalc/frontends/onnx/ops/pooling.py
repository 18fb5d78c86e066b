"""Pooling, reductions, resizing and padding."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .. import fold
from ..fold import Element, axis_of
from ..values import VIRTUAL, Act, Const
from .common import axes_of, channels_last_of, fold_node, ints_of, op, present, slice_act, spatial_input
from .conv import geometry

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


# -- pooling and resizing ------------------------------------------------------------------

@op("MaxPool", "AveragePool")
def pool(t: Translator, node: Node) -> None:
    x = spatial_input(t, node)
    a = t.attrs()
    spatial = x.rank - 2
    layer: dict[str, Any] = {"type": f"{'max' if node.op_type == 'MaxPool' else 'avg'}pool{spatial}d",
             **geometry(t, node, spatial, a.integers("kernel_shape"))}
    if "dilation" in layer:
        raise t.error("a dilated pooling window has no rule")
    ceil_mode = bool(a.integer("ceil_mode", 0))
    if ceil_mode:
        layer["ceil_mode"] = True
    t.set(node.output[0], t.emit(layer, [x], x.perm))


def global_pool_act(t: Translator, x: Act, kind: str) -> Act:
    """Global pooling keeping ONNX's size-1 spatial axes: [N, C, 1, 1] held as [1, 1, C]."""
    x = channels_last_of(t, x)
    pooled = t.emit({"type": f"global_{kind}pool"}, [x])
    ones = (1,) * (x.rank - 2)
    return t.emit({"type": "reshape", "shape": [*ones, x.shape[1]]}, [pooled], x.perm, hint=f"{pooled.name}_keepdims")


@op("GlobalAveragePool", "GlobalMaxPool")
def global_pool(t: Translator, node: Node) -> None:
    t.set(node.output[0], global_pool_act(t, t.act(t.input(node, 0, "input")),
                                  "avg" if node.op_type == "GlobalAveragePool" else "max"))


# Norms as the element-wise steps around a sum (cosine attention's F.normalize is a ReduceL2):
# the op, the step before the sum, the step after it.
_NORMS: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
    "ReduceL2": ({"type": "elementwise", "op": "power", "value": 2.0}, {"type": "elementwise", "op": "sqrt"}),
    "ReduceSumSquare": ({"type": "elementwise", "op": "power", "value": 2.0}, None),
    "ReduceL1": ({"type": "elementwise", "op": "abs"}, None),
}


@op("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", *_NORMS)
def reduce(t: Translator, node: Node) -> None:
    kind = "sum" if node.op_type in _NORMS else node.op_type[len("Reduce"):].lower()
    x = t.value(t.input(node, 0, "input"))
    axes = axes_of(t, node)
    keep = bool(t.attrs().integer("keepdims", 1))
    if isinstance(x, Const):
        if node.op_type in _NORMS or not fold_node(t, node, lambda v, *rest: fold.reduce(kind, v, axes, keep)):
            raise t.error("a reduction of a large constant" if node.op_type not in _NORMS else
                          f"a {node.op_type} of a constant has no rule")
        return
    axes = sorted({axis_of(a, x.rank) for a in axes}) if axes else list(range(1, x.rank))
    if x.batch_axis in axes or not axes:      # the batch where the activation holds it (a stack puts it second)
        raise t.error("a reduction over the batch axis")
    if kind in ("mean", "max") and keep and x.rank >= 3 and axes == list(range(2, x.rank)):
        t.set(node.output[0], global_pool_act(t, x, "avg" if kind == "mean" else "max"))
        return
    before, after = _NORMS.get(node.op_type, (None, None))
    if before is not None:
        x = t.emit(dict(before), [x], x.perm, hint=f"{node.name or 'reduce'}_{before['op']}")
    ours = [x.perm.index(a) - 1 for a in axes]
    if keep:
        perm = x.perm
    else:
        remaining = [a for a in range(x.rank) if a not in axes]
        perm = tuple(remaining.index(p) if p != VIRTUAL else VIRTUAL for p in x.perm if p not in axes)
    out = t.emit({"type": "reduce", "op": kind, "axis": ours, "keepdims": keep}, [x], perm)
    if after is not None:
        out = t.emit(dict(after), [out], out.perm, hint=f"{node.name or 'reduce'}_{after['op']}")
    t.set(node.output[0], out)


@op("Resize", "Upsample")
def resize(t: Translator, node: Node) -> None:
    x = spatial_input(t, node)
    if x.rank != 4:
        raise t.error("resizing other than the H and W of an [N, C, H, W] tensor has no rule")
    mode = t.attrs().text("mode", "nearest")
    scales: list[Element] | None = None
    sizes: list[int] | None = None
    if node.op_type == "Upsample":
        scales = t.small(t.input(node, 1, "scales"), "scales").data
    else:
        if present(node, 2) and t.small(node.input[2], "scales").size:
            scales = t.small(node.input[2], "scales").data
        if present(node, 3):
            sizes = ints_of(t, node, 3, "sizes")
    given = sizes if sizes is not None else scales
    if given is None or len(given) != 4:
        raise t.error("a Resize needs four scales or four sizes")
    layer: dict[str, Any] = {"type": "upsample2d", "mode": "bilinear" if mode == "linear" else "nearest"}
    if sizes is not None:
        if min(sizes) < 1:
            raise t.error(f"sizes {sizes}")
        layer["size"] = sizes[2:]
    else:
        factors = [float(s) for s in given[2:]]
        if not all(math.isfinite(f) and f > 0 for f in factors):
            raise t.error(f"scales {list(given)}")
        if any(f != int(f) for f in factors):
            layer["size"] = [int(n * f) for n, f in zip(x.shape[2:], factors)]
        else:
            layer["scale"] = [int(f) for f in factors]
    t.set(node.output[0], t.emit(layer, [x], x.perm))


@op("Pad")
def pad(t: Translator, node: Node) -> None:
    x = t.act(t.input(node, 0, "input"))
    pads = ints_of(t, node, 1, "pads")
    mode = t.attrs().text("mode", "constant")
    if mode != "constant":
        raise t.error(f"padding in mode '{mode}' has no rule (only constant padding has; its counts would be "
                      "the same, the receptive fields at the border not)")
    if present(node, 3):
        raise t.error("padding some axes only (an axes input) has no rule")
    rank = x.rank
    if len(pads) != 2 * rank:
        raise t.error(f"{len(pads)} pads for a rank-{rank} tensor")
    befores, afters = pads[:rank], pads[rank:]
    batch = x.batch_axis
    if batch != VIRTUAL and (befores[batch] or afters[batch]):
        raise t.error("padding the batch axis has no rule")
    # A negative amount crops (NASNet's ZeroPad2d((-1, 1, -1, 1)) shifts by one): a slice first.
    for axis in range(rank):
        if befores[axis] < 0 or afters[axis] < 0:
            x = slice_act(t, x, axis, -min(befores[axis], 0), x.shape[axis] + min(afters[axis], 0),
                          name=f"{node.name or 'pad'}_crop")
    befores, afters = [max(p, 0) for p in befores], [max(p, 0) for p in afters]
    if not any(befores + afters):
        t.set(node.output[0], x)
        return
    value = float(t.small(node.input[2], "value").first()) if present(node, 2) else 0.0
    pairs = [[befores[p], afters[p]] for p in x.perm[1:]]
    t.set(node.output[0], t.emit({"type": "pad", "padding": pairs, "value": value}, [x], x.perm))
