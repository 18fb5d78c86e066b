"""One handler per ONNX op: it reads the node's inputs from the translator and writes layers
(or folds constants). `HANDLERS` is what `archcalc import --list-ops` lists; an op without
a handler is an error naming it, never a silent zero."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .translate import VIRTUAL, Act, Const, Translator

HANDLERS: dict[str, Callable[[Translator, object], None]] = {}
INT64_MAX = 2**63 - 1


def op(*names: str):
    def register(fn):
        for name in names:
            HANDLERS[name] = fn
        return fn
    return register


def attrs(node) -> dict:
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _present(node, i: int) -> bool:
    return len(node.input) > i and node.input[i] != ""


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


# -- constants and shapes --------------------------------------------------------------

@op("Constant")
def constant(t: Translator, node) -> None:
    from onnx import numpy_helper
    a = attrs(node)
    if "value" in a:
        value = numpy_helper.to_array(a["value"])
    elif "value_float" in a or "value_int" in a:
        value = np.array(a.get("value_float", a.get("value_int")))
    elif "value_floats" in a or "value_ints" in a:
        value = np.array(a.get("value_floats", a.get("value_ints")))
    else:
        raise t.error("a Constant without a value, value_float(s) or value_int(s) attribute")
    t.set(node.output[0], Const(value))


@op("Shape")
def shape(t: Translator, node) -> None:
    source = t.values.get(node.input[0])
    if source is None:
        raise t.error(f"input '{node.input[0]}' is not produced by any earlier node")
    a = attrs(node)
    dims = np.array(source.shape, dtype=np.int64)[a.get("start", 0):a.get("end", None)]
    t.set(node.output[0], Const(dims))


def _fold(t: Translator, node, fn) -> bool:
    """Computes the node on constants when every input is one whose value is known."""
    inputs = [t.values.get(name) for name in node.input if name]
    if not all(isinstance(v, Const) and v.value is not None for v in inputs):
        return False
    try:
        with np.errstate(all="ignore"):         # a NaN in a folded constant is the file's business
            results = fn(*[v.value for v in inputs])
    except (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError) as exc:
        # Constants that do not fit together (a malformed file, or shapes we folded wrongly):
        # the file's error, told where, not a crash.
        raise t.error(f"cannot compute it on its constants of shapes "
                      f"{', '.join(str(list(v.shape)) for v in inputs)} ({str(exc).splitlines()[0][:120]})") from None
    results = results if isinstance(results, tuple) else (results,)
    for name, value in zip(node.output, results):
        t.set(name, Const(np.asarray(value)))
    return True


_FOLDABLE = {
    "Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": lambda a, b: (a / b).astype(np.result_type(a, b)),
    "Pow": np.power, "Sqrt": np.sqrt, "Neg": np.negative, "Abs": np.abs, "Exp": np.exp, "Log": np.log,
    "Equal": np.equal, "Less": np.less, "Greater": np.greater, "LessOrEqual": np.less_equal,
    "GreaterOrEqual": np.greater_equal, "Not": np.logical_not, "And": np.logical_and, "Or": np.logical_or,
    "Floor": np.floor, "Ceil": np.ceil, "Max": np.maximum, "Min": np.minimum,
    "Reciprocal": np.reciprocal, "Mod": np.mod,
}


@op("ConstantOfShape")
def constant_of_shape(t: Translator, node) -> None:
    from onnx import numpy_helper
    dims = t.small(node.input[0], "shape")
    a = attrs(node)
    fill = numpy_helper.to_array(a["value"]).reshape(-1)[0] if "value" in a else np.float32(0)
    size = int(np.prod(dims)) if len(dims) else 1
    t.set(node.output[0], Const(np.full(tuple(int(d) for d in dims), fill) if size <= 1 << 16 else None,
                                tuple(int(d) for d in dims)))


@op("Range")
def range_(t: Translator, node) -> None:
    if not _fold(t, node, lambda s, e, d: np.arange(s, e, d)):
        raise t.error("a Range over computed values")


@op("Cast", "CastLike")
def cast(t: Translator, node) -> None:
    value = t.values.get(node.input[0])
    if isinstance(value, Const) and value.value is not None and node.op_type == "Cast":
        from onnx import helper
        dtype = helper.tensor_dtype_to_np_dtype(attrs(node)["to"])
        t.set(node.output[0], Const(value.value.astype(dtype), init=value.init))
    else:
        t.set(node.output[0], value)          # a cast moves no count


@op("Identity", "Dropout")
def passthrough(t: Translator, node) -> None:
    t.set(node.output[0], t.values.get(node.input[0]))
    if len(node.output) > 1 and node.output[1]:     # Dropout's mask: not computed at inference
        t.set(node.output[1], Const(shape=t.values[node.input[0]].shape))


def _scatter_nd(data, indices, updates):
    out = np.array(data, copy=True)
    out[tuple(np.moveaxis(np.asarray(indices), -1, 0))] = updates
    return out


@op("Trilu", "CumSum", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or",
    "Floor", "Ceil", "Mod", "NonZero", "Tile", "ScatterND", "IsNaN", "IsInf", "GatherElements")
def constants_only(t: Translator, node) -> None:
    fn = _FOLDABLE.get(node.op_type) or {
        "Trilu": lambda x, k=None: np.triu(x, int(k) if k is not None else 0) if attrs(node).get("upper", 1)
        else np.tril(x, int(k) if k is not None else 0),
        "CumSum": lambda x, axis: np.cumsum(x, int(axis)),
        "NonZero": lambda x: np.array(np.nonzero(x)),
        "Tile": lambda x, r: np.tile(x, tuple(int(n) for n in r)),
        "IsNaN": np.isnan, "IsInf": np.isinf, "ScatterND": _scatter_nd,
        "GatherElements": lambda data, idx: np.take_along_axis(data, idx, axis=attrs(node).get("axis", 0)),
    }.get(node.op_type)
    if fn is None or not _fold(t, node, fn):
        raise t.error(f"{node.op_type} on computed tensors has no rule (only on constants, which are folded)")


# -- element-wise ------------------------------------------------------------------------

_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSigmoid": "hardsigmoid",
                "HardSwish": "hardswish", "LeakyRelu": "leaky_relu", "Elu": "elu", "Selu": "selu",
                "Celu": "celu", "Softplus": "softplus", "Mish": "mish", "Gelu": "gelu"}
_MATH = {"Sqrt": "sqrt", "Erf": "erf", "Exp": "exp", "Log": "log", "Neg": "neg", "Reciprocal": "reciprocal",
         "Abs": "abs"}


@op(*_ACTIVATIONS, *_MATH)
def unary(t: Translator, node) -> None:
    if node.op_type in _FOLDABLE and _fold(t, node, _FOLDABLE[node.op_type]):
        return
    x = t.act(node.input[0])
    if node.op_type in _ACTIVATIONS:
        layer = {"type": _ACTIVATIONS[node.op_type]}
        a = attrs(node)
        if node.op_type == "LeakyRelu":
            layer["negative_slope"] = float(a.get("alpha", 0.01))
        if node.op_type == "Gelu" and _text(a.get("approximate", "none")) == "tanh":
            layer["approximate"] = "tanh"
    else:
        layer = {"type": "elementwise", "op": _MATH[node.op_type]}
    t.set(node.output[0], t.emit(layer, [x], x.shape, x.perm))


@op("Clip")
def clip(t: Translator, node) -> None:
    x = t.act(node.input[0])
    low = float(t.small(node.input[1])) if _present(node, 1) else attrs(node).get("min")
    high = float(t.small(node.input[2])) if _present(node, 2) else attrs(node).get("max")
    if low == 0 and high == 6:
        layer = {"type": "relu6"}
    elif low == 0 and high is None:
        layer = {"type": "relu"}
    else:
        layer = {"type": "elementwise", "op": "clip", "value": float(high if high is not None else 0.0)}
    t.set(node.output[0], t.emit(layer, [x], x.shape, x.perm))


@op("Softmax", "LogSoftmax")
def softmax(t: Translator, node) -> None:
    x = t.act(node.input[0])
    axis = attrs(node).get("axis", -1) % x.rank
    if x.perm[-1] != axis:
        x = t.hold(x, (*[p for p in x.perm if p != axis], axis))
    kind = "softmax" if node.op_type == "Softmax" else "log_softmax"
    t.set(node.output[0], t.emit({"type": kind}, [x], x.shape, x.perm))


@op("PRelu")
def prelu(t: Translator, node) -> None:
    x = t.act(node.input[0])
    slope = t.const(node.input[1], "slope")
    layer = {"type": "prelu", "per_channel": slope.size > 1}
    if slope.size > 1:
        x = t.channels_last(x)
    out = t.emit(layer, [x], x.shape, x.perm)
    t.own(slope.init, out.name)
    t.set(node.output[0], out)


def _learned(value: Const) -> bool:
    """An initializer that holds trained numbers (a bias, a table, a scale), not a mask or a constant."""
    if value.init is None or value.size <= 1:
        return False
    if value.value is not None:
        v = value.value
        if v.dtype.kind == "b" or v.dtype.kind in "iu":
            return False
        finite = v[np.isfinite(v)]
        # A mask: only 0, 1 and "minus infinity" (-inf, or the dtype's lowest, as exporters write it)
        if finite.size < v.size or np.all(np.isin(finite, (0.0, 1.0)) | (finite <= -1e30)):
            return False
    return True


@op("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min")
def binary(t: Translator, node) -> None:
    if _fold(t, node, _FOLDABLE[node.op_type]):
        return
    a, b = (t.values.get(name) for name in node.input[:2])
    if a is None or b is None:
        raise t.error("an input is not produced by any earlier node")
    if isinstance(a, Act) and isinstance(b, Act):
        _two_activations(t, node, a, b)
    else:
        x, c = (a, b) if isinstance(a, Act) else (b, a)
        _activation_and_constant(t, node, x, c, constant_first=isinstance(b, Act))


def _broadcast_shape(x: tuple, y: tuple) -> tuple:
    rank = max(len(x), len(y))
    x, y = (1,) * (rank - len(x)) + tuple(x), (1,) * (rank - len(y)) + tuple(y)
    # NumPy's rule: a size of 1 takes the other size, even 0 (an empty slice of a mask).
    return tuple(q if p == 1 else p if q == 1 else max(p, q) for p, q in zip(x, y))


def _two_activations(t: Translator, node, a: Act, b: Act) -> None:
    if b.rank == a.rank:
        b = t.hold(b, a.perm)
    out_shape = _broadcast_shape(a.shape, b.shape)
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
    out_shape = _broadcast_shape(x.shape, c.shape)
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
        layer = {"type": "elementwise", "op": ops[node.op_type], "value": float(np.asarray(c.value).reshape(-1)[0])}
    else:
        layer = {"type": "elementwise", "op": "mask"}     # a constant tensor (a causal mask): no weights
    t.set(node.output[0], t.emit(layer, [x], x.shape, x.perm))


def _channel_vector(x: Act, c: Const) -> bool:
    """A constant that is one value per channel (ConvNeXt's γ): a trained scale. Any other
    constant a product meets (RoPE's cos and sin tables, masks) is not a parameter."""
    vector = tuple(n for n in c.shape if n != 1)
    return len(vector) == 1 and (vector[0] == x.shape[-1] or (x.rank >= 3 and vector[0] == x.shape[1]))


def _learned_operand(t: Translator, node, x: Act, c: Const) -> None:
    """A trained tensor added to or multiplying an activation: a position table or a per-channel scale."""
    vector = tuple(n for n in c.shape if n != 1)
    last = len(vector) == 1 and vector[0] == x.shape[-1] and (not c.shape or c.shape[-1] == vector[0])
    second = len(vector) == 1 and x.rank >= 3 and vector[0] == x.shape[1] and not last
    if node.op_type == "Mul" and (last or second):
        x = t.channels_last(x) if second else t.file_order(x)
        out = t.emit({"type": "layer_scale"}, [x], x.shape, x.perm)
    elif (node.op_type == "Add" and x.rank == 3 and c.size == x.shape[1] * x.shape[2]
          and (c.table is None or (c.table[1] == x.shape[2] and c.table[0] >= x.shape[1]))):
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
    if _fold(t, node, np.where):
        return
    acts = [t.values.get(n) for n in node.input[1:3]]
    x = next((v for v in acts if isinstance(v, Act)), None)
    if x is None or isinstance(t.values.get(node.input[0]), Act):
        raise t.error("a Where whose condition is computed has no rule")
    t.set(node.output[0], t.emit({"type": "elementwise", "op": "where"}, [x], x.shape, x.perm))


# -- shapes of activations ---------------------------------------------------------------

def _reshaped(t: Translator, x: Act, new_shape: list[int]) -> None:
    """Reshape `x` (file semantics) to `new_shape`, as the node's output."""
    t.set(t.node.output[0], _reshape_act(t, x, new_shape))


def _reshape_act(t: Translator, x: Act, new_shape: list[int]) -> Act:
    """`x` reshaped (file semantics) to `new_shape`. The batch axis may sit anywhere (a
    sequence-first layout), but the reshape must keep it whole: the elements before it stay
    before it."""
    x = t.file_order(x)
    b = x.batch_axis
    if b == VIRTUAL:
        candidates = []
    else:
        outer, inner = int(np.prod(x.shape[:b])), int(np.prod(x.shape[b + 1:]))
        candidates = [i for i, n in enumerate(new_shape) if n == x.shape[b]
                      and int(np.prod(new_shape[:i])) == outer and int(np.prod(new_shape[i + 1:])) == inner]
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


def _target_shape(x_shape: tuple, spec) -> list[int]:
    spec = [int(n) for n in spec]
    out = [x_shape[i] if n == 0 else n for i, n in enumerate(spec)]
    if -1 in out:
        known = int(np.prod([n for n in out if n != -1]))
        out[out.index(-1)] = int(np.prod(x_shape)) // known
    return out


@op("Reshape")
def reshape(t: Translator, node) -> None:
    value = t.values.get(node.input[0])
    target = t.small(node.input[1], "shape")
    if isinstance(value, Const):
        if value.value is None:
            t.set(node.output[0], Const(shape=tuple(_target_shape(value.shape, target)), init=value.init,
                                        table=value.table))
        else:
            t.set(node.output[0], Const(value.value.reshape(_target_shape(value.shape, target)), init=value.init,
                                        table=value.table))
        return
    _reshaped(t, value, _target_shape(value.shape, target))


@op("Flatten")
def flatten(t: Translator, node) -> None:
    x = t.act(node.input[0])
    axis = attrs(node).get("axis", 1) % max(x.rank, 1)
    if axis == 0:
        raise t.error("Flatten with axis 0 merges the batch axis")
    new = [int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:]))]
    _reshaped(t, x, new)


