"""One handler per ONNX op: it reads the node's inputs from the translator and writes layers
(or folds constants). `HANDLERS` is what `archcalc import --list-ops` lists; an op without
a handler is an error naming it, never a silent zero.

A file the door cannot follow is refused through checked accessors (`t.input`, `t.const`,
`t.small`, `t.attrs()`, `fold.axis_of`) raising `Refused` or the translator's located error;
anything else a handler raises is a bug of ours and reaches the exit-3 path."""

from __future__ import annotations

import math
from typing import Callable

from . import fold, tensors
from .fold import MAX_ELEMENTS, Array, Refused, axis_of
from .translate import VIRTUAL, Act, Const, Translator

HANDLERS: dict[str, Callable[[Translator, object], None]] = {}


def op(*names: str):
    def register(fn):
        for name in names:
            HANDLERS[name] = fn
        return fn
    return register


def _present(node, i: int) -> bool:
    return len(node.input) > i and node.input[i] != ""


def _ints(t: Translator, node, i: int, what: str) -> list[int]:
    return t.small(t.input(node, i, what), what).ints()


def _const_result(result) -> Const:
    """A folded result: its value, or (too large to compute) its shape only."""
    return Const(result) if isinstance(result, Array) else Const(shape=tuple(result))


# -- constants and shapes --------------------------------------------------------------

@op("Constant")
def constant(t: Translator, node) -> None:
    a = t.attrs()
    if a.has("value"):
        tensor = a.tensor("value")
        value = tensors.values(tensor, "its value", MAX_ELEMENTS)
        t.set(node.output[0], Const(value) if value is not None else
              Const(shape=tensors.checked_dims(tensor, "its value")))
    elif a.has("value_float"):
        t.set(node.output[0], Const(fold.made((), [a.number("value_float")], fold.FLOAT)))
    elif a.has("value_int"):
        t.set(node.output[0], Const(fold.made((), [a.integer("value_int")], fold.INT64)))
    elif a.has("value_floats"):
        values = a.numbers("value_floats")
        t.set(node.output[0], Const(fold.made((len(values),), values, fold.FLOAT)))
    elif a.has("value_ints"):
        values = a.integers("value_ints")
        t.set(node.output[0], Const(fold.made((len(values),), values, fold.INT64)))
    else:
        raise t.error("a Constant without a value, value_float(s) or value_int(s) attribute")


@op("Shape")
def shape(t: Translator, node) -> None:
    source = t.value(t.input(node, 0, "input"))
    a = t.attrs()
    dims = list(source.shape)[a.integer("start", 0):a.integer("end", None)]
    t.set(node.output[0], Const(fold.made((len(dims),), dims, fold.INT64)))


# How many (non-empty) inputs each folded op takes.
ARITY = {**{k: (2, 2) for k in ("Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Equal", "Less", "Greater",
                                 "LessOrEqual", "GreaterOrEqual", "And", "Or", "CumSum", "Tile", "GatherElements",
                                 "MatMul", "Gather")},
         **{k: (1, 1) for k in ("Not", "IsNaN", "IsInf", "Floor", "Ceil", "Sqrt", "Neg", "Abs", "Exp", "Log",
                                 "Reciprocal", "NonZero")},
         "Trilu": (1, 2), "ScatterND": (3, 3), "Range": (3, 3), "Where": (3, 3), "Concat": (1, None),
         **{k: (1, 2) for k in ("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin")}}


def _fold(t: Translator, node, fn) -> bool:
    """Computes the node when every input is a constant (refusing one too large to have been
    computed); `fn` returns an Array, or only a shape when the result would be too large
    (fold.MAX_ELEMENTS): its size is checked before any element is computed."""
    inputs = [t.values.get(name) for name in node.input if name]
    low, high = ARITY.get(node.op_type, (1, None))
    if len(inputs) < low or (high is not None and len(inputs) > high):
        wanted = f"{low}" if low == high else f"{low} to {high}" if high else f"at least {low}"
        raise t.error(f"{len(inputs)} inputs where the op takes {wanted}")
    if not inputs or not all(isinstance(v, Const) for v in inputs):
        return False
    for name, v in zip([n for n in node.input if n], inputs):
        if v.value is None:
            raise t.error(f"its input '{name}' is a constant of shape {list(v.shape)}, too large to compute "
                          f"with (archcalc folds constants of up to {MAX_ELEMENTS:,} elements)")
    results = fn(*[v.value for v in inputs])
    results = results if isinstance(results, list) else [results]
    for name, value in zip(node.output, results):
        t.set(name, _const_result(value))
    return True


@op("ConstantOfShape")
def constant_of_shape(t: Translator, node) -> None:
    dims = _ints(t, node, 0, "shape")
    fold.check_size(dims)
    a = t.attrs()
    if a.has("value"):
        fill = tensors.values(a.tensor("value"), "its value", 1)
        if fill is None or fill.size != 1:
            raise t.error("its value must be a tensor of one number")
    else:
        fill = fold.made((), [0.0], fold.FLOAT)
    t.set(node.output[0], _const_result(fold.full(dims, fill.first(), fill.dtype)))


@op("Range")
def range_(t: Translator, node) -> None:
    if not _fold(t, node, lambda s, e, d: fold.arange(s.first(), e.first(), d.first())):
        raise t.error("a Range over computed values")


@op("Cast", "CastLike")
def cast(t: Translator, node) -> None:
    value = t.value(t.input(node, 0, "input"))
    if isinstance(value, Const) and value.value is not None and node.op_type == "Cast":
        t.set(node.output[0], Const(fold.cast(value.value, t.attrs().integer("to")), init=value.init))
    else:
        t.set(node.output[0], value)          # a cast moves no count


@op("Identity", "Dropout")
def passthrough(t: Translator, node) -> None:
    value = t.value(t.input(node, 0, "input"))
    t.set(node.output[0], value)
    if len(node.output) > 1 and node.output[1]:     # Dropout's mask: not computed at inference
        t.set(node.output[1], Const(shape=value.shape))


def _trilu(t: Translator, node):
    upper = bool(t.attrs().integer("upper", 1))
    return lambda x, k=None: fold.trilu(x, int(k.first()) if k is not None else 0, upper)


def _cumsum(t: Translator, node):
    a = t.attrs()
    if a.integer("exclusive", 0) or a.integer("reverse", 0):
        raise t.error("an exclusive or reverse CumSum has no rule")
    return lambda x, axis: fold.cumsum(x, int(axis.first()))


