"""A memo keyed by object identity, for the expander's work done once per object.

Repetitions of a block see the same entry objects with the same values object, so
substituting, reading and binding an entry once per (entry, values) pair keeps a deep
`repeat` linear. Entries are dicts (unhashable), hence identity rather than equality.
"""

from __future__ import annotations

from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """Values (never None) stored per pair of objects told apart by identity. The objects are
    kept alive beside their value, so an id() is never reused while it is a key."""

    __slots__ = ("_values", "_alive")

    def __init__(self) -> None:
        self._values: dict[tuple[int, int], V] = {}
        self._alive: list[tuple[object, object]] = []

    def get(self, first: object, second: object = None) -> V | None:
        return self._values.get((id(first), id(second)))

    def put(self, value: V, first: object, second: object = None) -> V:
        self._values[(id(first), id(second))] = value
        self._alive.append((first, second))
        return value