def _axes_of(t: Translator, node, position: int = 1) -> list[int] | None:
    if _present(node, position):
        return [int(a) for a in np.asarray(t.small(node.input[position], "axes")).reshape(-1)]
    axes = attrs(node).get("axes")
    return None if axes is None else [int(a) for a in axes]


@op("Unsqueeze", "Squeeze")
def squeeze(t: Translator, node) -> None:
    value = t.values.get(node.input[0])
    axes = _axes_of(t, node)
    shape = list(value.shape)
    if node.op_type == "Unsqueeze":
        rank = len(shape) + len(axes)
        for axis in sorted(a % rank for a in axes):
            shape.insert(axis, 1)
    else:
        drop = {a % len(shape) for a in axes} if axes is not None else {i for i, n in enumerate(shape) if n == 1}
        shape = [n for i, n in enumerate(shape) if i not in drop]
    if isinstance(value, Const):
        t.set(node.output[0], Const(value.value.reshape(shape) if value.value is not None else None,
                                    tuple(shape), init=value.init, table=value.table))
        return
    _reshaped(t, value, shape)


@op("Transpose")
def transpose(t: Translator, node) -> None:
    value = t.values.get(node.input[0])
    perm = attrs(node).get("perm") or list(reversed(range(len(value.shape))))
    if isinstance(value, Const):
        t.set(node.output[0], Const(np.transpose(value.value, perm) if value.value is not None else None,
                                    tuple(value.shape[p] for p in perm), init=value.init, table=value.table))
        return
    # The data stays where it is; only which file axis each of our axes is changes.
    shape = tuple(value.shape[p] for p in perm)
    t.set(node.output[0], Act(value.name, shape, tuple(a if a == VIRTUAL else perm.index(a) for a in value.perm)))