_CONSTANTS_ONLY = {
    "Trilu": _trilu, "CumSum": _cumsum,
    "NonZero": lambda t, node: fold.nonzero,
    "Tile": lambda t, node: lambda x, r: fold.tile(x, r.ints()),
    "ScatterND": lambda t, node: fold.scatter_nd,
    "GatherElements": lambda t, node: lambda d, i, axis=t.attrs().integer("axis", 0): fold.gather_elements(d, i, axis),
}


@op("Trilu", "CumSum", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or",
    "Floor", "Ceil", "Mod", "NonZero", "Tile", "ScatterND", "IsNaN", "IsInf", "GatherElements")
def constants_only(t: Translator, node) -> None:
    kind = node.op_type
    if kind in fold.COMPARE or kind in ("Mod",):
        fn = lambda x, y: fold.binary(kind, x, y)          # noqa: E731
    elif kind in fold.TESTS or kind in ("Floor", "Ceil"):
        fn = lambda x: fold.unary(kind, x)                  # noqa: E731
    else:
        fn = _CONSTANTS_ONLY[kind](t, node)
    if not _fold(t, node, fn):
        raise t.error(f"{node.op_type} on computed tensors has no rule (only on constants, which are folded)")


# -- element-wise ------------------------------------------------------------------------

_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSigmoid": "hardsigmoid",
                "HardSwish": "hardswish", "LeakyRelu": "leaky_relu", "Elu": "elu", "Selu": "selu",
                "Celu": "celu", "Softplus": "softplus", "Mish": "mish", "Gelu": "gelu"}
_MATH = {"Sqrt": "sqrt", "Erf": "erf", "Exp": "exp", "Log": "log", "Neg": "neg", "Reciprocal": "reciprocal",
         "Abs": "abs"}
_FOLDED_UNARY = ("Sqrt", "Exp", "Log", "Neg", "Reciprocal", "Abs")


@op(*_ACTIVATIONS, *_MATH)
def unary(t: Translator, node) -> None:
    if node.op_type in _FOLDED_UNARY and _fold(t, node, lambda x: fold.unary(node.op_type, x)):
        return
    x = t.act(t.input(node, 0, "input"))
    if node.op_type in _ACTIVATIONS:
        layer = {"type": _ACTIVATIONS[node.op_type]}
        a = t.attrs()
        if node.op_type == "LeakyRelu":
            layer["negative_slope"] = a.number("alpha", 0.01)
        if node.op_type == "Gelu" and a.text("approximate", "none") == "tanh":
            layer["approximate"] = "tanh"
    else:
        layer = {"type": "elementwise", "op": _MATH[node.op_type]}
    t.set(node.output[0], t.emit(layer, [x], x.shape, x.perm))


@op("Clip")
def clip(t: Translator, node) -> None:
    x = t.act(t.input(node, 0, "input"))
    a = t.attrs()
    low = float(t.small(node.input[1], "minimum").first()) if _present(node, 1) else a.number("min", None)
    high = float(t.small(node.input[2], "maximum").first()) if _present(node, 2) else a.number("max", None)
    if low == 0 and high == 6:
        layer = {"type": "relu6"}
    elif low == 0 and high is None:
        layer = {"type": "relu"}
    else:
        layer = {"type": "elementwise", "op": "clip", "value": float(high if high is not None else 0.0)}
    t.set(node.output[0], t.emit(layer, [x], x.shape, x.perm))


@op("Softmax", "LogSoftmax")
def softmax(t: Translator, node) -> None:
    x = t.act(t.input(node, 0, "input"))
    axis = axis_of(t.attrs().integer("axis", -1), x.rank)
    if x.perm[-1] != axis:
        x = t.hold(x, (*[p for p in x.perm if p != axis], axis))
    kind = "softmax" if node.op_type == "Softmax" else "log_softmax"
    t.set(node.output[0], t.emit({"type": kind}, [x], x.shape, x.perm))


@op("PRelu")
def prelu(t: Translator, node) -> None:
    x = t.act(t.input(node, 0, "input"))
    slope = t.const(t.input(node, 1, "slope"), "slope")
    layer = {"type": "prelu", "per_channel": slope.size > 1}
    if slope.size > 1:
        x = _channels_last(t, x)
    out = t.emit(layer, [x], x.shape, x.perm)
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
def binary(t: Translator, node) -> None:
    if _fold(t, node, lambda x, y: fold.binary(node.op_type, x, y)):
        return
    if len([n for n in node.input if n]) != 2:
        raise t.error(f"{len(node.input)} inputs where two were expected")
    a, b = (t.value(t.input(node, i, "operand")) for i in (0, 1))
    if isinstance(a, Act) and isinstance(b, Act):
        _two_activations(t, node, a, b)
    else:
        x, c = (a, b) if isinstance(a, Act) else (b, a)
        _activation_and_constant(t, node, x, c, constant_first=isinstance(b, Act))


def _two_activations(t: Translator, node, a: Act, b: Act) -> None:
    if b.rank == a.rank:
        b = t.hold(b, a.perm)
    out_shape = fold.broadcast(a.shape, b.shape)
    if a.rank != b.rank:
        a, b = t.file_order(a), t.file_order(b)
    if node.op_type in ("Add", "Sub") and a.shape == b.shape:
        layer = {"type": "add" if node.op_type == "Add" else "subtract"}
    else:
        # Products, quotients, powers and broadcast sums: one FLOP per element, no weights,
        # as a broadcasting multiply counts them.
        layer = {"type": "multiply"}
    t.set(node.output[0], t.emit(layer, [a, b], out_shape, a.perm if a.rank >= b.rank else b.perm))


def _activation_and_constant(t: Translator, node, x: Act, c: Const, constant_first: bool) -> None:
    out_shape = fold.broadcast(x.shape, c.shape)
    if out_shape != x.shape:
        if out_shape[1:] == x.shape[1:] or c.size == 1:
            out_shape = x.shape
        else:
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
    t.set(node.output[0], t.emit(layer, [x], x.shape, x.perm))


def _channel_vector(x: Act, c: Const) -> bool:
    """A constant that is one value per channel (ConvNeXt's γ): a trained scale. Any other
    constant a product meets (RoPE's cos and sin tables, masks) is not a parameter."""
    vector = tuple(n for n in c.shape if n != 1)
    return len(vector) == 1 and x.rank >= 1 and (vector[0] == x.shape[-1] or (x.rank >= 3 and vector[0] == x.shape[1]))


