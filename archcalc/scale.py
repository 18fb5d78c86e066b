"""`archcalc scale`: the same spec at several input sizes, and how its cost grows."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .analysis import analyze_graph
from .errors import SpecError, UsageError
from .errors import option as spelled
from .report import Report
from .graph import Graph

MAX_SIZES = 64


@dataclass(frozen=True)
class ScalePoint:
    size: int
    input: tuple[int, ...]
    report: Report | None
    error: str | None = None


@dataclass(frozen=True)
class Scaling:
    name: str
    points: tuple[ScalePoint, ...]
    params_exponent: float | None
    macs_exponent: float | None
    layer_exponents: tuple[tuple[str, float | None, float | None], ...]   # (layer, params, MACs)


def _size(digits: str, option: str = "") -> int:
    """One number of --sizes; past 2^62 (the largest integer a spec holds) a usage error,
    checked on the digits before converting (Python converts at most 4,300)."""
    from .args import MAX_INTEGER
    if digits.isdigit() and (len(digits) > len(str(MAX_INTEGER)) or int(digits) > MAX_INTEGER):
        shown = digits if len(digits) <= 24 else f"{digits[:12]}…({len(digits):,} digits)"
        raise UsageError(f"{option or spelled('sizes')}: {shown} is larger than 2^62, the largest size a spec can hold")
    return int(digits)


_RANGE = r"(\d+)\.\.(\d+)(?:([x+])(\d+))?"


def is_range(text: str) -> bool:
    """`START..STOP`, `START..STOPxFACTOR` or `START..STOP+STEP` (digits only)."""
    return re.fullmatch(_RANGE, text.strip()) is not None


def parse_range(text: str, option: str = "", limit: int = MAX_SIZES, bound: str = "",
                minimum: int = 1) -> list[int]:
    """`32..512x2` (doubling), `32..256+32` (steps of 32) or `2..8` (steps of 1); at most
    `limit` values, counted before any is made (a range of 10^18 values is never built).
    `bound` names what sets the limit, for the message; `minimum`, the least start (a
    sweep's `phi=0..3` starts at 0; a range that multiplies always starts at 1 or more)."""
    option = option or spelled("sizes")
    match = re.fullmatch(_RANGE, text.strip())
    if match is None:
        raise UsageError(f"malformed {option} range {text!r} (e.g. 2..8, 32..512x2 or 32..256+32)")
    op = match[3] or "+"
    start, stop, step = _size(match[1], option), _size(match[2], option), _size(match[4] or "1", option)
    least = max(minimum, 1) if op == "x" else minimum
    if start < least or stop < start or (op == "x" and step < 2) or (op == "+" and step < 1):
        raise UsageError(f"malformed {option} {text!r}: need {least} <= start <= stop and a step that grows")
    if op == "x" and start * step > stop and stop > start:
        raise UsageError(f"{option} {text!r} gives {start} alone: x{step} multiplies (for steps of {step} "
                         f"write {start}..{stop}+{step})")
    if op == "+":
        count = (stop - start) // step + 1
    else:
        count, n = 0, start
        while n <= stop:
            count, n = count + 1, n * step
    if count > limit:
        raise UsageError(f"{bound}{': ' if bound else ''}{option} gives {count:,} values, more than {limit:,}")
    values = [start + k * step for k in range(count)] if op == "+" else [start * step**k for k in range(count)]
    return values


def parse_sizes(text: str) -> list[int]:
    """`28,56,112`, or a range: `32..512x2` (doubling), `32..256+32` (steps of 32), `2..8`."""
    text = text.strip()
    if is_range(text):
        sizes = parse_range(text)
    else:
        try:
            sizes = [_size(part.strip()) for part in text.split(",")]
        except ValueError:
            raise UsageError(f"malformed {spelled('sizes')} {text!r} (e.g. 28,56,112,224 or 32..512x2)") from None
    if not sizes or min(sizes) < 1:
        raise UsageError(f"{spelled('sizes')} must be positive integers, got {text!r}")
    if len(sizes) > MAX_SIZES:
        raise UsageError(f"{spelled('sizes')} gives more than {MAX_SIZES} sizes")
    return sizes


def resize_input(shape: tuple[int, ...], size: int) -> tuple[int, ...]:
    """The side length becomes `size`: H (and W, keeping the aspect ratio) of an image,
    T of a sequence, N of a vector; channels are kept."""
    if len(shape) == 1:
        return (size,)
    if len(shape) == 2:
        return (size, shape[1])
    h, w = shape[0], shape[1]
    return (size, max(1, round(w * size / h))) + tuple(shape[2:])


def growth_exponent(sizes: list[int], values: list[int]) -> float | None:
    """Least-squares slope of log(value) against log(size): value ∝ size^k."""
    pairs = [(math.log(s), math.log(v)) for s, v in zip(sizes, values) if v > 0]
    if len(pairs) < 2 or len(pairs) < len(values):
        return None
    mx = sum(x for x, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    var = sum((x - mx) ** 2 for x, _ in pairs)
    if var == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pairs) / var


def scale_spec(spec: Graph, sizes: list[int]) -> Scaling:
    points = []
    for size in sizes:
        shape = resize_input(spec.input, size)
        try:
            points.append(ScalePoint(size, shape, analyze_graph(spec.with_input(shape))))
        except SpecError as exc:
            points.append(ScalePoint(size, shape, None, exc.message))
    good = [(p.size, p.report) for p in points if p.report is not None]
    xs = [size for size, _ in good]
    reports = [report for _, report in good]

    def exponent(get):
        return growth_exponent(xs, [get(report) for report in reports])

    layers = []
    if reports:
        for i, layer in enumerate(reports[0].layers):
            if all(len(r.layers) > i and r.layers[i].name == layer.name for r in reports):
                layers.append((layer.name, exponent(lambda r: r.layers[i].params),
                               exponent(lambda r: r.layers[i].macs)))
    return Scaling(spec.name, tuple(points), exponent(lambda r: r.totals.params),
                   exponent(lambda r: r.totals.macs), tuple(layers))
