"""Expressions in spec values: `$k // 2`, `max($c // 4, 8)`, `$se and $width > 64`,
`floor($c * $width + 4) // 8 * 8`.

A small tokenizer and recursive-descent parser of our own — never Python's
`eval`. Parsing is bounded (length and nesting), and a parsed expression is
kept per text, so a block repeated a thousand times parses its values once.

Grammar, loosest first:
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)?
    sum     := term (("+" | "-") term)*
    term    := unary (("*" | "/" | "//" | "%") unary)*
    unary   := "-" unary | power
    power   := atom ("**" unary)?
    atom    := INT | FLOAT | "true" | "false" | "$" NAME | ("min" | "max") "(" or ("," or)* ")"
             | ("floor" | "ceil" | "round") "(" or ")" | "(" or ")"

Integers stay integers (`//` and `%` take integers only); a float literal, an argument that is
a float, `/` or a negative power gives a float, which `floor`, `ceil` and `round` turn back into
an integer (compound scaling: `ceil($repeats * $depth)`). A float result that is not finite,
and a power whose integer result would pass 2^256, are errors: evaluation stays bounded.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Mapping

MAX_LENGTH = 400
MAX_DEPTH = 32
MAX_POWER_BITS = 256     # an integer power past 2^256 is refused before it is computed

# Patterns as text, compiled by `re` on first use and cached there: compiling them at import
# cost every run 0.3 ms, and most specs hold no expression.
_TOKEN = (r"\s*(?:(\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)|(\d+)|\$([A-Za-z_][A-Za-z0-9_]*)"
          r"|(//|\*\*|==|!=|<=|>=|[-+*/%()<>,])|([A-Za-z_]+))")
_REFERENCE = r"\$[A-Za-z_][A-Za-z0-9_]*"


class ExpressionError(Exception):
    """A malformed or failing expression; the YAML door adds the location."""


def is_reference(text: str) -> bool:
    """`$name` alone: replaced by the value itself, whatever its type."""
    return re.fullmatch(_REFERENCE, text) is not None


def is_expression(value: Any) -> bool:
    """A string holding a `$name` and more than that name."""
    return isinstance(value, str) and "$" in value and re.search(_REFERENCE, value) is not None \
        and not is_reference(value)


Compiled = Callable[[Mapping[str, Any]], Any]
_CACHE: dict[str, Compiled] = {}


def evaluate(text: str, values: Mapping[str, Any]) -> Any:
    """The value of expression `text` with `$name`s taken from `values`."""
    compiled = _CACHE.get(text)
    if compiled is None:
        compiled = _CACHE[text] = _Parser(text).parse()
    return compiled(values)


def _tokens(text: str) -> list[tuple[str, Any]]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    tokens: list[tuple[str, Any]] = []
    at, token = 0, re.compile(_TOKEN)
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = token.match(text, at)
        if match is None:
            raise ExpressionError(f"unexpected {text[at:].strip()[:20]!r} in expression {text!r}")
        real, number, name, op, word = match.groups()
        if real is not None:
            tokens.append(("float", _finite(float(real), real)))
        elif number is not None:
            tokens.append(("int", int(number)))
        elif name is not None:
            tokens.append(("name", name))
        elif op is not None:
            tokens.append(("op", op))
        elif word in ("true", "false"):
            tokens.append(("bool", word == "true"))
        elif word in ("and", "or", "not", "min", "max") or word in _ROUNDING:
            tokens.append(("op", word))
        else:
            raise ExpressionError(f"unknown word {word!r} in expression {text!r} (arguments are written $name)")
        at = match.end()
    tokens.append(("end", None))
    return tokens


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpressionError(f"{what} needs integers, got {value!r}")
    return value


def _number(value: Any, what: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"{what} needs numbers, got {value!r}")
    return value


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise ExpressionError(f"{what}: the result is not a finite number")
    return value


def _checked(value: int | float, what: str) -> int | float:
    """A float result must be finite (inf and nan would pass every later comparison)."""
    return _finite(value, what) if isinstance(value, float) else value


def _power(a: int | float, b: int | float) -> int | float:
    if isinstance(a, int) and isinstance(b, int) and b >= 0:
        if abs(a) > 1 and b * abs(a).bit_length() > MAX_POWER_BITS:
            raise ExpressionError(f"'**': {a} ** {b} is larger than 2^{MAX_POWER_BITS}")
        return a ** b
    try:
        result = math.pow(a, b)
    except (OverflowError, ValueError):
        raise ExpressionError(f"'**': {a} ** {b} is not a finite real number") from None
    return _finite(result, "'**'")


def _true_divide(a: int | float, b: int | float) -> float:
    if b == 0:
        raise ExpressionError("division by zero")
    try:
        return _finite(a / b, "'/'")
    except OverflowError:
        raise ExpressionError("'/': the result is not a finite number") from None


def _round(name: str, value: int | float) -> int:
    """floor, ceil or round (halves to the even integer, as Python rounds) of a finite number."""
    if isinstance(value, int):
        return value
    return int(_ROUNDING[name](value))


_ROUNDING: dict[str, Callable[[float], Any]] = {"floor": math.floor, "ceil": math.ceil, "round": round}


def _boolean(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(f"'{what}' needs true or false, got {value!r}")
    return value


def _divide(a: int, b: int, op: str) -> int:
    if b == 0:
        raise ExpressionError("division by zero")
    return a // b if op == "//" else a % b


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": _true_divide, "**": _power,
    "//": lambda a, b: _divide(a, b, "//"), "%": lambda a, b: _divide(a, b, "%"),
}
_INTEGER_ONLY = ("//", "%")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


class _Parser:
    """Builds a tree of closures: evaluation walks no tokens."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def parse(self) -> Compiled:
        node = self._or()
        if self.tokens[self.at][0] != "end":
            raise ExpressionError(f"unexpected {self._shown()} in expression {self.text!r}")
        return node

    def _shown(self) -> str:
        kind, value = self.tokens[self.at]
        return "end of expression" if kind == "end" else repr(value if kind != "name" else "$" + value)

    def _peek(self, *ops: str) -> str | None:
        kind, value = self.tokens[self.at]
        return value if kind == "op" and value in ops else None

    def _take(self, op: str) -> None:
        if self._peek(op) is None:
            raise ExpressionError(f"expected {op!r}, found {self._shown()} in expression {self.text!r}")
        self.at += 1

    def _or(self) -> Compiled:
        left = self._and()
        while self._peek("or"):
            self.at += 1
            right = self._and()
            left = (lambda l, r: lambda v: _boolean(l(v), "or") or _boolean(r(v), "or"))(left, right)
        return left

    def _and(self) -> Compiled:
        left = self._not()
        while self._peek("and"):
            self.at += 1
            right = self._not()
            left = (lambda l, r: lambda v: _boolean(l(v), "and") and _boolean(r(v), "and"))(left, right)
        return left

    def _not(self) -> Compiled:
        if self._peek("not"):
            self.at += 1
            inner = self._nested(self._not)
            return lambda v: not _boolean(inner(v), "not")
        return self._compare()

    def _compare(self) -> Compiled:
        left = self._sum()
        op = self._peek(*_COMPARE)
        if op:
            self.at += 1
            right, test = self._sum(), _COMPARE[op]

            def compare(v: Mapping[str, Any], l: Compiled = left, r: Compiled = right,
                        test: Callable[[Any, Any], bool] = test, op: str = op) -> bool:
                a, b = l(v), r(v)
                if op not in ("==", "!="):
                    _number(a, f"'{op}'"), _number(b, f"'{op}'")
                return test(a, b)
            return compare
        return left

    def _sum(self) -> Compiled:
        left = self._term()
        while (op := self._peek("+", "-")):
            self.at += 1
            left = self._binary(op, left, self._term())
        return left

    def _term(self) -> Compiled:
        left = self._unary()
        while (op := self._peek("*", "/", "//", "%")):
            self.at += 1
            left = self._binary(op, left, self._unary())
        return left

    @staticmethod
    def _binary(op: str, left: Compiled, right: Compiled) -> Compiled:
        apply, operand = _ARITHMETIC[op], _integer if op in _INTEGER_ONLY else _number

        def binary(v: Mapping[str, Any]) -> int | float:
            try:
                return _checked(apply(operand(left(v), f"'{op}'"), operand(right(v), f"'{op}'")), f"'{op}'")
            except OverflowError:       # an integer too large for a float met a float
                raise ExpressionError(f"'{op}': the result is not a finite number") from None
        return binary

    def _unary(self) -> Compiled:
        if self._peek("-"):
            self.at += 1
            inner = self._nested(self._unary)
            return lambda v: -_number(inner(v), "'-'")
        return self._power()

    def _power(self) -> Compiled:
        base = self._atom()
        if self._peek("**"):
            self.at += 1
            return self._binary("**", base, self._nested(self._unary))
        return base

    def _nested(self, parse: Callable[[], Compiled]) -> Compiled:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested more than {MAX_DEPTH} deep")
        try:
            return parse()
        finally:
            self.depth -= 1

    def _atom(self) -> Compiled:
        kind, value = self.tokens[self.at]
        if kind in ("int", "float", "bool"):
            self.at += 1

            def constant(v: Mapping[str, Any], value: Any = value) -> Any:
                return value
            return constant
        if kind == "name":
            self.at += 1

            def lookup(v: Mapping[str, Any], name: str = value) -> Any:
                if name not in v:
                    from ...text import suggest
                    raise ExpressionError(f"unknown argument '${name}'" + suggest(name, v))
                return v[name]
            return lookup
        if self._peek("min", "max"):
            self.at += 1
            pick = min if value == "min" else max
            self._take("(")
            items = [self._nested(self._or)]
            while self._peek(","):
                self.at += 1
                items.append(self._nested(self._or))
            self._take(")")
            return lambda v: pick(_number(item(v), f"{value}()") for item in items)
        if self._peek(*_ROUNDING):
            self.at += 1
            self._take("(")
            inner = self._nested(self._or)
            self._take(")")

            def rounded(v: Mapping[str, Any], name: str = value) -> int:
                return _round(name, _number(inner(v), f"{name}()"))
            return rounded
        if self._peek("("):
            self.at += 1
            inner = self._nested(self._or)
            self._take(")")
            return inner
        raise ExpressionError(f"unexpected {self._shown()} in expression {self.text!r}")
