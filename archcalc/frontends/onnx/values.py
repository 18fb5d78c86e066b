"""What the translator holds for each tensor of the graph: an activation (`Act`, a spec
layer's output with its axis order) or a constant (`Const`, folded from initializers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from .fold import Array

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

    def __init__(self, value: Array | None = None, shape: Sequence[int] | None = None, init: str | None = None,
                 table: tuple[int, ...] | None = None):
        self.value = value
        if value is not None:
            self.shape = tuple(value.shape)
        else:
            assert shape is not None, "a Const holds its value or, when large, its shape"
            self.shape = tuple(shape)
        self.init = init
        self.table = table

    @property
    def size(self) -> int:
        total = 1
        for n in self.shape:
            total *= n
        return total
