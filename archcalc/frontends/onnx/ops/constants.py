"""Ops on constants: Constant, Shape, ConstantOfShape, Range, casts, and the ops archcalc
only folds (comparisons, Trilu, CumSum, …): shape arithmetic, never a layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .. import fold, indexing, tensors
from ..fold import MAX_ELEMENTS
from ..values import Const
from .common import Fold, const_result, fold_node, ints_of, op

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


# -- constants and shapes --------------------------------------------------------------

@op("Constant")
def constant(t: Translator, node: Node) -> None:
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
        whole = a.integers("value_ints")
        t.set(node.output[0], Const(fold.made((len(whole),), whole, fold.INT64)))
    else:
        raise t.error("a Constant without a value, value_float(s) or value_int(s) attribute")


@op("Shape")
def shape(t: Translator, node: Node) -> None:
    source = t.value(t.input(node, 0, "input"))
    a = t.attrs()
    dims = list(source.shape)[a.integer("start", 0):a.integer("end", None)]
    t.set(node.output[0], Const(fold.made((len(dims),), dims, fold.INT64)))


@op("ConstantOfShape")
def constant_of_shape(t: Translator, node: Node) -> None:
    dims = ints_of(t, node, 0, "shape")
    fold.check_size(dims)
    a = t.attrs()
    if a.has("value"):
        fill = tensors.values(a.tensor("value"), "its value", 1)
        if fill is None or fill.size != 1:
            raise t.error("its value must be a tensor of one number")
    else:
        fill = fold.made((), [0.0], fold.FLOAT)
    t.set(node.output[0], const_result(fold.full(dims, fill.first(), fill.dtype)))


@op("Range")
def range_(t: Translator, node: Node) -> None:
    if not fold_node(t, node, lambda s, e, d: fold.arange(s.first(), e.first(), d.first())):
        raise t.error("a Range over computed values")


@op("Cast", "CastLike")
def cast(t: Translator, node: Node) -> None:
    value = t.value(t.input(node, 0, "input"))
    if isinstance(value, Const) and value.value is not None and node.op_type == "Cast":
        t.set(node.output[0], Const(fold.cast(value.value, t.attrs().integer("to")), init=value.init))
    else:
        t.set(node.output[0], value)          # a cast moves no count


@op("Identity", "Dropout")
def passthrough(t: Translator, node: Node) -> None:
    value = t.value(t.input(node, 0, "input"))
    t.set(node.output[0], value)
    if len(node.output) > 1 and node.output[1]:     # Dropout's mask: not computed at inference
        t.set(node.output[1], Const(shape=value.shape))


def _trilu(t: Translator, node: Node) -> Fold:
    upper = bool(t.attrs().integer("upper", 1))
    return lambda x, k=None: indexing.trilu(x, int(k.first()) if k is not None else 0, upper)


def _cumsum(t: Translator, node: Node) -> Fold:
    a = t.attrs()
    if a.integer("exclusive", 0) or a.integer("reverse", 0):
        raise t.error("an exclusive or reverse CumSum has no rule")
    return lambda x, axis: indexing.cumsum(x, int(axis.first()))


def _gather_elements(axis: int) -> Fold:
    return lambda d, i: indexing.gather_elements(d, i, axis)


_CONSTANTS_ONLY: dict[str, Callable[[Translator, Node], Fold]] = {
    "Trilu": _trilu, "CumSum": _cumsum,
    "NonZero": lambda t, node: indexing.nonzero,
    "Tile": lambda t, node: lambda x, r: fold.tile(x, r.ints()),
    "ScatterND": lambda t, node: indexing.scatter_nd,
    "GatherElements": lambda t, node: _gather_elements(t.attrs().integer("axis", 0)),
}


@op("Trilu", "CumSum", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or",
    "Floor", "Ceil", "Mod", "NonZero", "Tile", "ScatterND", "IsNaN", "IsInf", "GatherElements")
def constants_only(t: Translator, node: Node) -> None:
    kind = node.op_type
    fn: Callable[..., Any]
    if kind in fold.COMPARE or kind in ("Mod",):
        fn = lambda x, y: fold.binary(kind, x, y)          # noqa: E731
    elif kind in fold.TESTS or kind in ("Floor", "Ceil"):
        fn = lambda x: fold.unary(kind, x)                  # noqa: E731
    else:
        fn = _CONSTANTS_ONLY[kind](t, node)
    if not fold_node(t, node, fn):
        raise t.error(f"{node.op_type} on computed tensors has no rule (only on constants, which are folded)")