def _learned_operand(t: Translator, node, x: Act, c: Const) -> None:
    """A trained tensor added to or multiplying an activation: a position table or a per-channel scale."""
    vector = tuple(n for n in c.shape if n != 1)
    last = len(vector) == 1 and x.rank >= 1 and vector[0] == x.shape[-1] and (not c.shape or c.shape[-1] == vector[0])
    second = len(vector) == 1 and x.rank >= 3 and vector[0] == x.shape[1] and not last
    if node.op_type == "Mul" and (last or second):
        x = _channels_last(t, x) if second else t.file_order(x)
        out = t.emit({"type": "layer_scale"}, [x], x.shape, x.perm)
    elif (node.op_type == "Add" and x.rank == 3 and c.size == x.shape[1] * x.shape[2]
          and (c.table is None or (len(c.table) == 2 and c.table[1] == x.shape[2] and c.table[0] >= x.shape[1]))):
        x = t.file_order(x)
        rows = c.table[0] if c.table is not None else x.shape[1]
        out = t.emit({"type": "position_embedding", "max_positions": rows}, [x], x.shape, x.perm)
    elif node.op_type in ("Add", "Sub"):
        # Any other trained tensor added on (Swin's relative position bias on the scores): its
        # elements are parameters — the whole table it was picked from, when it was.
        table = list(c.table) if c.table is not None else list(c.shape)
        out = t.emit({"type": "learned_bias", "shape": table}, [x], x.shape, x.perm)
    else:
        raise t.error(f"{node.op_type} of an activation {list(x.shape)} and a trained tensor of shape "
                      f"{list(c.shape)} has no rule (additions, position tables and per-channel scales have)")
    t.own(c.init, out.name)
    t.set(node.output[0], out)


@op("Where")
def where(t: Translator, node) -> None:
    if _fold(t, node, fold.where):
        return
    condition = t.value(t.input(node, 0, "condition"))
    acts = [t.value(t.input(node, i, "operand")) for i in (1, 2)]
    x = next((v for v in acts if isinstance(v, Act)), None)
    if x is None or isinstance(condition, Act):
        raise t.error("a Where whose condition is computed has no rule")
    t.set(node.output[0], t.emit({"type": "elementwise", "op": "where"}, [x], x.shape, x.perm))


def _channels_last(t: Translator, x: Act) -> Act:
    if x.rank < 3:
        raise t.error(f"an input of shape {list(x.shape)} where [N, C, …] with spatial axes was expected")
    return t.channels_last(x)


# -- shapes of activations ---------------------------------------------------------------

def _reshaped(t: Translator, x: Act, new_shape: list[int]) -> None:
    """Reshape `x` (file semantics) to `new_shape`, as the node's output."""
    t.set(t.node.output[0], _reshape_act(t, x, new_shape))


def _reshape_act(t: Translator, x: Act, new_shape: list[int]) -> Act:
    """`x` reshaped (file semantics) to `new_shape`. The batch axis may sit anywhere (a
    sequence-first layout), but the reshape must keep it whole: the elements before it stay
    before it."""
    fold.check_rank(len(new_shape))
    if math.prod(new_shape) != math.prod(x.shape):
        raise t.error(f"a reshape from {list(x.shape)} to {list(new_shape)} changes the number of elements")
    x = t.file_order(x)
    b = x.batch_axis
    if b == VIRTUAL:
        candidates = []
    else:
        outer, inner = math.prod(x.shape[:b]), math.prod(x.shape[b + 1:])
        candidates = [i for i, n in enumerate(new_shape) if n == x.shape[b]
                      and math.prod(new_shape[:i]) == outer and math.prod(new_shape[i + 1:]) == inner]
    if candidates:
        nb = candidates[0] if b == 0 or len(candidates) == 1 else min(candidates, key=lambda i: abs(i - b))
        perm = (nb, *[i for i in range(len(new_shape)) if i != nb])
        ours = [n for i, n in enumerate(new_shape) if i != nb]
    elif b == VIRTUAL or x.shape[b] == 1:
        # A batch of one folded into another axis ([T, 1, E] viewed as [T, E], as PyTorch's
        # attention does): every file axis is a per-sample axis from here on.
        perm, ours = (VIRTUAL, *range(len(new_shape))), list(new_shape)
    else:
        raise t.error(f"a reshape from {list(x.shape)} to {list(new_shape)} mixes the batch axis with others")
    if ours == x.ours():
        return Act(x.name, tuple(new_shape), perm)
    return t.emit({"type": "reshape", "shape": ours or [1]}, [x], tuple(new_shape), perm,
                  hint=f"{t.node.name or 'reshape'}_{len(t.layers)}")


def _target_shape(x_shape: tuple, spec: list[int]) -> list[int]:
    fold.check_rank(len(spec))
    out = []
    for i, n in enumerate(spec):
        if n == 0:
            if i >= len(x_shape):
                raise Refused(f"shape {spec} copies axis {i} of a rank-{len(x_shape)} tensor")
            n = x_shape[i]
        elif n < -1:
            raise Refused(f"shape {spec} has a size below -1")
        out.append(n)
    if out.count(-1) > 1:
        raise Refused(f"shape {spec} leaves more than one size to infer")
    total = math.prod(x_shape)
    if -1 in out:
        known = math.prod(n for n in out if n != -1)
        if known == 0 or total % known:
            raise Refused(f"shape {spec} does not fit the {total} elements of {list(x_shape)}")
        out[out.index(-1)] = total // known
    if math.prod(out) != total:
        raise Refused(f"shape {spec} does not hold the {total} elements of {list(x_shape)}")
    return out


@op("Reshape")
def reshape(t: Translator, node) -> None:
    value = t.value(t.input(node, 0, "input"))
    target = _target_shape(value.shape, _ints(t, node, 1, "shape"))
    if isinstance(value, Const):
        reshaped = fold.reshape(value.value, target) if value.value is not None else None
        t.set(node.output[0], Const(reshaped, tuple(target), init=value.init, table=value.table))
        return
    _reshaped(t, value, target)


@op("Flatten")
def flatten(t: Translator, node) -> None:
    x = t.act(t.input(node, 0, "input"))
    axis = t.attrs().integer("axis", 1)
    if not -x.rank <= axis <= x.rank:
        raise t.error(f"axis {axis} is outside a rank-{x.rank} tensor")
    axis %= x.rank + 1
    if axis == 0:
        raise t.error("Flatten with axis 0 merges the batch axis")
    _reshaped(t, x, [math.prod(x.shape[:axis]), math.prod(x.shape[axis:])])


def _axes_of(t: Translator, node, position: int = 1) -> list[int] | None:
    if _present(node, position):
        return _ints(t, node, position, "axes")
    return t.attrs().integers("axes", None)


