"""A node's attributes read through checked accessors: one missing, or of another type than
the op defines, is refused (`Refused`, located at the node by the translator), never a crash."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, overload

from .fold import Refused

if TYPE_CHECKING:
    from .model import Attribute, Node, Tensor

_D = TypeVar("_D")      # a default's type: an optional attribute reads as its value or its default

FLOAT, INT, STRING, TENSOR, FLOATS, INTS, STRINGS = 1, 2, 3, 4, 6, 7, 8
KINDS = {FLOAT: "a float", INT: "an integer", STRING: "a string", TENSOR: "a tensor", 5: "a graph",
         FLOATS: "a list of floats", INTS: "a list of integers", STRINGS: "a list of strings", 9: "a list of tensors",
         10: "a list of graphs", 11: "a sparse tensor", 12: "a list of sparse tensors", 13: "a type",
         14: "a list of types"}
REQUIRED = object()


class Attributes:
    __slots__ = ("by_name",)

    def __init__(self, node: Node) -> None:
        self.by_name = {a.name: a for a in node.attribute}

    def has(self, name: str) -> bool:
        return name in self.by_name

    def _get(self, name: str, kind: int, default: object) -> Attribute | None:
        found = self.by_name.get(name)
        if found is None:
            if default is REQUIRED:
                raise Refused(f"attribute '{name}' is missing")
            return None
        if found.type != kind:
            raise Refused(f"attribute '{name}' must be {KINDS[kind]}, not "
                          f"{KINDS.get(found.type, f'of attribute type {found.type}')}")
        return found

    @overload
    def integer(self, name: str) -> int: ...
    @overload
    def integer(self, name: str, default: _D) -> int | _D: ...

    def integer(self, name: str, default: object = REQUIRED) -> object:
        found = self._get(name, INT, default)
        return default if found is None else int(found.i)

    @overload
    def integers(self, name: str) -> list[int]: ...
    @overload
    def integers(self, name: str, default: _D) -> list[int] | _D: ...

    def integers(self, name: str, default: object = REQUIRED) -> object:
        found = self._get(name, INTS, default)
        return default if found is None else [int(n) for n in found.ints]

    @overload
    def number(self, name: str) -> float: ...
    @overload
    def number(self, name: str, default: _D) -> float | _D: ...

    def number(self, name: str, default: object = REQUIRED) -> object:
        found = self._get(name, FLOAT, default)
        return default if found is None else float(found.f)

    @overload
    def numbers(self, name: str) -> list[float]: ...
    @overload
    def numbers(self, name: str, default: _D) -> list[float] | _D: ...

    def numbers(self, name: str, default: object = REQUIRED) -> object:
        found = self._get(name, FLOATS, default)
        return default if found is None else [float(n) for n in found.floats]

    @overload
    def text(self, name: str) -> str: ...
    @overload
    def text(self, name: str, default: _D) -> str | _D: ...

    def text(self, name: str, default: object = REQUIRED) -> object:
        found = self._get(name, STRING, default)
        return default if found is None else decoded(found.s, f"attribute '{name}'")

    @overload
    def tensor(self, name: str) -> Tensor: ...
    @overload
    def tensor(self, name: str, default: _D) -> Tensor | _D: ...

    def tensor(self, name: str, default: object = REQUIRED) -> object:
        found = self._get(name, TENSOR, default)
        if found is None:
            return default
        if found.t is None:            # typed as a tensor, yet the file wrote none
            raise Refused(f"attribute '{name}' holds no tensor")
        return found.t


def decoded(raw: bytes, what: str) -> str:
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(f"{what} is not UTF-8 text") from None
