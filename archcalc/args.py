"""Argument schemas: each layer rule lists its arguments as `Arg`s.

A validator takes the raw YAML value and returns it normalised (a per-axis
tuple for kernels and strides, for instance) or raises `ArgumentError`
saying what it expected and what it received.
"""

from __future__ import annotations

import reprlib
from typing import Any, Callable, NamedTuple, TypeVar

from .errors import ArgumentError

REQUIRED = object()
Validator = Callable[[Any], Any]
V = TypeVar("V", bound=Validator)


def kinded(check: V, kind: str) -> V:
    """`check`, labelled with what it accepts (`kind`, which `layers`' help and docs print)."""
    setattr(check, "kind", kind)   # a function's attribute: mypy has no type for it
    return check


class Arg(NamedTuple):
    """One argument of a layer type (a NamedTuple: some hundred are made at import)."""

    name: str
    validate: Validator
    default: Any = REQUIRED
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring = 2, 6, 4, 40


def _short(value: Any) -> str:
    text = _SHORT.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe(value: Any) -> str:
    """A short description of a received value; bounded even for huge or aliased YAML."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string {_short(value)}"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, list):
        return f"list {_short(value)}"
    if isinstance(value, dict):
        return f"mapping {_short(value)}"
    return type(value).__name__


def _is_int(value: Any) -> bool:
    # YAML's `true` is a Python bool, which is an int subclass; it is never a size.
    return isinstance(value, int) and not isinstance(value, bool)


# Sizes beyond 2^62 describe no machine; the bound keeps every total a plain, printable integer.
MAX_INTEGER = 2**62


def _bounded(value: int) -> str:
    """An integer for a message: huge ones by their digit count, never their 4,300+ digits."""
    return str(value) if abs(value) < 10**30 else f"an integer of {len(format(abs(value), 'x')) * 4} bits"


def integer(minimum: int | None = None) -> Validator:
    def check(value: Any) -> int:
        if not _is_int(value):
            raise ArgumentError(f"expected an integer, got {describe(value)}")
        if minimum is not None and value < minimum:
            raise ArgumentError(f"expected an integer >= {minimum}, got {_bounded(value)}")
        if abs(value) > MAX_INTEGER:
            raise ArgumentError(f"expected an integer of at most 2^62 in size, got {_bounded(value)}")
        return value
    return kinded(check, "int" if minimum is None else f"int >= {minimum}")


positive = integer(1)
any_integer = integer()


def per_axis(axes: int, minimum: int = 1) -> Validator:
    """An int for every axis, or a list with one int per axis."""
    one = integer(minimum)

    def check(value: Any) -> tuple[int, ...]:
        if isinstance(value, list):
            if len(value) != axes:
                raise ArgumentError(f"expected {axes} values (one per axis), got {describe(value)}")
            return tuple(one(v) for v in value)
        return (one(value),) * axes
    return kinded(check, f"int or list of {axes}")


def padding(axes: int) -> Validator:
    """`same`, `valid`, an int, or one int per axis; normalised to 'same' or a tuple."""
    numbers = per_axis(axes, minimum=0)

    def check(value: Any) -> str | tuple[int, ...]:
        if isinstance(value, str):
            if value in ("same", "valid"):
                return "same" if value == "same" else (0,) * axes
            raise ArgumentError(f"expected 'same', 'valid' or an integer, got {describe(value)}")
        return numbers(value)
    return kinded(check, f"same | valid | int | list of {axes}")


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ArgumentError(f"expected true or false, got {describe(value)}")
    return value


kinded(boolean, "bool")


def number(minimum: float | None = None, below: float | None = None, finite: bool = True) -> Validator:
    """A finite number; a YAML string that reads as one (`1e-6`, which YAML 1.1 keeps as text) too.
    With finite=False ±infinity too (a pad value of -inf in front of a max pool), never NaN."""
    def check(value: Any) -> float:
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ArgumentError(f"expected a number, got {describe(value)}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ArgumentError(f"expected a number, got {describe(value)}")
        try:
            value = float(value)
        except OverflowError:
            raise ArgumentError(f"expected a number, got {describe_number(value)}, too large for a float") from None
        if value != value or (finite and value in (float("inf"), float("-inf"))):
            raise ArgumentError(f"expected a {'finite ' if finite else ''}number, got {value}")
        if minimum is not None and value < minimum:
            raise ArgumentError(f"expected a number >= {minimum}, got {value}")
        if below is not None and value >= below:
            raise ArgumentError(f"expected a number < {below}, got {value}")
        return value
    return kinded(check, "number")


def describe_number(value: int) -> str:
    return _bounded(value)


def int_list(length: int | None = None, allow_unknown: bool = False) -> Validator:
    """A list of positive ints (a shape); `-1` once if `allow_unknown`."""
    def check(value: Any) -> tuple[int, ...]:
        if _is_int(value) and length is not None:
            value = [value] * length
        if not isinstance(value, list) or not value:
            raise ArgumentError(f"expected a list of integers, got {describe(value)}")
        if length is not None and len(value) != length:
            raise ArgumentError(f"expected {length} integers, got {describe(value)}")
        out = []
        for v in value:
            if not _is_int(v) or (v < 1 and not (allow_unknown and v == -1)):
                raise ArgumentError(f"expected positive integers, got {describe(value)}")
            out.append(v)
        if out.count(-1) > 1:
            raise ArgumentError(f"at most one -1 is allowed, got {describe(value)}")
        return tuple(out)
    return kinded(check, "list of int" if length is None else f"list of {length} int")


def optional(inner: Validator) -> Validator:
    """`inner`, or null: the rule derives the value (its help says how)."""
    def check(value: Any) -> Any:
        return None if value is None else inner(value)
    return kinded(check, f"{getattr(inner, 'kind', 'value')} | null")


def choice(*options: str) -> Validator:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in options:
            raise ArgumentError(f"expected one of {', '.join(options)}, got {describe(value)}")
        return value.lower()
    return kinded(check, " | ".join(options))
