"""Typed errors. The library raises these; only the CLI turns them into text."""

from __future__ import annotations

from contextvars import ContextVar

# Whether a message is read on the command line (`--seq-len`) or by a Python caller (`seq_len`):
# the CLI sets it for the run of a command, so the library names a setting as its reader typed it.
COMMAND_LINE: ContextVar[bool] = ContextVar("archcalc_command_line", default=False)


def option(keyword: str) -> str:
    """A setting as its reader spells it: `--seq-len` on the command line, `seq_len` in Python."""
    return "--" + keyword.replace("_", "-") if COMMAND_LINE.get() else keyword


class ArchcalcError(Exception):
    """Base class of every error a user can cause."""


class SpecError(ArchcalcError):
    """A spec that cannot be analysed: bad YAML, unknown layer, impossible shape, ...

    `file`, `line` and `column` (1-based) say where, when known.
    """

    def __init__(self, message: str, file: str | None = None,
                 line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def location(self) -> str:
        parts = [self.file or "<spec>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class SpecErrors(SpecError):
    """Several independent mistakes in one spec, found in one run (each a SpecError)."""

    def __init__(self, errors: list[SpecError]):
        first = errors[0]
        super().__init__(first.message, first.file, first.line, first.column)
        self.errors = list(errors)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


class UsageError(ArchcalcError):
    """A bad command-line value, such as a malformed budget number."""


class ArgumentError(ArchcalcError):
    """A layer argument with the wrong type or range; the front door adds the location.

    `key` names the argument at fault (None: the layer as a whole); `unknown` says the
    key itself is not an argument, so the location is the key rather than its value."""

    def __init__(self, message: str, key: str | None = None, unknown: bool = False):
        super().__init__(message)
        self.key, self.unknown = key, unknown


class ShapeError(ArchcalcError):
    """A layer that cannot take the shape it receives; the analyzer adds the location."""
