"""Reading a Keras JSON through checks: every value the door uses is taken by one of these
accessors, which refuse a missing key or a value of the wrong kind with one line naming the
key, what was received and where (the layer). Anything else that goes wrong is a bug of ours
and reaches the command line's internal-error path."""

from __future__ import annotations

from typing import Any

from ...args import describe, describe_number
from ...errors import SpecError

REQUIRED = object()


def received(value: Any) -> str:
    """A short description of a value, bounded even for an integer of thousands of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"integer {describe_number(value)}"
    return describe(value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Fields:
    """One mapping of the file (a layer's config, a layer entry, a tensor reference), read
    through checks; `where` says where it is ("layer 'conv1'"), `what` what it is ("the Conv2D
    config")."""

    __slots__ = ("raw", "where", "what", "file")

    def __init__(self, raw: Any, where: str, what: str, file: str):
        if not isinstance(raw, dict):
            raise SpecError(f"{where}: {what} must be a mapping, got {received(raw)}", file)
        self.raw, self.where, self.what, self.file = raw, where, what, file

    def error(self, message: str) -> SpecError:
        return SpecError(f"{self.where}: {message}" if self.where else message, self.file)

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def value(self, key: str, default: Any = REQUIRED) -> Any:
        """The raw value; null counts as absent where there is a default (Keras writes null for
        "the default")."""
        value = self.raw.get(key)
        if value is None:
            if default is REQUIRED:
                raise self.error(f"{self.what} has no '{key}'" if key not in self.raw
                                 else f"{self.what}'s '{key}' is null")
            return default
        return value

    def _wrong(self, key: str, expected: str, value: Any) -> SpecError:
        return self.error(f"{self.what}'s '{key}' must be {expected}, got {received(value)}")

    def integer(self, key: str, default: Any = REQUIRED) -> int:
        value = self.value(key, default)
        if value is not default and not is_int(value):
            raise self._wrong(key, "an integer", value)
        return value

    def ints(self, key: str, axes: int, default: Any = REQUIRED) -> list[int]:
        """An integer for every axis, or a list of `axes` integers."""
        value = self.value(key, default)
        if is_int(value):
            return [value] * axes
        if not isinstance(value, list) or len(value) != axes or not all(is_int(n) for n in value):
            raise self._wrong(key, f"an integer or a list of {axes}", value)
        return list(value)

    def int_list(self, key: str, default: Any = REQUIRED) -> list[int]:
        value = self.value(key, default)
        if is_int(value):
            return [value]
        if not isinstance(value, list) or not all(is_int(n) for n in value):
            raise self._wrong(key, "a list of integers", value)
        return list(value)

    def boolean(self, key: str, default: Any = REQUIRED) -> bool:
        value = self.value(key, default)
        if not isinstance(value, bool):
            raise self._wrong(key, "true or false", value)
        return value

    def number(self, key: str, default: Any = REQUIRED) -> float | int:
        value = self.value(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._wrong(key, "a number", value)
        return value

    def text(self, key: str, default: Any = REQUIRED) -> str:
        value = self.value(key, default)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def items(self, key: str, default: Any = REQUIRED) -> list[Any]:
        value = self.value(key, default)
        if not isinstance(value, list):
            raise self._wrong(key, "a list", value)
        return value

    def mapping(self, key: str, what: str) -> Fields:
        value = self.value(key)
        if not isinstance(value, dict):
            raise self._wrong(key, "a mapping", value)
        return Fields(value, self.where, what, self.file)