@op("Expand")
def expand(t: Translator, node) -> None:
    value = t.values.get(node.input[0])
    target = [int(n) for n in t.small(node.input[1], "shape")]
    shape = _broadcast_shape(value.shape, target)
    if isinstance(value, Const):
        expanded = np.broadcast_to(value.value, shape) if value.value is not None and np.prod(shape) <= 1 << 16 \
            else None
        t.set(node.output[0], Const(expanded, shape, init=value.init, table=value.table))
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
    if _fold(t, node, lambda *xs: np.concatenate(xs, axis=attrs(node)["axis"])):
        return
    values = [v for v in (t.values.get(name) for name in node.input) if not (isinstance(v, Const) and v.size == 0)]
    acts = [v for v in values if isinstance(v, Act)]
    if not acts:
        raise t.error("a Concat of computed tensors that are all empty")
    axis = attrs(node)["axis"] % acts[0].rank
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
            or axis != 1 or acts[0].rank != 3 or token.shape[axis] != 1):
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
    size = len(range(*slice(start, stop, step).indices(length)))
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
    value = t.values.get(node.input[0])
    starts = [int(n) for n in np.asarray(t.small(node.input[1], "starts")).reshape(-1)]
    ends = [int(n) for n in np.asarray(t.small(node.input[2], "ends")).reshape(-1)]
    axes = _axes_of(t, node, 3) or list(range(len(starts)))
    steps = [int(n) for n in np.asarray(t.small(node.input[4])).reshape(-1)] if _present(node, 4) else [1] * len(starts)
    if isinstance(value, Const):
        if value.value is None:
            # Too large to read (Swin3D's relative position index): only its shape is followed,
            # which is all a Gather of position-table rows needs.
            shape = list(value.shape)
            for a, s, e, st in zip(axes, starts, ends, steps):
                a %= len(shape)
                shape[a] = len(range(*slice(s, min(e, INT64_MAX), st).indices(shape[a])))
            t.set(node.output[0], Const(shape=tuple(shape)))
            return
        index = [slice(None)] * value.value.ndim
        for a, s, e, st in zip(axes, starts, ends, steps):
            index[a] = slice(s, min(e, INT64_MAX), st)
        t.set(node.output[0], Const(value.value[tuple(index)]))
        return
    x = value
    for a, s, e, st in zip(axes, starts, ends, steps):
        a %= x.rank
        stop = min(e, x.shape[a]) if e > 0 else e
        if not len(range(*slice(s, stop, st).indices(x.shape[a]))):
            # An empty part (a roll by 0 written as slices and a Concat): nothing to compute,
            # held as an empty constant that the Concat leaves out.
            shape = list(x.shape)
            shape[a] = 0
            t.set(node.output[0], Const(np.zeros(shape, dtype=np.float32)))
            return
        x = _slice(t, x, a, s, stop, st)
    t.set(node.output[0], x)


