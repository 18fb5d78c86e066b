"""Normalisation ops: Batch-, Instance-, Layer- and GroupNormalization."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..fold import axis_of
from ..values import Const
from .common import op, present

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


@op("BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization")
def normalization(t: Translator, node: Node) -> None:
    a = t.attrs()
    x = t.act(t.input(node, 0, "input"))
    if node.op_type == "LayerNormalization":
        axis = axis_of(a.integer("axis", -1), x.rank)
        if axis != x.rank - 1:
            raise t.error("LayerNormalization over more than the last axis has no rule")
        x = t.file_order(x)
        layer = {"type": "layernorm", "eps": a.number("epsilon", 1e-5), "bias": present(node, 2)}
    else:
        if x.rank < 2:
            raise t.error(f"an input of shape {list(x.shape)} where [N, C, …] was expected")
        if x.rank >= 3:
            x = t.channels_last(x)
        eps = a.number("epsilon", 1e-5)
        layer = {"BatchNormalization": {"type": "batchnorm", "eps": eps},
                 "InstanceNormalization": {"type": "instancenorm", "eps": eps, "affine": True},
                 "GroupNormalization": {"type": "groupnorm", "eps": eps, "groups": a.integer("num_groups", 1)},
                 }[node.op_type]
    if node.op_type == "InstanceNormalization" and _identity_affine(t, node):
        # GroupNorm(1) as torch exports it: a constant scale of ones and shift of zeros (the
        # learned γ and β follow as a Mul and an Add): no weights here.
        layer["affine"] = False
        t.set(node.output[0], t.emit(layer, [x], x.perm))
        return
    scale = t.values.get(node.input[1]) if len(node.input) > 1 else None
    if isinstance(scale, Const) and scale.init and node.op_type != "GroupNormalization" and scale.shape:
        axis = -1 if node.op_type == "LayerNormalization" else 1     # its scale: [C] or [.., last]
        t.check_weight(scale, len(scale.shape) - 1, x.shape[axis], f"its input's {x.shape[axis]} "
                       + ("features on the last axis" if axis == -1 else "channels"))
    layer.update(t.shared_weights(node.input[1:]))
    out = t.emit(layer, [x], x.perm)
    for name in node.input[1:]:
        found = t.values.get(name) if name else None
        if isinstance(found, Const):
            t.own(found.init, out.name)
    t.set(node.output[0], out)


def _identity_affine(t: Translator, node: Node) -> bool:
    """A scale of ones and a shift of zeros, read from small constants."""
    found = [t.values.get(name) if name else None for name in (*node.input[1:3], "", "")[:2]]
    scale, shift = (v.value if isinstance(v, Const) else None for v in found)
    if scale is None or shift is None or scale.kind != "f" or shift.kind != "f":
        return False
    return all(n == 1.0 for n in scale.data) and all(n == 0.0 for n in shift.data)