@op("Unsqueeze", "Squeeze")
def squeeze(t: Translator, node) -> None:
    value = t.value(t.input(node, 0, "input"))
    axes = _axes_of(t, node)
    shape = list(value.shape)
    if node.op_type == "Unsqueeze":
        if axes is None:
            raise t.error("an Unsqueeze without axes")
        rank = len(shape) + len(axes)
        fold.check_rank(rank)
        new = {axis_of(a, rank) for a in axes}
        if len(new) != len(axes):
            raise t.error(f"axes {axes} name one axis twice")
        rest = iter(shape)
        shape = [1 if i in new else next(rest) for i in range(rank)]
    else:
        drop = {axis_of(a, len(shape)) for a in axes} if axes else {i for i, n in enumerate(shape) if n == 1}
        if any(shape[i] != 1 for i in drop):
            raise t.error(f"squeezing axes {sorted(drop)} of shape {shape}, not all of size 1")
        shape = [n for i, n in enumerate(shape) if i not in drop]
    if isinstance(value, Const):
        t.set(node.output[0], Const(fold.reshape(value.value, shape) if value.value is not None else None,
                                    tuple(shape), init=value.init, table=value.table))
        return
    _reshaped(t, value, shape)


@op("Transpose")
def transpose(t: Translator, node) -> None:
    value = t.value(t.input(node, 0, "input"))
    rank = len(value.shape)
    perm = t.attrs().integers("perm", None) or list(reversed(range(rank)))
    if sorted(perm) != list(range(rank)):
        raise t.error(f"perm {perm} is not an order of the {rank} axes")
    if isinstance(value, Const):
        t.set(node.output[0], Const(fold.transpose(value.value, perm) if value.value is not None else None,
                                    tuple(value.shape[p] for p in perm), init=value.init, table=value.table))
        return
    # The data stays where it is; only which file axis each of our axes is changes.
    shape = tuple(value.shape[p] for p in perm)
    t.set(node.output[0], Act(value.name, shape, tuple(a if a == VIRTUAL else perm.index(a) for a in value.perm)))


@op("Expand")
def expand(t: Translator, node) -> None:
    value = t.value(t.input(node, 0, "input"))
    target = _ints(t, node, 1, "shape")
    fold.check_rank(len(target))
    shape = fold.broadcast(value.shape, target)
    if isinstance(value, Const):
        expanded = fold.expand(value.value, shape) if value.value is not None else shape
        result = _const_result(expanded)
        t.set(node.output[0], Const(result.value, shape, init=value.init, table=value.table))
        return
    if len(shape) != value.rank:
        raise t.error(f"an Expand of an activation from {list(value.shape)} to {list(shape)} has no rule")
    x = value
    for axis, (old, new) in enumerate(zip(value.shape, shape)):
        if old == new or axis == x.batch_axis:
            continue
        if old != 1 or new > 256:
            raise t.error(f"an Expand of an activation from {list(value.shape)} to {list(shape)} has no rule")
        # Copies side by side (grouped-query attention repeating its key/value heads): a concat.
        grown = list(x.shape)
        grown[axis] = new
        x = t.emit({"type": "concat", "axis": x.perm.index(axis) - 1}, [x] * new, tuple(grown), x.perm,
                   hint=f"{t.node.name or 'expand'}_{axis}")
    t.set(node.output[0], x)


@op("Concat")
def concat(t: Translator, node) -> None:
    axis = t.attrs().integer("axis")
    if _fold(t, node, lambda *xs: fold.concat(xs, axis)):
        return
    values = [v for v in (t.value(name) for name in node.input if name)
              if not (isinstance(v, Const) and v.size == 0)]
    acts = [v for v in values if isinstance(v, Act)]
    if not acts:
        raise t.error("a Concat of computed tensors that are all empty")
    if any(a.rank != acts[0].rank for a in acts):
        raise t.error(f"a Concat of tensors of shapes {', '.join(str(list(a.shape)) for a in acts)}")
    axis = axis_of(axis, acts[0].rank)
    learned = [v for v in values if isinstance(v, Const)]
    if learned:
        _class_token(t, node, values, acts, axis)
        return
    first = acts[0]
    if len(acts) == 1:              # torch.cat of one tensor: the tensor itself
        t.set(node.output[0], first)
        return
    held = [first] + [t.hold(a, first.perm) for a in acts[1:]]
    ours = first.perm.index(axis) - 1
    shape = list(first.shape)
    shape[axis] = sum(a.shape[axis] for a in acts)
    t.set(node.output[0], t.emit({"type": "concat", "axis": ours}, held, tuple(shape), first.perm))


def _class_token(t: Translator, node, values, acts, axis) -> None:
    """Concat([a learned [1, 1, C] token, x], axis=1): ViT's class token."""
    token = values[0]
    if (len(values) != 2 or not isinstance(token, Const) or token.init is None or len(acts) != 1
            or axis != 1 or acts[0].rank != 3 or len(token.shape) != 3 or token.shape[axis] != 1):
        raise t.error("a Concat of activations and constants has no rule (a learned class token in front has)")
    x = t.file_order(acts[0])
    out = t.emit({"type": "class_token"}, [x], (x.shape[0], x.shape[1] + 1, x.shape[2]))
    t.own(token.init, out.name)
    t.set(node.output[0], out)


def _slice(t: Translator, x: Act, axis: int, start: int, stop: int, step: int = 1, name: str | None = None) -> Act:
    ours = x.perm.index(axis) - 1
    if ours < 0:
        raise t.error("slicing the batch axis")
    length = x.shape[axis]
    size = len(fold.slice_positions(length, start, stop, step))
    if size == length and step == 1:
        return x
    shape = list(x.shape)
    shape[axis] = size
    layer = {"type": "slice", "axis": ours, "start": start}
    if stop < length:
        layer["stop"] = stop
    if step != 1:
        layer["step"] = step
    return t.emit(layer, [x], tuple(shape), x.perm, hint=name)