@op("Split")
def split(t: Translator, node) -> None:
    x = t.act(node.input[0])
    a = attrs(node)
    axis = a.get("axis", 0) % x.rank
    if _present(node, 1):
        sizes = [int(n) for n in np.asarray(t.small(node.input[1], "split")).reshape(-1)]
    elif "split" in a:
        sizes = [int(n) for n in a["split"]]
    else:
        parts = a.get("num_outputs", len(node.output))
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
    data, indices = t.values.get(node.input[0]), t.values.get(node.input[1])
    if isinstance(data, Const) and data.init is not None and isinstance(indices, Const) and len(data.shape) == 2:
        # Rows of a trained table picked by constant positions (a position table): the result
        # remembers the whole table, whose every row is a parameter.
        rows = np.asarray(indices.value).reshape(-1) if indices.value is not None else None
        shape = (*indices.shape, data.shape[1])
        if rows is not None and rows.size and (rows.min() < -data.shape[0] or rows.max() >= data.shape[0]):
            raise t.error(f"positions {rows.min()}..{rows.max()} are outside the {data.shape[0]}-row table")
        value = np.take(data.value, indices.value, axis=0) if data.value is not None and rows is not None else None
        t.set(node.output[0], Const(value, shape, init=data.init, table=data.table or data.shape))
        return
    if _fold(t, node, lambda d, idx: np.take(d, idx, axis=attrs(node).get("axis", 0))):
        return
    if isinstance(data, Const) and isinstance(indices, Act):
        if len(data.shape) != 2 or attrs(node).get("axis", 0) != 0:
            raise t.error(f"a Gather from a constant of shape {list(data.shape)} other than an embedding table")
        vocab, dim = data.shape
        x = t.file_order(indices)
        out = t.emit({"type": "embedding", "vocab": vocab, "dim": dim, **t.tie_or_own(data.init, "")}, [x],
                     (*x.shape, dim), (*x.perm, x.rank))
        t.own(data.init, out.name)
        t.set(node.output[0], out)
        return
    if isinstance(data, Act) and isinstance(indices, Const) and indices.value is not None and indices.size == 1:
        axis = attrs(node).get("axis", 0) % data.rank
        index = int(np.asarray(indices.value).reshape(-1)[0]) % data.shape[axis]
        picked = _slice(t, data, axis, index, index + 1)
        if np.asarray(indices.value).ndim == 0:      # a scalar index drops the axis
            _reshaped(t, picked, [n for i, n in enumerate(picked.shape) if i != axis])
        else:
            t.set(node.output[0], picked)
        return
    if isinstance(data, Act) and isinstance(indices, Const):
        # Constant positions picking every element once in a new arrangement (the dynamo
        # exporter's as_strided): data movement only, written as a reshape to the new shape.
        axis = attrs(node).get("axis", 0) % data.rank
        shape = [*data.shape[:axis], *indices.shape, *data.shape[axis + 1:]]
        positions = None if indices.value is None else np.sort(np.asarray(indices.value).reshape(-1) % data.shape[axis])
        if positions is not None and np.array_equal(positions, np.arange(data.shape[axis])):
            _reshaped(t, data, shape)
            return
        raise t.error(f"a Gather of {list(indices.shape)} positions from {list(data.shape)} that is not a "
                      "rearrangement has no rule")
    raise t.error("a Gather of computed indices from a computed tensor has no rule")


