"""Numbers for people: parsing budget figures and printing counts and bytes.

Counts use powers of 1000 (K, M, G, T, P, E, Z, Y); bytes use binary units (KiB, MiB,
GiB, TiB, PiB, EiB) when printed, and either kind when parsed (`200MB` is 200·10^6 bytes,
`1.5GiB` is 1.5·2^30 bytes).
"""

from __future__ import annotations

import re

from .args import describe
from .errors import UsageError

_COUNT_SUFFIX = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "B": 10**9, "T": 10**12}
_BYTE_SUFFIX = {     # here B is a byte, and a count of bytes has no billions
    **{s: n for s, n in _COUNT_SUFFIX.items() if s != "B"},
    "B": 1, "kB": 10**3, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
}
MAX_DIGITS = 40        # a budget's digits: 10^40 is beyond any count or size (2^62 per axis, 2^31 batch)
# Compiled by `re` on first use and cached there, not at import: most runs parse no quantity.
_NUMBER = r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]*)\s*"


class Quantity(int):
    """A parsed budget: the exact integer, and the unit it was written in, so that reports
    show `200 MB` where the user wrote 200MB, not its value in MiB."""

    scale: int = 1
    suffix: str = ""

    def written(self, n: int | None = None) -> str:
        """`n` (default: this quantity) in this quantity's unit."""
        n = int(self) if n is None else n
        if not self.suffix or self.scale == 1:
            return f"{n:,}" + (f" {self.suffix}" if self.suffix else "")
        from fractions import Fraction
        value = Fraction(n, self.scale)
        text = f"{value.numerator:,}" if value.denominator == 1 else significant(value)
        return f"{text} {self.suffix}"


def significant(value, digits: int = 3) -> str:
    """`value` with two decimals, or more when needed to keep `digits` significant digits
    (962 params in a budget of 1 M: 0.000962 M, not 0.00 M)."""
    decimals = 2
    magnitude = abs(value)
    while 0 < magnitude * 10 ** (decimals - digits + 1) < 1 and decimals < 30:
        decimals += 1
    return f"{float(value):,.{decimals}f}"


def parse_quantity(text: str | int, *, memory: bool = False) -> int:
    """`25M` -> 25_000_000; with `memory`, also byte units. Raises UsageError."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise UsageError(f"malformed number: {describe(text)}")
    if isinstance(text, int):
        if text < 0:
            raise UsageError(f"malformed number {text!r}: must not be negative")
        return text
    if isinstance(text, float):
        text = repr(text)
    match = re.fullmatch(_NUMBER, text)
    if not match:
        raise UsageError(f"malformed number {text!r} (expected e.g. 25M, 4.1G, 512K"
                         + (", 200MB, 1.5GiB)" if memory else ")"))
    digits, suffix = match.groups()
    if len(digits) > MAX_DIGITS:     # Python converts at most 4,300 digits; no figure is near this long
        raise UsageError(f"malformed number {digits[:12]}…: {len(digits):,} digits, more than the {MAX_DIGITS} a figure may have")
    scale = (_BYTE_SUFFIX if memory else _COUNT_SUFFIX).get(suffix)
    if scale is None:
        kinds = ("K, M, G, T" if memory else "K, M, G (or B), T") + (", B, KB, MB, GB, KiB, MiB, GiB" if memory else "")
        raise UsageError(f"malformed number {text!r}: unknown suffix {suffix!r} (use {kinds})")
    from fractions import Fraction   # exact at any length: 28-digit decimals would round a long budget
    value = Fraction(digits) * scale
    if value.denominator != 1:
        raise UsageError(f"malformed number {text!r}: not a whole number")
    quantity = Quantity(int(value))
    quantity.scale, quantity.suffix = scale, suffix
    return quantity


# Largest first. A training run's FLOPs reach 10^23 (GPT-3: 3.1·10^23), so counts go up to Y
# (10^24) and bytes to EiB; beyond the largest unit a figure keeps it, thousands separated.
_COUNT_UNITS = ((10**24, "Y"), (10**21, "Z"), (10**18, "E"), (10**15, "P"), (10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))
_BYTE_UNITS = ((2**60, "EiB"), (2**50, "PiB"), (2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))


def _in_unit(n: int, units: tuple[tuple[int, str], ...]) -> str | None:
    for scale, suffix in units:
        if abs(n) >= scale:
            return f"{n / scale:,.2f} {suffix}"
    return None


def human_count(n: int) -> str:
    return _in_unit(n, _COUNT_UNITS) or str(n)


# Parameter counts as model cards and papers write them: 8.03 B (billions), not 8.03 G.
_PARAM_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


def human_params(n: int) -> str:
    return _in_unit(n, _PARAM_UNITS) or str(n)


def human_bytes(n: int) -> str:
    return _in_unit(n, _BYTE_UNITS) or f"{n} B"


def exact(n: int) -> str:
    return f"{n:,}"


def parse_share(text: str):
    """`90%` or `0.9` -> the exact fraction 9/10 (for near-budget warnings)."""
    from fractions import Fraction
    try:
        value = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"malformed share {text!r} (expected e.g. 90% or 0.9)") from None
    if not 0 <= value <= 1:
        raise UsageError(f"a share must be between 0% and 100%, got {text!r}")
    return value


_DURATION_UNITS = {"s": 10**9, "ms": 10**6, "us": 10**3, "µs": 10**3, "ns": 1}


def parse_duration(text: str) -> int:
    """`5ms` -> 5_000_000: a duration in whole nanoseconds (s, ms, us or µs, ns; a unit is required)."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(s|ms|us|µs|ns)\s*", str(text))
    if not match:
        raise UsageError(f"malformed duration {str(text)[:40]!r} (expected e.g. 5ms, 250us, 1.5s)")
    from fractions import Fraction
    value = Fraction(match.group(1)) * _DURATION_UNITS[match.group(2)]
    if value.denominator != 1 or value <= 0:
        raise UsageError(f"malformed duration {str(text)[:40]!r}: a positive whole number of nanoseconds")
    return int(value)
