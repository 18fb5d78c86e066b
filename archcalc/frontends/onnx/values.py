"""What the translator holds for each tensor of the graph: an activation (`Act`, a spec
layer's output with its axis order) or a constant (`Const`, folded from initializers)."""

from __future__ import annotations

VIRTUAL = -1        # `perm[0]` of a tensor whose batch of one was folded into another axis


class Act:
    """An activation: a spec layer's output (or a model input)."""
    __slots__ = ("name", "shape", "perm")

    def __init__(self, name: str, shape: tuple[int, ...], perm: tuple[int, ...] | None = None):
        self.name, self.shape = name, tuple(shape)
        self.perm = tuple(perm) if perm is not None else tuple(range(len(shape)))

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def batch_axis(self) -> int:
        return self.perm[0]

    def ours(self) -> list[int]:
        """The per-sample shape as the spec holds it."""
        return [self.shape[p] for p in self.perm[1:]]


class Const:
    """A constant: `value` (a fold.Array) when small, else only its `shape`; `init` names the
    initializer it comes from, when it is one (weights are initializers); `table` is that
    initializer's shape when only some of its rows were picked."""
    __slots__ = ("value", "shape", "init", "table")

    def __init__(self, value=None, shape=None, init: str | None = None, table: tuple | None = None):
        self.value = value
        self.shape = tuple(value.shape) if value is not None else tuple(shape)
        self.init = init
        self.table = table

    @property
    def size(self) -> int:
        total = 1
        for n in self.shape:
            total *= n
        return total