@op("Einsum")
def einsum(t: Translator, node) -> None:
    """Two-operand Einsum without ellipsis: as a batched matrix product (transposes and reshapes
    around a `matmul`, which count nothing), so its MACs are those of the contraction."""
    equation = _text(attrs(node)["equation"]).replace(" ", "")
    if _fold(t, node, lambda *xs: np.einsum(equation, *xs)):
        return
    if "->" not in equation or "..." in equation or len(node.input) != 2:
        raise t.error(f"Einsum {equation!r}: only two operands with an explicit output have a rule")
    left, out = equation.split("->")
    la, lb = left.split(",")
    a, b = t.act(node.input[0]), t.act(node.input[1])
    if len(set(la)) != len(la) or len(set(lb)) != len(lb) or len(la) != a.rank or len(lb) != b.rank:
        raise t.error(f"Einsum {equation!r}: a repeated or missing index has no rule")
    batch = [c for c in out if c in la and c in lb]
    i_letters = [c for c in out if c in la and c not in lb]
    j_letters = [c for c in out if c in lb and c not in la]
    k_letters = [c for c in la if c in lb and c not in out]
    if set(out) != set(batch + i_letters + j_letters) or any(c not in out and c not in lb for c in la):
        raise t.error(f"Einsum {equation!r}: an index summed over one operand only has no rule")
    size = {**dict(zip(la, a.shape)), **dict(zip(lb, b.shape))}

    def arranged(x: Act, letters: str, order: list[str], rows: list[str], cols: list[str]) -> Act:
        perm = [letters.index(c) for c in order]
        moved = Act(x.name, tuple(x.shape[p] for p in perm),
                    tuple(p if p == VIRTUAL else perm.index(p) for p in x.perm))
        shape = [size[c] for c in batch] + [int(np.prod([size[c] for c in rows])),
                                            int(np.prod([size[c] for c in cols]))]
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
    a = attrs(node)
    strides = list(a.get("strides", [1] * spatial))
    dilations = list(a.get("dilations", [1] * spatial))
    pads = list(a.get("pads", [0] * (2 * spatial)))
    auto = _text(a.get("auto_pad", "NOTSET"))
    layer = {"kernel": kernel, "stride": strides}
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        layer["padding"] = "same"
    elif pads[:spatial] != pads[spatial:]:
        raise t.error(f"asymmetric padding {pads} has no rule here (pad first with a Pad node)")
    else:
        layer["padding"] = pads[:spatial]
    if any(d != 1 for d in dilations):
        layer["dilation"] = dilations
    return layer


