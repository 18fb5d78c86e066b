"""What the op handlers share: the registry (`HANDLERS`, filled by `@op` in each family
module), constant folding of a whole node, and the layout helpers (reshape, slice) several
families use."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Union

from .. import fold
from ..fold import MAX_ELEMENTS, Array
from ..tensors import SMALL
from ..values import VIRTUAL, Act, Const

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


# An op's handler: reads the node's inputs from the translator, emits layers, sets its outputs.
Handler = Callable[["Translator", "Node"], None]
HANDLERS: dict[str, Handler] = {}
# A folded result, or only its shape when too large to compute; a fold over a node's constant
# inputs returns one, or a list of them (one per output).
Folded = Union[Array, "tuple[int, ...]"]
Fold = Callable[..., Union[Folded, "list[Folded]"]]


def op(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
        return fn
    return register


def present(node: Node, i: int) -> bool:
    return len(node.input) > i and node.input[i] != ""


def ints_of(t: Translator, node: Node, i: int, what: str) -> list[int]:
    return t.small(t.input(node, i, what), what).ints()


def const_result(result: Array | tuple[int, ...]) -> Const:
    """A folded result: its value, or (too large to compute) its shape only."""
    return Const(result) if isinstance(result, Array) else Const(shape=tuple(result))


ARITY = {**{k: (2, 2) for k in ("Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Equal", "Less", "Greater",
                                 "LessOrEqual", "GreaterOrEqual", "And", "Or", "CumSum", "Tile", "GatherElements",
                                 "MatMul", "Gather")},
         **{k: (1, 1) for k in ("Not", "IsNaN", "IsInf", "Floor", "Ceil", "Sqrt", "Neg", "Abs", "Exp", "Log",
                                 "Reciprocal", "NonZero")},
         "Trilu": (1, 2), "ScatterND": (3, 3), "Range": (3, 3), "Where": (3, 3), "Concat": (1, None),
         **{k: (1, 2) for k in ("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin")}}


def fold_node(t: Translator, node: Node, fn: Fold) -> bool:
    """Computes the node when every input is a constant (refusing one too large to have been
    computed); `fn` returns an Array, or only a shape when the result would be too large
    (fold.MAX_ELEMENTS): its size is checked before any element is computed."""
    inputs = [t.values.get(name) for name in node.input if name]
    low, high = ARITY.get(node.op_type, (1, None))
    if len(inputs) < low or (high is not None and len(inputs) > high):
        wanted = f"{low}" if low == high else f"{low} to {high}" if high else f"at least {low}"
        raise t.error(f"{len(inputs)} inputs where the op takes {wanted}")
    constants = [v for v in inputs if isinstance(v, Const)]
    if not inputs or len(constants) != len(inputs):
        return False
    if node.op_type in _WEIGHTED and any(_float_weight(v) for v in constants):
        # Folding would drop the weight from the count (Swin-V2's position MLP over a constant grid).
        raise t.computed_from_weights(node.input[0])
    if _mask_of_shapes(node, constants):
        t.set(node.output[0], Const(shape=fold.broadcast(*[v.shape for v in constants])))
        return True
    for name, v in zip([n for n in node.input if n], constants):
        if v.value is None and v.init is not None and v.size > SMALL:
            raise t.error(f"its input '{name}' comes from initializer '{v.init}', whose values archcalc does not "
                          f"read (it reads initializers of up to {SMALL:,} elements): a tensor computed from it as "
                          "the model runs (a standardized weight, a large position index) has no rule")
        if v.value is None:
            raise t.error(f"its input '{name}' is a constant of shape {list(v.shape)}, too large to compute "
                          f"with (archcalc folds constants of up to {MAX_ELEMENTS:,} elements)")
    found = fn(*[v.value for v in constants])
    results = found if isinstance(found, list) else [found]
    for name, value in zip(node.output, results):
        t.set(name, const_result(value))
    return True


# Comparisons and selections: their result is a mask, whose values no count depends on.
_MASK_OPS = ("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "IsNaN", "IsInf",
             "Where")


_WEIGHTED = ("MatMul", "Gemm", "Conv", "ConvTranspose")


def _float_weight(v: Const) -> bool:
    """An initializer of trained numbers: float, more than one element."""
    return v.init is not None and v.size > 1 and (v.value is None or v.value.kind == "f")


def _mask_of_shapes(node: Node, constants: list[Const]) -> bool:
    """Whether the node builds a mask from a constant too large to compute (Swin's shifted-window
    mask, [windows, T, T], made as the model runs from slices of a grid) and no float weight: its
    result is kept as a shape, as a too-large folded result is; an op needing its values
    (a shape, positions) refuses it there."""
    return (node.op_type in _MASK_OPS and any(v.value is None for v in constants)
            and not any(_float_weight(v) for v in constants))


def channels_last_of(t: Translator, x: Act) -> Act:
    if x.rank < 3:
        raise t.error(f"an input of shape {list(x.shape)} where [N, C, …] with spatial axes was expected")
    return t.channels_last(x)


# -- shapes of activations ---------------------------------------------------------------

def set_reshaped(t: Translator, x: Act, new_shape: list[int], batch_at: int | None = None) -> None:
    """Reshape `x` (file semantics) to `new_shape`, as the node's output."""
    t.set(t.node.output[0], reshape_act(t, x, new_shape, batch_at))


def reshape_act(t: Translator, x: Act, new_shape: list[int], batch_at: int | None = None) -> Act:
    """`x` reshaped (file semantics) to `new_shape`. The batch axis may sit anywhere (a
    sequence-first layout), but the reshape must keep it whole: the elements before it stay
    before it. `batch_at`: where the op itself puts it (an Unsqueeze or Squeeze, which name
    the axes they add or drop), else the first place it fits (a batch of one fits beside any
    other axis of 1)."""
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
        if batch_at in candidates:
            candidates = [batch_at]
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
    return t.emit({"type": "reshape", "shape": ours or [1]}, [x], perm,
                  hint=f"{t.node.name or 'reshape'}_{len(t.layers)}")


def axes_of(t: Translator, node: Node, position: int = 1) -> list[int] | None:
    if present(node, position):
        return ints_of(t, node, position, "axes")
    return t.attrs().integers("axes", None)


def slice_act(t: Translator, x: Act, axis: int, start: int, stop: int, step: int = 1, name: str | None = None) -> Act:
    ours = x.perm.index(axis) - 1
    if ours < 0:
        raise t.error("slicing the batch axis")
    length = x.shape[axis]
    size = len(fold.slice_positions(length, start, stop, step))
    if size == length and step == 1:
        return x
    layer = {"type": "slice", "axis": ours, "start": start}
    if stop < length:
        layer["stop"] = stop
    if step != 1:
        layer["step"] = step
    return t.emit(layer, [x], x.perm, hint=name)


def spatial_input(t: Translator, node: Node) -> Act:
    name = t.input(node, 0, "input")
    x = t.act(name)         # a constant (a conv over a learned grid) is refused there
    if x.rank not in (3, 4, 5):
        raise t.error(f"an input of shape {list(x.shape)}: 1, 2 or 3 spatial axes after [N, C] were expected")
    return t.channels_last(x)


def weight_of(t: Translator, node: Node, x: Act) -> Const:
    weight = t.const(t.input(node, 1, "weight"), "weight")
    if len(weight.shape) != x.rank:
        raise t.error(f"a weight of shape {list(weight.shape)} for an input of shape {list(x.shape)}")
    return weight
