"""Element-wise ops: activations, math, Clip, Softmax, PRelu, the binary ops (between two
activations, or an activation and a constant: a mask, a scalar, or a trained tensor) and Where."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .. import fold
from ..fold import axis_of
from ..values import VIRTUAL, Act, Const
from .common import channels_last_of, fold_node, op, present

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


# -- element-wise ------------------------------------------------------------------------

_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSigmoid": "hardsigmoid",
                "HardSwish": "hardswish", "LeakyRelu": "leaky_relu", "Elu": "elu", "Selu": "selu",
                "Celu": "celu", "Softplus": "softplus", "Mish": "mish", "Gelu": "gelu"}
_MATH = {"Sqrt": "sqrt", "Erf": "erf", "Exp": "exp", "Log": "log", "Neg": "neg", "Reciprocal": "reciprocal",
         "Abs": "abs", "Sin": "sin", "Cos": "cos"}
_FOLDED_UNARY = ("Sqrt", "Exp", "Log", "Neg", "Reciprocal", "Abs", "Sin", "Cos")


@op(*_ACTIVATIONS, *_MATH)
def unary(t: Translator, node: Node) -> None:
    if node.op_type in _FOLDED_UNARY and fold_node(t, node, lambda x: fold.unary(node.op_type, x)):
        return
    x = t.act(t.input(node, 0, "input"))
    if node.op_type in _ACTIVATIONS:
        layer: dict[str, Any] = {"type": _ACTIVATIONS[node.op_type]}
        a = t.attrs()
        if node.op_type == "LeakyRelu":
            layer["negative_slope"] = a.number("alpha", 0.01)
        if node.op_type == "Gelu" and a.text("approximate", "none") == "tanh":
            layer["approximate"] = "tanh"
    else:
        layer = {"type": "elementwise", "op": _MATH[node.op_type]}
    t.set(node.output[0], t.emit(layer, [x], x.perm))


@op("Clip")
def clip(t: Translator, node: Node) -> None:
    x = t.act(t.input(node, 0, "input"))
    a = t.attrs()
    low = float(t.small(node.input[1], "minimum").first()) if present(node, 1) else a.number("min", None)
    high = float(t.small(node.input[2], "maximum").first()) if present(node, 2) else a.number("max", None)
    if low == 0 and high == 6:
        layer: dict[str, Any] = {"type": "relu6"}
    elif low == 0 and high is None:
        layer = {"type": "relu"}
    else:
        layer = {"type": "elementwise", "op": "clip", "value": float(high if high is not None else 0.0)}
    t.set(node.output[0], t.emit(layer, [x], x.perm))


@op("Softmax", "LogSoftmax")
def softmax(t: Translator, node: Node) -> None:
    x = t.act(t.input(node, 0, "input"))
    axis = axis_of(t.attrs().integer("axis", -1), x.rank)
    if x.perm[-1] != axis:
        x = t.hold(x, (*[p for p in x.perm if p != axis], axis))
    kind = "softmax" if node.op_type == "Softmax" else "log_softmax"
    t.set(node.output[0], t.emit({"type": kind}, [x], x.perm))


@op("PRelu")
def prelu(t: Translator, node: Node) -> None:
    x = t.act(t.input(node, 0, "input"))
    slope = t.const(t.input(node, 1, "slope"), "slope")
    layer = {"type": "prelu", "per_channel": slope.size > 1}
    if slope.size > 1:
        x = channels_last_of(t, x)
    out = t.emit(layer, [x], x.perm)
    t.own(slope.init, out.name)
    t.set(node.output[0], out)


def _learned(value: Const) -> bool:
    """An initializer that holds trained numbers (a bias, a table, a scale), not a mask or a constant."""
    if value.init is None or value.size <= 1:
        return False
    if value.value is not None:
        v = value.value
        if v.kind != "f":
            return False
        finite = [n for n in v.data if math.isfinite(n)]
        # A mask: only 0, 1 and "minus infinity" (-inf, or the dtype's lowest, as exporters write it)
        if len(finite) < v.size or all(n in (0.0, 1.0) or n <= -1e30 for n in finite):
            return False
    return True


@op("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min")
def binary(t: Translator, node: Node) -> None:
    if fold_node(t, node, lambda x, y: fold.binary(node.op_type, x, y)):
        return
    if len([n for n in node.input if n]) != 2:
        raise t.error(f"{len(node.input)} inputs where two were expected")
    a, b = (t.value(t.input(node, i, "operand")) for i in (0, 1))
    if isinstance(a, Act) and isinstance(b, Act):
        _two_activations(t, node, a, b)
    elif isinstance(a, Act) and isinstance(b, Const):
        _activation_and_constant(t, node, a, b, constant_first=False)
    elif isinstance(b, Act) and isinstance(a, Const):
        _activation_and_constant(t, node, b, a, constant_first=True)


def _two_activations(t: Translator, node: Node, a: Act, b: Act) -> None:
    if b.rank == a.rank:
        b = t.hold(b, a.perm)
    if a.rank != b.rank:
        a, b = t.file_order(a), t.file_order(b)
    if node.op_type in ("Add", "Sub") and a.shape == b.shape:
        layer = {"type": "add" if node.op_type == "Add" else "subtract"}
    else:
        # Products, quotients, powers and broadcast sums: one FLOP per element, no weights,
        # as a broadcasting multiply counts them.
        layer = {"type": "multiply"}
    t.set(node.output[0], t.emit(layer, [a, b], a.perm if a.rank >= b.rank else b.perm))


def _activation_and_constant(t: Translator, node: Node, x: Act, c: Const, constant_first: bool) -> None:
    # The layer's output is its activation's shape: a constant that would enlarge it is refused.
    grown = fold.broadcast(x.shape, c.shape)
    if grown != x.shape and grown[1:] != x.shape[1:] and c.size != 1:
        raise t.error(f"a constant of shape {list(c.shape)} broadcasts {list(x.shape)} to a larger tensor")
    if _learned(c) and (node.op_type in ("Add", "Sub") or _channel_vector(x, c)):
        _learned_operand(t, node, x, c)
        return
    ops = {"Add": "add", "Sub": "subtract", "Mul": "multiply", "Div": "divide", "Pow": "power",
           "Max": "clip", "Min": "clip"}
    if c.size == 1 and c.value is not None:
        layer = {"type": "elementwise", "op": ops[node.op_type], "value": float(c.value.first())}
    else:
        layer = {"type": "elementwise", "op": "mask"}     # a constant tensor (a causal mask): no weights
    t.set(node.output[0], t.emit(layer, [x], x.perm))


def _channel_vector(x: Act, c: Const) -> bool:
    """A constant that is one value per channel (ConvNeXt's γ): a trained scale. Any other
    constant a product meets (RoPE's cos and sin tables, masks) is not a parameter."""
    vector = tuple(n for n in c.shape if n != 1)
    return len(vector) == 1 and x.rank >= 1 and (vector[0] == x.shape[-1] or (x.rank >= 3 and vector[0] == x.shape[1]))


def _held_elsewhere(t: Translator, c: Const) -> dict[str, Any]:
    """`shares` the layer that already holds this whole initializer (a class token put in front
    and also added later): one initializer counts once, whichever kinds of node read it."""
    owner = t.weight_owner.get(c.init) if c.init else None
    if owner is None:
        return {}
    # Sharing hands this layer the owner's weights whole: the owner must hold nothing else.
    if [init for init, holder in t.weight_owner.items() if holder == owner] != [c.init]:
        raise t.error(f"initializer '{c.init}' is also part of layer '{owner}''s weights; a layer reading "
                      "part of another's weights has no rule")
    return {"shares": owner}


def _learned_operand(t: Translator, node: Node, x: Act, c: Const) -> None:
    """A trained tensor added to or multiplying an activation: a position table or a per-channel scale."""
    vector = tuple(n for n in c.shape if n != 1)
    last = len(vector) == 1 and x.rank >= 1 and vector[0] == x.shape[-1] and (not c.shape or c.shape[-1] == vector[0])
    second = len(vector) == 1 and x.rank >= 3 and vector[0] == x.shape[1] and not last
    if node.op_type == "Mul" and (last or second):
        if second and x.batch_axis == VIRTUAL:
            # A batch merged into the first axis (windows run as a batch, Swin-V2's per-head
            # logit scale): that axis stays, only the scaled axis goes last.
            x = t.hold(x, (VIRTUAL, 0, *range(2, x.rank), 1))
        else:
            x = channels_last_of(t, x) if second else t.file_order(x)
        out = t.emit({"type": "layer_scale", **_held_elsewhere(t, c)}, [x], x.perm)
    elif (node.op_type == "Add" and x.rank == 3 and c.size == x.shape[1] * x.shape[2]
          and (c.table is None or (len(c.table) == 2 and c.table[1] == x.shape[2] and c.table[0] >= x.shape[1]))):
        # A table is [T, C] per sample: a batch of one folded away on the way here (a reshape to
        # [-1, T, D], CaiT's class attention) is put back in front, where the table expects it.
        x = t.hold(x, (0, 1, 2)) if x.batch_axis == VIRTUAL else t.file_order(x)
        rows = c.table[0] if c.table is not None else x.shape[1]
        out = t.emit({"type": "position_embedding", "max_positions": rows, **_held_elsewhere(t, c)}, [x], x.perm)
    elif node.op_type in ("Add", "Sub"):
        # Any other trained tensor added on (Swin's relative position bias on the scores): its
        # elements are parameters — the whole table it was picked from, when it was.
        table = list(c.table) if c.table is not None else list(c.shape)
        out = t.emit({"type": "learned_bias", "shape": table, **_held_elsewhere(t, c)}, [x], x.perm)
    else:
        raise t.error(f"{node.op_type} of an activation {list(x.shape)} and a trained tensor of shape "
                      f"{list(c.shape)} has no rule (additions, position tables and per-channel scales have)")
    t.own(c.init, out.name)
    t.set(node.output[0], out)


@op("Where")
def where(t: Translator, node: Node) -> None:
    if fold_node(t, node, fold.where):
        return
    condition = t.value(t.input(node, 0, "condition"))
    acts = [t.value(t.input(node, i, "operand")) for i in (1, 2)]
    x = next((v for v in acts if isinstance(v, Act)), None)
    if x is None or isinstance(condition, Act):
        raise t.error("a Where whose condition is computed has no rule")
    t.set(node.output[0], t.emit({"type": "elementwise", "op": "where"}, [x], x.perm))