def _window_sizes(shape, layer, ceil_mode=False) -> tuple[int, ...]:
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
        sizes.append(out)
    return tuple(sizes)


@op("Conv")
def conv(t: Translator, node) -> None:
    x = t.channels_last(t.act(node.input[0]))
    weight = t.const(node.input[1], "weight")
    spatial = x.rank - 2
    if spatial not in (1, 2, 3):
        raise t.error(f"a {spatial}-D convolution")
    filters = weight.shape[0]
    layer = {"type": f"conv{spatial}d", "filters": filters,
             **_geometry(t, node, spatial, list(weight.shape[2:]))}
    groups = attrs(node).get("group", 1)
    if groups != 1:
        layer["groups"] = groups
    if x.shape[1] % groups == 0:        # otherwise the conv2d rule says why the groups do not fit
        t.check_weight(weight, 1, x.shape[1] // groups,
                       f"its input's {x.shape[1]} channels" + (f" in {groups} groups" if groups > 1 else ""))
    layer["bias"] = _present(node, 2)
    layer.update(t.shared_weights(node.input[1:]) or t.tie_or_own(weight.init, ""))
    out_spatial = _window_sizes(x.shape[2:], layer)
    out = t.emit(layer, [x], (x.shape[0], filters, *out_spatial), x.perm)
    t.own(weight.init, out.name)
    t.set(node.output[0], out)


@op("ConvTranspose")
def conv_transpose(t: Translator, node) -> None:
    x = t.channels_last(t.act(node.input[0]))
    weight = t.const(node.input[1], "weight")
    spatial = x.rank - 2
    a = attrs(node)
    if "output_shape" in a:
        raise t.error("ConvTranspose with output_shape has no rule (give pads and output_padding)")
    groups = a.get("group", 1)
    t.check_weight(weight, 0, x.shape[1], f"its input's {x.shape[1]} channels")
    filters = weight.shape[1] * groups
    kernel = list(weight.shape[2:])
    strides = list(a.get("strides", [1] * spatial))
    pads = list(a.get("pads", [0] * (2 * spatial)))
    if pads[:spatial] != pads[spatial:]:
        raise t.error(f"asymmetric padding {pads} has no rule here")
    extra = list(a.get("output_padding", [0] * spatial))
    dilations = list(a.get("dilations", [1] * spatial))
    layer = {"type": f"conv_transpose{spatial}d", "filters": filters, "kernel": kernel, "stride": strides,
             "padding": pads[:spatial], "output_padding": extra, "dilation": dilations, "groups": groups,
             "bias": _present(node, 2)}
    sizes = [(n - 1) * s - 2 * p + d * (k - 1) + e + 1
             for n, s, p, d, k, e in zip(x.shape[2:], strides, pads, dilations, kernel, extra)]
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
    if isinstance(value, Const) and value.init is not None and value.size == units and value.shape[-1] == units:
        return consumers[0]
    return None