@op("Slice")
def slice_op(t: Translator, node) -> None:
    value = t.value(t.input(node, 0, "input"))
    starts = _ints(t, node, 1, "starts")
    ends = _ints(t, node, 2, "ends")
    axes = _axes_of(t, node, 3) or list(range(len(starts)))
    steps = _ints(t, node, 4, "steps") if _present(node, 4) else [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise t.error(f"starts, ends, axes and steps of lengths {len(starts)}, {len(ends)}, {len(axes)}, "
                      f"{len(steps)}")
    axes = [axis_of(a, len(value.shape)) for a in axes]
    if len(set(axes)) != len(axes):
        raise t.error(f"axes {axes} name one axis twice")
    if isinstance(value, Const):
        per_axis = [range(n) for n in value.shape]
        for a, s, e, st in zip(axes, starts, ends, steps):
            per_axis[a] = fold.slice_positions(value.shape[a], s, e, st)
        if value.value is None:
            # Too large to read (Swin3D's relative position index): only its shape is followed,
            # which is all a Gather of position-table rows needs.
            t.set(node.output[0], Const(shape=tuple(len(p) for p in per_axis)))
        else:
            t.set(node.output[0], Const(fold.take(value.value, per_axis)))
        return
    x = value
    for a, s, e, st in zip(axes, starts, ends, steps):
        stop = min(e, x.shape[a]) if e > 0 else e
        if not len(fold.slice_positions(x.shape[a], s, stop, st)):
            # An empty part (a roll by 0 written as slices and a Concat): nothing to compute,
            # held as an empty constant that the Concat leaves out.
            shape = list(x.shape)
            shape[a] = 0
            t.set(node.output[0], Const(fold.made(shape, [], fold.FLOAT)))
            return
        x = _slice(t, x, a, s, stop, st)
    t.set(node.output[0], x)


@op("Split")
def split(t: Translator, node) -> None:
    x = t.act(t.input(node, 0, "input"))
    a = t.attrs()
    axis = axis_of(a.integer("axis", 0), x.rank)
    if not node.output:
        raise t.error("a Split with no outputs")
    if _present(node, 1):
        sizes = _ints(t, node, 1, "split")
    elif a.has("split"):
        sizes = a.integers("split")
    else:
        parts = a.integer("num_outputs", len(node.output))
        if parts != len(node.output):
            raise t.error(f"num_outputs {parts} for {len(node.output)} outputs")
        sizes = [-(-x.shape[axis] // parts)] * parts
        sizes[-1] = x.shape[axis] - sum(sizes[:-1])
    if len(sizes) != len(node.output) or min(sizes) < 0 or sum(sizes) != x.shape[axis]:
        raise t.error(f"parts {sizes} do not split the {x.shape[axis]} of axis {axis} into {len(node.output)} outputs")
    start = 0
    for name, size in zip(node.output, sizes):
        t.set(name, _slice(t, x, axis, start, start + size, 1, name=f"{t.node.name or 'split'}_{name}"))
        start += size


@op("Gather")
def gather(t: Translator, node) -> None:
    data = t.value(t.input(node, 0, "data"))
    indices = t.value(t.input(node, 1, "indices"))
    axis = t.attrs().integer("axis", 0)
    if isinstance(data, Const) and data.init is not None and isinstance(indices, Const) and len(data.shape) == 2 \
            and axis in (0, -2):
        # Rows of a trained table picked by constant positions (a position table): the result
        # remembers the whole table, whose every row is a parameter.
        rows = indices.value.ints() if indices.value is not None else None
        shape = (*indices.shape, data.shape[1])
        if rows and (min(rows) < -data.shape[0] or max(rows) >= data.shape[0]):
            raise t.error(f"positions {min(rows)}..{max(rows)} are outside the {data.shape[0]}-row table")
        value = fold.gather(data.value, indices.value, 0) if data.value is not None and rows is not None else None
        value = value if isinstance(value, Array) else None
        t.set(node.output[0], Const(value, shape, init=data.init, table=data.table or data.shape))
        return
    if _fold(t, node, lambda d, idx: fold.gather(d, idx, axis)):
        return
    if isinstance(data, Const) and isinstance(indices, Act):
        if len(data.shape) != 2 or axis != 0:
            raise t.error(f"a Gather from a constant of shape {list(data.shape)} other than an embedding table")
        vocab, dim = data.shape
        x = t.file_order(indices)
        out = t.emit({"type": "embedding", "vocab": vocab, "dim": dim, **t.tie_or_own(data.init, "")}, [x],
                     (*x.shape, dim), (*x.perm, x.rank))
        t.own(data.init, out.name)
        t.set(node.output[0], out)
        return
    if isinstance(data, Act) and isinstance(indices, Const) and indices.value is not None and indices.size == 1:
        axis = axis_of(axis, data.rank)
        index = indices.value.ints()[0]
        if not -data.shape[axis] <= index < data.shape[axis]:
            raise t.error(f"position {index} is outside an axis of {data.shape[axis]}")
        index %= data.shape[axis]
        picked = _slice(t, data, axis, index, index + 1)
        if indices.shape == ():      # a scalar index drops the axis
            _reshaped(t, picked, [n for i, n in enumerate(picked.shape) if i != axis])
        else:
            t.set(node.output[0], picked)
        return
    if isinstance(data, Act) and isinstance(indices, Const):
        # Constant positions picking every element once in a new arrangement (the dynamo
        # exporter's as_strided): data movement only, written as a reshape to the new shape.
        axis = axis_of(axis, data.rank)
        shape = [*data.shape[:axis], *indices.shape, *data.shape[axis + 1:]]
        length = data.shape[axis]
        positions = None if indices.value is None else indices.value.ints()
        if positions is not None and length and sorted(p % length for p in positions) == list(range(length)) \
                and all(-length <= p < length for p in positions):
            _reshaped(t, data, shape)
            return
        raise t.error(f"a Gather of {list(indices.shape)} positions from {list(data.shape)} that is not a "
                      "rearrangement has no rule")
    raise t.error("a Gather of computed indices from a computed tensor has no rule")


@op("Einsum")
def einsum(t: Translator, node) -> None:
    """Two-operand Einsum without ellipsis: as a batched matrix product (transposes and reshapes
    around a `matmul`, which count nothing), so its MACs are those of the contraction."""
    equation = t.attrs().text("equation").replace(" ", "")
    if "->" not in equation or "..." in equation or len(node.input) != 2 or equation.count("->") != 1 \
            or equation.split("->")[0].count(",") != 1:
        raise t.error(f"Einsum {equation!r}: only two operands with an explicit output have a rule")
    left, out = equation.split("->")
    la, lb = left.split(",")
    a, b = t.act(t.input(node, 0, "operand")), t.act(t.input(node, 1, "operand"))
    if len(set(la)) != len(la) or len(set(lb)) != len(lb) or len(la) != a.rank or len(lb) != b.rank \
            or len(set(out)) != len(out):
        raise t.error(f"Einsum {equation!r}: a repeated or missing index has no rule")
    batch = [c for c in out if c in la and c in lb]
    i_letters = [c for c in out if c in la and c not in lb]
    j_letters = [c for c in out if c in lb and c not in la]
    k_letters = [c for c in la if c in lb and c not in out]
    if set(out) != set(batch + i_letters + j_letters) or any(c not in out and c not in lb for c in la) \
            or any(c not in out and c not in la for c in lb):
        raise t.error(f"Einsum {equation!r}: an index summed over one operand only has no rule")
    size = dict(zip(la, a.shape))
    for c, n in zip(lb, b.shape):
        if size.setdefault(c, n) != n:
            raise t.error(f"Einsum {equation!r}: index {c} has sizes {size[c]} and {n}")

    def arranged(x: Act, letters: str, order: list[str], rows: list[str], cols: list[str]) -> Act:
        perm = [letters.index(c) for c in order]
        moved = Act(x.name, tuple(x.shape[p] for p in perm),
                    tuple(p if p == VIRTUAL else perm.index(p) for p in x.perm))
        shape = [size[c] for c in batch] + [math.prod(size[c] for c in rows), math.prod(size[c] for c in cols)]
        return _reshape_act(t, moved, shape)

    a2 = arranged(a, la, batch + i_letters + k_letters, i_letters, k_letters)
    b2 = arranged(b, lb, batch + k_letters + j_letters, k_letters, j_letters)
    a2, b2 = t.file_order(a2), t.file_order(b2)
    shape = (*[size[c] for c in batch], a2.shape[-2], b2.shape[-1])
    product = t.emit({"type": "matmul"}, [a2, b2], shape, a2.perm)
    full = [size[c] for c in batch + i_letters + j_letters]
    result = _reshape_act(t, product, full)
    order = batch + i_letters + j_letters
    perm = [order.index(c) for c in out]
    t.set(node.output[0], Act(result.name, tuple(full[p] for p in perm),
                              tuple(p if p == VIRTUAL else perm.index(p) for p in result.perm)))


# -- weighted layers -----------------------------------------------------------------------
def _geometry(t: Translator, node, spatial: int, kernel: list[int]) -> dict:
    a = t.attrs()
    strides = _per_axis(t, a.integers("strides", [1] * spatial), spatial, "strides", 1)
    dilations = _per_axis(t, a.integers("dilations", [1] * spatial), spatial, "dilations", 1)
    pads = _per_axis(t, a.integers("pads", [0] * (2 * spatial)), 2 * spatial, "pads", 0)
    _per_axis(t, kernel, spatial, "kernel", 1)
    auto = a.text("auto_pad", "NOTSET")
    layer = {"kernel": kernel, "stride": strides}
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        layer["padding"] = "same"
    elif auto not in ("NOTSET", "VALID"):
        raise t.error(f"auto_pad {auto!r} is none of NOTSET, SAME_UPPER, SAME_LOWER and VALID")
    elif pads[:spatial] != pads[spatial:]:
        raise t.error(f"asymmetric padding {pads} has no rule here (pad first with a Pad node)")
    else:
        layer["padding"] = pads[:spatial]
    if any(d != 1 for d in dilations):
        layer["dilation"] = dilations
    return layer


def _per_axis(t: Translator, values: list[int], length: int, what: str, least: int) -> list[int]:
    if len(values) != length or any(v < least for v in values):
        raise t.error(f"{what} {values}: {length} values of at least {least} were expected")
    return values


def _window_sizes(t: Translator, shape, layer, ceil_mode=False) -> tuple[int, ...]:
    sizes = []
    padding = layer["padding"]
    for i, (n, k, s) in enumerate(zip(shape, layer["kernel"], layer["stride"])):
        d = layer.get("dilation", [1] * len(shape))[i]
        if padding == "same":
            sizes.append(-(-n // s))
            continue
        room = n + 2 * padding[i] - d * (k - 1) - 1
        out = (-(-room // s) if ceil_mode else room // s) + 1
        if ceil_mode and (out - 1) * s >= n + padding[i]:
            out -= 1
        if out < 1:
            raise t.error(f"a window of {k} (dilation {d}, padding {padding[i]}) does not fit an axis of {n}")
        sizes.append(out)
    return tuple(sizes)


def _spatial_input(t: Translator, node) -> Act:
    x = t.act(t.input(node, 0, "input"))
    if x.rank not in (3, 4, 5):
        raise t.error(f"an input of shape {list(x.shape)}: 1, 2 or 3 spatial axes after [N, C] were expected")
    return t.channels_last(x)


def _weight(t: Translator, node, x: Act) -> Const:
    weight = t.const(t.input(node, 1, "weight"), "weight")
    if len(weight.shape) != x.rank:
        raise t.error(f"a weight of shape {list(weight.shape)} for an input of shape {list(x.shape)}")
    return weight


@op("Conv")
def conv(t: Translator, node) -> None:
    x = _spatial_input(t, node)
    weight = _weight(t, node, x)
    spatial = x.rank - 2
    filters = weight.shape[0]
    layer = {"type": f"conv{spatial}d", "filters": filters,
             **_geometry(t, node, spatial, list(weight.shape[2:]))}
    groups = t.attrs().integer("group", 1)
    if groups < 1:
        raise t.error(f"group {groups}")
    if groups != 1:
        layer["groups"] = groups
    if x.shape[1] % groups == 0:        # otherwise the conv2d rule says why the groups do not fit
        t.check_weight(weight, 1, x.shape[1] // groups,
                       f"its input's {x.shape[1]} channels" + (f" in {groups} groups" if groups > 1 else ""))
    layer["bias"] = _present(node, 2)
    layer.update(t.shared_weights(node.input[1:]) or t.tie_or_own(weight.init, ""))
    out_spatial = _window_sizes(t, x.shape[2:], layer)
    out = t.emit(layer, [x], (x.shape[0], filters, *out_spatial), x.perm)
    t.own(weight.init, out.name)
    t.set(node.output[0], out)


@op("ConvTranspose")
def conv_transpose(t: Translator, node) -> None:
    x = _spatial_input(t, node)
    weight = _weight(t, node, x)
    spatial = x.rank - 2
    a = t.attrs()
    if a.has("output_shape"):
        raise t.error("ConvTranspose with output_shape has no rule (give pads and output_padding)")
    groups = a.integer("group", 1)
    if groups < 1:
        raise t.error(f"group {groups}")
    t.check_weight(weight, 0, x.shape[1], f"its input's {x.shape[1]} channels")
    filters = weight.shape[1] * groups
    kernel = _per_axis(t, list(weight.shape[2:]), spatial, "kernel", 1)
    strides = _per_axis(t, a.integers("strides", [1] * spatial), spatial, "strides", 1)
    pads = _per_axis(t, a.integers("pads", [0] * (2 * spatial)), 2 * spatial, "pads", 0)
    if pads[:spatial] != pads[spatial:]:
        raise t.error(f"asymmetric padding {pads} has no rule here")
    extra = _per_axis(t, a.integers("output_padding", [0] * spatial), spatial, "output_padding", 0)
    dilations = _per_axis(t, a.integers("dilations", [1] * spatial), spatial, "dilations", 1)
    layer = {"type": f"conv_transpose{spatial}d", "filters": filters, "kernel": kernel, "stride": strides,
             "padding": pads[:spatial], "output_padding": extra, "dilation": dilations, "groups": groups,
             "bias": _present(node, 2)}
    sizes = [(n - 1) * s - 2 * p + d * (k - 1) + e + 1
             for n, s, p, d, k, e in zip(x.shape[2:], strides, pads, dilations, kernel, extra)]
    if min(sizes) < 1:
        raise t.error(f"padding {pads} leaves no output")
    out = t.emit(layer, [x], (x.shape[0], filters, *sizes), x.perm)
    t.own(weight.init, out.name)
    t.set(node.output[0], out)


def _bias_add_after(t: Translator, node, units: int) -> object | None:
    """The Add that follows a MatMul with a trained [units] vector: the dense layer's bias."""
    consumers = t.consumers.get(node.output[0], [])
    if len(consumers) != 1 or consumers[0].op_type != "Add":
        return None
    other = [n for n in consumers[0].input if n != node.output[0]]
    value = t.values.get(other[0]) if len(other) == 1 else None
    if isinstance(value, Const) and value.init is not None and value.size == units and value.shape \
            and value.shape[-1] == units:
        return consumers[0]
    return None


@op("MatMul")
def matmul(t: Translator, node) -> None:
    if _fold(t, node, fold.matmul):
        return
    a, b = t.value(t.input(node, 0, "operand")), t.value(t.input(node, 1, "operand"))
    if isinstance(a, Act) and isinstance(b, Const):
        if len(b.shape) != 2 or a.rank < 1:
            raise t.error(f"a MatMul of {list(a.shape)} by a constant of shape {list(b.shape)} "
                          "(a weight is [in, out])")
        x = t.file_order(a)
        t.check_weight(b, 0, x.shape[-1], f"its input's last axis of {x.shape[-1]}")
        units = b.shape[1]
        add = _bias_add_after(t, node, units)
        layer = {"type": "dense", "units": units, "bias": add is not None, **t.tie_or_own(b.init, "")}
        out = t.emit(layer, [x], (*x.shape[:-1], units), x.perm)
        t.own(b.init, out.name)
        t.set(node.output[0], out)
        if add is not None:          # the Add is the bias: its output is this layer's
            t.skip_node(add, out)
        return
    if isinstance(a, Act) and isinstance(b, Act):
        if a.rank < 2 or b.rank < 2 or a.shape[-1] != b.shape[-2]:
            raise t.error(f"a MatMul of {list(a.shape)} and {list(b.shape)}")
        a, b = t.file_order(a), t.file_order(b)
        shape = (*fold.broadcast(a.shape[:-2], b.shape[:-2]), a.shape[-2], b.shape[-1])
        t.set(node.output[0], t.emit({"type": "matmul"}, [a, b], shape, a.perm if a.rank == len(shape) else None))
        return
    raise t.error("a MatMul of a constant by an activation has no rule")


@op("Gemm")
def gemm(t: Translator, node) -> None:
    a = t.attrs()
    x = t.file_order(t.act(t.input(node, 0, "input")))
    if a.integer("transA", 0):
        raise t.error("Gemm with transA has no rule")
    weight = t.const(t.input(node, 1, "weight"), "weight")
    if x.rank != 2 or len(weight.shape) != 2:
        raise t.error(f"a Gemm of {list(x.shape)} by {list(weight.shape)} (two matrices were expected)")
    t.check_weight(weight, 1 if a.integer("transB", 0) else 0, x.shape[-1], f"its input's last axis of {x.shape[-1]}")
    units = weight.shape[0] if a.integer("transB", 0) else weight.shape[1]
    layer = {"type": "dense", "units": units, "bias": _present(node, 2), **t.tie_or_own(weight.init, "")}
    out = t.emit(layer, [x], (x.shape[0], units), x.perm)
    t.own(weight.init, out.name)
    t.set(node.output[0], out)


@op("BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization")
def normalization(t: Translator, node) -> None:
    a = t.attrs()
    x = t.act(t.input(node, 0, "input"))
    if node.op_type == "LayerNormalization":
        axis = axis_of(a.integer("axis", -1), x.rank)
        if axis != x.rank - 1:
            raise t.error("LayerNormalization over more than the last axis has no rule")
        x = t.file_order(x)
        layer = {"type": "layernorm", "eps": a.number("epsilon", 1e-5), "bias": _present(node, 2)}
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
    scale = t.values.get(node.input[1]) if len(node.input) > 1 else None
    if isinstance(scale, Const) and scale.init and node.op_type != "GroupNormalization" and scale.shape:
        axis = -1 if node.op_type == "LayerNormalization" else 1     # its scale: [C] or [.., last]
        t.check_weight(scale, len(scale.shape) - 1, x.shape[axis], f"its input's {x.shape[axis]} "
                       + ("features on the last axis" if axis == -1 else "channels"))
    layer.update(t.shared_weights(node.input[1:]))
    out = t.emit(layer, [x], x.shape, x.perm)
    for name in node.input[1:]:
        if name and isinstance(t.values.get(name), Const):
            t.own(t.values[name].init, out.name)
    t.set(node.output[0], out)


# -- pooling and resizing ------------------------------------------------------------------

@op("MaxPool", "AveragePool")
def pool(t: Translator, node) -> None:
    x = _spatial_input(t, node)
    a = t.attrs()
    spatial = x.rank - 2
    layer = {"type": f"{'max' if node.op_type == 'MaxPool' else 'avg'}pool{spatial}d",
             **_geometry(t, node, spatial, a.integers("kernel_shape"))}
    if "dilation" in layer:
        raise t.error("a dilated pooling window has no rule")
    ceil_mode = bool(a.integer("ceil_mode", 0))
    if ceil_mode:
        layer["ceil_mode"] = True
    sizes = _window_sizes(t, x.shape[2:], layer, ceil_mode)
    t.set(node.output[0], t.emit(layer, [x], (x.shape[0], x.shape[1], *sizes), x.perm))


def _global(t: Translator, x: Act, kind: str) -> Act:
    """Global pooling keeping ONNX's size-1 spatial axes: [N, C, 1, 1] held as [1, 1, C]."""
    x = _channels_last(t, x)
    pooled = t.emit({"type": f"global_{kind}pool"}, [x], (x.shape[0], x.shape[1]))
    ones = (1,) * (x.rank - 2)
    return t.emit({"type": "reshape", "shape": [*ones, x.shape[1]]}, [pooled], (x.shape[0], x.shape[1], *ones),
                  x.perm, hint=f"{pooled.name}_keepdims")


@op("GlobalAveragePool", "GlobalMaxPool")
def global_pool(t: Translator, node) -> None:
    t.set(node.output[0], _global(t, t.act(t.input(node, 0, "input")),
                                  "avg" if node.op_type == "GlobalAveragePool" else "max"))


@op("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin")
def reduce(t: Translator, node) -> None:
    kind = node.op_type[len("Reduce"):].lower()
    x = t.value(t.input(node, 0, "input"))
    axes = _axes_of(t, node)
    keep = bool(t.attrs().integer("keepdims", 1))
    if isinstance(x, Const):
        if not _fold(t, node, lambda v, *rest: fold.reduce(kind, v, axes, keep)):
            raise t.error("a reduction of a large constant")
        return
    axes = sorted({axis_of(a, x.rank) for a in axes}) if axes else list(range(1, x.rank))
    if 0 in axes or not axes:
        raise t.error("a reduction over the batch axis")
    if kind in ("mean", "max") and keep and x.rank >= 3 and axes == list(range(2, x.rank)):
        t.set(node.output[0], _global(t, x, "avg" if kind == "mean" else "max"))
        return
    ours = [x.perm.index(a) - 1 for a in axes]
    shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape)) if keep else \
        tuple(n for i, n in enumerate(x.shape) if i not in axes)
    if keep:
        perm = x.perm
    else:
        remaining = [a for a in range(x.rank) if a not in axes]
        perm = tuple(remaining.index(p) for p in x.perm if p not in axes)
    t.set(node.output[0], t.emit({"type": "reduce", "op": kind, "axis": ours, "keepdims": keep}, [x], shape, perm))


@op("Resize", "Upsample")
def resize(t: Translator, node) -> None:
    x = _spatial_input(t, node)
    if x.rank != 4:
        raise t.error("resizing other than the H and W of an [N, C, H, W] tensor has no rule")
    mode = t.attrs().text("mode", "nearest")
    scales = sizes = None
    if node.op_type == "Upsample":
        scales = t.small(t.input(node, 1, "scales"), "scales").data
    else:
        if _present(node, 2) and t.small(node.input[2], "scales").size:
            scales = t.small(node.input[2], "scales").data
        if _present(node, 3):
            sizes = _ints(t, node, 3, "sizes")
    if (sizes if sizes is not None else scales) is None or len(sizes if sizes is not None else scales) != 4:
        raise t.error("a Resize needs four scales or four sizes")
    layer = {"type": "upsample2d", "mode": "bilinear" if mode == "linear" else "nearest"}
    if sizes is not None:
        if min(sizes) < 1:
            raise t.error(f"sizes {sizes}")
        layer["size"] = sizes[2:]
        out = (x.shape[0], x.shape[1], *sizes[2:])
    else:
        factors = [float(s) for s in scales[2:]]
        if not all(math.isfinite(f) and f > 0 for f in factors):
            raise t.error(f"scales {list(scales)}")
        if any(f != int(f) for f in factors):
            layer["size"] = [int(n * f) for n, f in zip(x.shape[2:], factors)]
        else:
            layer["scale"] = [int(f) for f in factors]
        out = (x.shape[0], x.shape[1], *[int(n * f) for n, f in zip(x.shape[2:], factors)])
    t.set(node.output[0], t.emit(layer, [x], out, x.perm))


@op("Pad")
def pad(t: Translator, node) -> None:
    x = t.act(t.input(node, 0, "input"))
    pads = _ints(t, node, 1, "pads")
    if t.attrs().text("mode", "constant") != "constant":
        raise t.error("only constant padding has a rule")
    if _present(node, 3):
        raise t.error("padding some axes only (an axes input) has no rule")
    rank = x.rank
    if len(pads) != 2 * rank:
        raise t.error(f"{len(pads)} pads for a rank-{rank} tensor")
    befores, afters = pads[:rank], pads[rank:]
    batch = x.batch_axis
    if (batch != VIRTUAL and (befores[batch] or afters[batch])) or any(p < 0 for p in pads):
        raise t.error("padding the batch axis, or negative padding, has no rule")
    value = float(t.small(node.input[2], "value").first()) if _present(node, 2) else 0.0
    pairs = [[befores[p], afters[p]] for p in x.perm[1:]]
    shape = tuple(n + b + e for n, b, e in zip(x.shape, befores, afters))
    t.set(node.output[0], t.emit({"type": "pad", "padding": pairs, "value": value}, [x], shape, x.perm))


# -- recurrent -----------------------------------------------------------------------------

@op("LSTM", "GRU", "RNN")
def recurrent(t: Translator, node) -> None:
    a = t.attrs()
    if a.integer("layout", 0):
        raise t.error("a batch-first recurrent layout has no rule")
    if _present(node, 4):
        raise t.error("sequence_lens has no rule: every sequence runs to its full length")
    x = t.act(t.input(node, 0, "input"))               # [T, N, C]: held as [N, T, C]
    if x.rank != 3:
        raise t.error(f"a recurrent layer needs a [T, N, C] input, got {list(x.shape)}")
    x = t.hold(x, (1, 0, 2))
    weight = t.const(t.input(node, 1, "weight"), "weight")
    if len(weight.shape) != 3:
        raise t.error(f"a weight W of shape {list(weight.shape)} ([directions, gates · hidden, input] was expected)")
    t.check_weight(weight, 2, x.shape[2], f"its input's {x.shape[2]} features")
    units = a.integer("hidden_size")
    direction = a.text("direction", "forward")
    directions = 2 if direction == "bidirectional" else 1
    if direction == "reverse":
        raise t.error("a reverse-only recurrent layer has no rule")
    if direction not in ("forward", "bidirectional"):
        raise t.error(f"direction {direction!r}")
    if node.op_type == "GRU" and not a.integer("linear_before_reset", 0):
        raise t.error("a GRU with linear_before_reset = 0 (Keras's reset_after false) has no rule")
    kind = node.op_type.lower()
    layer = {"type": kind, "units": units, "bias": _present(node, 3), "bidirectional": directions == 2}
    steps, batch = x.shape[0], x.shape[1]
    weights = [t.const(name, "weight") for name in node.input[1:4] if name]
    out = t.emit(layer, [x], (batch, steps, directions * units), (0, 1, 2))
    for weight in weights:
        t.own(weight.init, out.name)
    if len(node.output) > 1 and any(node.output[1:]) and any(t.consumers.get(n) for n in node.output[1:] if n):
        raise t.error("the last hidden and cell states (Y_h, Y_c) have no rule; read the sequence output Y")
    y = t.emit({"type": "reshape", "shape": [steps, directions, units]}, [out], (steps, directions, batch, units),
               (2, 0, 1, 3), hint=f"{out.name}_directions")
    t.set(node.output[0], y)
