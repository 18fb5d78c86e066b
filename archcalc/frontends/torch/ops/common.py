"""The handler registry and what several handlers share."""

from __future__ import annotations

from typing import Any, Callable

from ..capture import Op
from ..translate import Handler, Refused, Translator
from ..values import Act, Held

HANDLERS: dict[str, Handler] = {}


def handles(*targets: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for target in targets:
            HANDLERS[target] = handler
        return handler
    return register


def held_or_none(t: Translator, op: Op, index: int, name: str) -> Held | None:
    """A tensor argument that must be the model's own (a weight), or absent."""
    value = t.arg(op, index, name)
    if value is None or isinstance(value, Held):
        return value
    raise Refused(f"its {name} is {'computed' if isinstance(value, Act) else type(value).__name__}, "
                  "not a parameter of the model")


def ints(value: Any) -> Any:
    """Sizes as the spec writes them: an int, or a list of ints."""
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return int(value)


def spec_axis(x: Act, dim: int) -> int:
    """The spec's axis (no batch) of PyTorch's axis `dim` of `x`."""
    dim = dim % x.rank
    if dim == x.perm[0]:
        raise Refused("it acts along the batch axis, which archcalc keeps apart")
    return x.perm.index(dim) - 1


def same_shape(t: Translator, x: Act) -> Act:
    """An op that changes nothing archcalc counts (a copy, a view of the same shape)."""
    return x


def passes(t: Translator, op: Op) -> Any:
    return t.value(op.args[0])