@op("MatMul")
def matmul(t: Translator, node) -> None:
    if _fold(t, node, np.matmul):
        return
    a, b = t.values.get(node.input[0]), t.values.get(node.input[1])
    if isinstance(a, Act) and isinstance(b, Const):
        if len(b.shape) != 2:
            raise t.error(f"a MatMul by a constant of shape {list(b.shape)} (a weight is [in, out])")
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
        a, b = t.file_order(a), t.file_order(b)
        shape = (*_broadcast_shape(a.shape[:-2], b.shape[:-2]), a.shape[-2], b.shape[-1])
        t.set(node.output[0], t.emit({"type": "matmul"}, [a, b], shape, a.perm if a.rank == len(shape) else None))
        return
    raise t.error("a MatMul of a constant by an activation has no rule")


@op("Gemm")
def gemm(t: Translator, node) -> None:
    a = attrs(node)
    x = t.file_order(t.act(node.input[0]))
    if a.get("transA", 0):
        raise t.error("Gemm with transA has no rule")
    weight = t.const(node.input[1], "weight")
    t.check_weight(weight, 1 if a.get("transB", 0) else 0, x.shape[-1], f"its input's last axis of {x.shape[-1]}")
    units = weight.shape[0] if a.get("transB", 0) else weight.shape[1]
    layer = {"type": "dense", "units": units, "bias": _present(node, 2), **t.tie_or_own(weight.init, "")}
    out = t.emit(layer, [x], (x.shape[0], units), x.perm)
    t.own(weight.init, out.name)
    t.set(node.output[0], out)


@op("BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization")
def normalization(t: Translator, node) -> None:
    a = attrs(node)
    x = t.act(node.input[0])
    if node.op_type == "LayerNormalization":
        axis = a.get("axis", -1) % x.rank
        if axis != x.rank - 1:
            raise t.error("LayerNormalization over more than the last axis has no rule")
        x = t.file_order(x)
        layer = {"type": "layernorm", "eps": float(a.get("epsilon", 1e-5)), "bias": _present(node, 2)}
    else:
        if x.rank >= 3:
            x = t.channels_last(x)
        eps = float(a.get("epsilon", 1e-5))
        layer = {"BatchNormalization": {"type": "batchnorm", "eps": eps},
                 "InstanceNormalization": {"type": "instancenorm", "eps": eps, "affine": True},
                 "GroupNormalization": {"type": "groupnorm", "eps": eps, "groups": a.get("num_groups", 1)},
                 }[node.op_type]
    scale = t.values.get(node.input[1]) if len(node.input) > 1 else None
    if isinstance(scale, Const) and scale.init and node.op_type != "GroupNormalization":   # its scale: [C] or [.., last]
        axis = -1 if node.op_type == "LayerNormalization" else 1
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
    x = t.channels_last(t.act(node.input[0]))
    a = attrs(node)
    spatial = x.rank - 2
    layer = {"type": f"{'max' if node.op_type == 'MaxPool' else 'avg'}pool{spatial}d",
             **_geometry(t, node, spatial, list(a["kernel_shape"]))}
    if "dilation" in layer:
        raise t.error("a dilated pooling window has no rule")
    ceil_mode = bool(a.get("ceil_mode", 0))
    if ceil_mode:
        layer["ceil_mode"] = True
    sizes = _window_sizes(x.shape[2:], layer, ceil_mode)
    t.set(node.output[0], t.emit(layer, [x], (x.shape[0], x.shape[1], *sizes), x.perm))


def _global(t: Translator, x: Act, kind: str) -> Act:
    """Global pooling keeping ONNX's size-1 spatial axes: [N, C, 1, 1] held as [1, 1, C]."""
    x = t.channels_last(x)
    pooled = t.emit({"type": f"global_{kind}pool"}, [x], (x.shape[0], x.shape[1]))
    ones = (1,) * (x.rank - 2)
    return t.emit({"type": "reshape", "shape": [*ones, x.shape[1]]}, [pooled], (x.shape[0], x.shape[1], *ones),
                  x.perm, hint=f"{pooled.name}_keepdims")


@op("GlobalAveragePool", "GlobalMaxPool")
def global_pool(t: Translator, node) -> None:
    t.set(node.output[0], _global(t, t.act(node.input[0]), "avg" if node.op_type == "GlobalAveragePool" else "max"))


