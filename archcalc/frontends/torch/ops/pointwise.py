"""Activations, element-wise arithmetic and dropout."""

from __future__ import annotations

from typing import Any

from ..capture import Op
from ..translate import Refused, Translator
from ..values import Act, Held
from .common import handles, passes

ACTIVATIONS = {"relu": "relu", "relu6": "relu6", "sigmoid": "sigmoid", "tanh": "tanh", "silu": "silu",
               "hardswish": "hardswish", "hardsigmoid": "hardsigmoid", "mish": "mish", "elu": "elu", "selu": "selu",
               "celu": "celu", "softplus": "softplus", "leaky_relu": "leaky_relu", "prelu": "prelu"}
FUNCTIONS = {"sqrt": "sqrt", "rsqrt": "reciprocal", "reciprocal": "reciprocal", "exp": "exp", "log": "log",
             "erf": "erf", "neg": "neg", "abs": "abs", "sin": "sin", "cos": "cos"}


def _activation(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    kind = ACTIVATIONS[op.target.rstrip("_")]
    layer: dict[str, Any] = {"type": kind}
    if kind == "leaky_relu":
        layer["negative_slope"] = float(t.arg(op, 1, "negative_slope", 0.01))
    return t.emit(layer, [x], x.perm)


for _name in ACTIVATIONS:
    handles(_name, _name + "_")(_activation)


@handles("hardtanh", "hardtanh_")
def hardtanh(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    low, high = t.arg(op, 1, "min_val", -1.0), t.arg(op, 2, "max_val", 1.0)
    if (low, high) == (0, 6):
        return t.emit({"type": "relu6"}, [x], x.perm)
    raise Refused(f"hardtanh between {low} and {high}: archcalc has relu6 (0 to 6) only")


@handles("gelu", "gelu_")
def gelu(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    return t.emit({"type": "gelu", "approximate": t.arg(op, 1, "approximate", "none")}, [x], x.perm)


@handles("softmax", "_softmax", "log_softmax", "_log_softmax")
def softmax(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    dim = t.arg(op, 1, "dim") % x.rank
    if x.perm[-1] != dim:
        x = t.hold(x, (*[a for a in x.perm if a != dim], dim))     # the axis it normalises last
    return t.emit({"type": "log_softmax" if "log" in op.target else "softmax"}, [x], x.perm)


@handles("dropout", "dropout_", "feature_dropout", "alpha_dropout", "native_dropout")
def dropout(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    return t.emit({"type": "dropout", "rate": float(t.arg(op, 1, "p", 0.5))}, [x], x.perm)


for _name in ("clone", "contiguous", "detach", "alias", "lift_fresh_copy", "_assert_tensor_metadata", "to",
              "_to_copy", "type_as"):
    handles(_name)(passes)


def _aligned(t: Translator, a: Act, b: Act) -> tuple[Act, Act]:
    """Two tensors of one rank held in one axis order (broadcast operands line up)."""
    if a.rank != b.rank:
        raise Refused(f"operands of rank {a.rank} and {b.rank}: archcalc broadcasts tensors of one rank")
    return a, t.hold(b, a.perm)


@handles("add", "add_", "sub", "sub_", "rsub")
def add(t: Translator, op: Op) -> Any:
    left, right = t.value(op.args[0]), t.value(op.args[1])
    alpha = t.arg(op, 2, "alpha", 1)
    subtract = op.target.startswith("sub") or op.target == "rsub"
    if isinstance(left, Held) and isinstance(right, Act) and not subtract:
        left, right = right, left
    if isinstance(left, Act) and isinstance(right, Act) and alpha == 1:
        if op.target == "rsub":
            left, right = right, left
        a, b = _aligned(t, left, right)
        if a.shape != b.shape:
            raise Refused(f"operands {list(a.shape)} and {list(b.shape)} broadcast: archcalc adds tensors of one shape")
        return t.emit({"type": "subtract" if subtract else "add"}, [a, b], a.perm)
    if isinstance(left, Act) and isinstance(right, Held) and not subtract:
        return _add_held(t, left, right)
    if isinstance(left, Act) and isinstance(right, (int, float)) and not isinstance(right, bool):
        value = -right * alpha if subtract and op.target != "rsub" else right * alpha
        return t.emit({"type": "elementwise", "op": "add", "value": float(value)}, [left], left.perm)
    if isinstance(left, Act) and isinstance(right, Held):
        return t.emit({"type": "elementwise", "op": "subtract"}, [left], left.perm)
    raise Refused(f"operands {_describe(left)} and {_describe(right)}")


def _add_held(t: Translator, x: Act, table: Held) -> Act:
    """x + a tensor of the model's: a learned position table on a [N, T, C] sequence, other
    parameters as a learned bias (params: the tensor's elements), a buffer as a constant."""
    if table.kind != "parameter":
        return t.emit({"type": "elementwise", "op": "add"}, [x], x.perm)
    if x.rank == 3 and table.shape == (1, *x.shape[1:]) and table.base == table.shape:
        x = t.torch_order(x)
        return t.emit({"type": "position_embedding", "max_positions": table.shape[1]}, [x], x.perm, held=[table])
    return t.emit({"type": "learned_bias", "shape": list(table.base)}, [x], x.perm, held=[table])


@handles("mul", "mul_", "div", "div_")
def multiply(t: Translator, op: Op) -> Any:
    left, right = t.value(op.args[0]), t.value(op.args[1])
    divide = op.target.startswith("div")
    if isinstance(left, (Held, int, float)) and isinstance(right, Act) and not divide:
        left, right = right, left
    if isinstance(left, Act) and isinstance(right, Act):
        # a quotient of two tensors counts as their product does (one FLOP an element, no
        # weights), as the ONNX door writes it too (EfficientViT's linear attention divides)
        a, b = _aligned(t, left, right)
        return t.emit({"type": "multiply"}, [a, b], a.perm)
    if isinstance(left, Act) and isinstance(right, (int, float)) and not isinstance(right, bool):
        return t.emit({"type": "elementwise", "op": "divide" if divide else "multiply", "value": float(right)},
                      [left], left.perm)
    if isinstance(left, Act) and isinstance(right, Held):
        return _multiply_held(t, left, right, divide)
    raise Refused(f"operands {_describe(left)} and {_describe(right)}")


def _multiply_held(t: Translator, x: Act, factor: Held, divide: bool) -> Act:
    """x · a parameter of one factor per channel (ConvNeXt's layer scale [C, 1, 1] or [C]):
    `layer_scale`; a buffer or constant: element-wise with a constant."""
    if factor.kind != "parameter":
        return t.emit({"type": "elementwise", "op": "divide" if divide else "multiply"}, [x], x.perm)
    sizes = [n for n in factor.shape if n != 1]
    # the whole parameter, perhaps reshaped (timm's gamma.reshape(1, -1, 1, 1)); not rows gathered from it
    whole = [n for n in factor.base if n != 1] == sizes
    if divide or len(sizes) != 1 or not whole:
        raise Refused(f"a product with the parameter '{factor.source}' {list(factor.shape)}: archcalc has a rule "
                      "for one learned factor per channel only")
    axis = len(x.shape) - len(factor.shape) + next(i for i, n in enumerate(factor.shape) if n != 1)
    x = t.hold(x, (*[a for a in x.perm if a != axis], axis))
    return t.emit({"type": "layer_scale"}, [x], x.perm, held=[factor])


@handles("addcmul")
def addcmul(t: Translator, op: Op) -> Act:
    """input + value · tensor1 · tensor2 with learned factors and offsets (ResMLP's Affine:
    beta + alpha · x): the product by the factor, then the offset added."""
    base, first, second = (t.value(op.args[i]) for i in range(3))
    if float(t.arg(op, 3, "value", 1)) != 1.0:
        raise Refused("a product scaled by a number other than one: not supported")
    x, factor = (first, second) if isinstance(first, Act) else (second, first)
    if not isinstance(x, Act) or not isinstance(factor, Held) or not isinstance(base, Held):
        raise Refused("an addcmul of other than a computed tensor, a tensor of the model's and an offset")
    return _add_held(t, _multiply_held(t, x, factor, False), base)


@handles("masked_fill", "masked_fill_")
def masked_fill(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    if isinstance(t.value(op.args[1]), Act):
        raise Refused("a mask computed from the input: archcalc's masks are constants")
    return t.emit({"type": "elementwise", "op": "mask", "value": float(t.arg(op, 2, "value"))}, [x], x.perm)


def _function(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    return t.emit({"type": "elementwise", "op": FUNCTIONS[op.target.rstrip("_")]}, [x], x.perm)


for _name in FUNCTIONS:
    handles(_name, _name + "_")(_function)


@handles("pow")
def power(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    exponent = t.arg(op, 1, "exponent")
    if not isinstance(exponent, (int, float)):
        raise Refused("a power with a computed exponent")
    return t.emit({"type": "elementwise", "op": "power", "value": float(exponent)}, [x], x.perm)


def _describe(value: Any) -> str:
    if isinstance(value, Act):
        return f"tensor {list(value.shape)}"
    if isinstance(value, Held):
        return f"the model's {value.kind} '{value.source}'"
    return type(value).__name__