@op("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin")
def reduce(t: Translator, node) -> None:
    kind = node.op_type[len("Reduce"):].lower()
    x = t.values.get(node.input[0])
    axes = _axes_of(t, node)
    keep = bool(attrs(node).get("keepdims", 1))
    if isinstance(x, Const):
        if not _fold(t, node, lambda v, *rest: getattr(np, kind)(v, axis=tuple(axes) if axes else None,
                                                                 keepdims=keep)):
            raise t.error("a reduction of a large constant")
        return
    axes = sorted({a % x.rank for a in axes}) if axes else list(range(1, x.rank))
    if 0 in axes:
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
    x = t.channels_last(t.act(node.input[0]))
    if x.rank != 4:
        raise t.error("resizing other than the H and W of an [N, C, H, W] tensor has no rule")
    mode = _text(attrs(node).get("mode", "nearest"))
    scales = sizes = None
    if node.op_type == "Upsample":
        scales = t.small(node.input[1], "scales")
    else:
        if _present(node, 2) and t.small(node.input[2], "scales").size:
            scales = t.small(node.input[2], "scales")
        if _present(node, 3):
            sizes = [int(n) for n in t.small(node.input[3], "sizes")]
    layer = {"type": "upsample2d", "mode": "bilinear" if mode == "linear" else "nearest"}
    if sizes is not None:
        layer["size"] = sizes[2:]
        out = (x.shape[0], x.shape[1], *sizes[2:])
    else:
        factors = [float(s) for s in np.asarray(scales).reshape(-1)[2:]]
        if any(f != int(f) for f in factors):
            layer["size"] = [int(n * f) for n, f in zip(x.shape[2:], factors)]
        else:
            layer["scale"] = [int(f) for f in factors]
        out = (x.shape[0], x.shape[1], *[int(n * f) for n, f in zip(x.shape[2:], factors)])
    t.set(node.output[0], t.emit(layer, [x], out, x.perm))


@op("Pad")
def pad(t: Translator, node) -> None:
    x = t.act(node.input[0])
    pads = [int(n) for n in np.asarray(t.small(node.input[1], "pads")).reshape(-1)]
    if _text(attrs(node).get("mode", "constant")) != "constant":
        raise t.error("only constant padding has a rule")
    rank = x.rank
    befores, afters = pads[:rank], pads[rank:]
    batch = x.batch_axis
    if (batch != VIRTUAL and (befores[batch] or afters[batch])) or any(p < 0 for p in pads):
        raise t.error("padding the batch axis, or negative padding, has no rule")
    value = float(np.asarray(t.small(node.input[2])).reshape(-1)[0]) if _present(node, 2) else 0.0
    pairs = [[befores[p], afters[p]] for p in x.perm[1:]]
    shape = tuple(n + b + e for n, b, e in zip(x.shape, befores, afters))
    t.set(node.output[0], t.emit({"type": "pad", "padding": pairs, "value": value}, [x], shape, x.perm))


# -- recurrent -----------------------------------------------------------------------------

@op("LSTM", "GRU", "RNN")
def recurrent(t: Translator, node) -> None:
    a = attrs(node)
    if a.get("layout", 0):
        raise t.error("a batch-first recurrent layout has no rule")
    if _present(node, 4):
        raise t.error("sequence_lens has no rule: every sequence runs to its full length")
    x = t.act(node.input[0])               # [T, N, C]: held as [N, T, C]
    if x.rank != 3:
        raise t.error(f"a recurrent layer needs a [T, N, C] input, got {list(x.shape)}")
    x = t.hold(x, (1, 0, 2))
    t.check_weight(t.const(node.input[1], "weight"), 2, x.shape[2], f"its input's {x.shape[2]} features")
    units = a["hidden_size"]
    directions = 2 if _text(a.get("direction", "forward")) == "bidirectional" else 1
    if _text(a.get("direction", "forward")) == "reverse":
        raise t.error("a reverse-only recurrent layer has no rule")
    if node.op_type == "GRU" and not a.get("linear_before_reset", 0):
        raise t.error("a GRU with linear_before_reset = 0 (Keras's reset_after false) has no rule")
    kind = node.op_type.lower()
    layer = {"type": kind, "units": units, "bias": _present(node, 3), "bidirectional": directions == 2}
    steps, batch = x.shape[0], x.shape[1]
    out = t.emit(layer, [x], (batch, steps, directions * units), (0, 1, 2))
    for name in node.input[1:4]:
        if name:
            t.own(t.values[name].init, out.name)
    if len(node.output) > 1 and any(node.output[1:]) and any(t.consumers.get(n) for n in node.output[1:] if n):
        raise t.error("the last hidden and cell states (Y_h, Y_c) have no rule; read the sequence output Y")
    y = t.emit({"type": "reshape", "shape": [steps, directions, units]}, [out], (steps, directions, batch, units),
               (2, 0, 1, 3), hint=f"{out.name}_directions")
    t.set(node.output[0], y)
