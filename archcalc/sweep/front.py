"""The Pareto front: the points no other point beats on every chosen figure.

A point is dominated when another is at least as good on every figure and better on one
(each figure minimised, or maximised when asked). Points with the same figures dominate
none of each other: equal points are on the front together or off it together. Only points
that count take part: analysed, within budget, and with every chosen figure known (a
joined column a point has no row for leaves it out).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from ..errors import UsageError
from .source import Point

# Figures by name: a key of analyze's JSON `totals` (nested ones dotted), and `memory`, the
# footprint `check --max-memory` compares (weights + peak activations, + the KV cache).
TOTALS_FIGURES = ("params", "active_params", "trainable_params", "non_trainable_params", "buffers", "macs",
                  "flops", "memory", "memory.params_bytes", "memory.activations_bytes",
                  "memory.peak_activation_bytes", "kv_cache_bytes", "kv_cache_bytes_per_token",
                  "decode_macs_per_token",
                  # on a device (--device): the roofline's figures (docs/devices.md)
                  "lower_bound_seconds", "unfused_estimate_seconds", "memory_needed_bytes", "unavoidable_bytes",
                  "prefill_seconds", "decode_step_seconds", "decode_tokens_per_second_bound",
                  "lower_bound_at_efficiency_seconds", "decode_tokens_per_second_at_efficiency")


def figure(point: Point, name: str) -> Any:
    """The point's figure `name` (None when it has none: an invalid point, an unmatched join)."""
    if point.measured is not None and name in point.measured:
        measured = point.measured[name]
        return measured if isinstance(measured, (int, float)) and not isinstance(measured, bool) else None
    totals = point.totals
    if totals is None:
        return None
    if name == "memory":
        memory = totals["memory"]
        return memory["params_bytes"] + memory["peak_activation_bytes"] + totals.get("kv_cache_bytes", 0)
    value: Any = totals
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def read_figures(text: str, joined: Sequence[str], maximise: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """`--pareto macs,params` (two or three figures) as (name, sign): +1 minimised, -1 maximised."""
    names = [part.strip() for part in text.split(",")]
    known = [*TOTALS_FIGURES, *joined]
    for name in names:
        if name not in known:
            from ..text import suggest
            raise UsageError(f"--pareto: no figure '{name}' (figures: {', '.join(known)})" + suggest(name, known))
    if not 2 <= len(names) <= 3 or len(set(names)) < len(names):
        raise UsageError(f"--pareto: give two or three different figures, got {text!r}")
    maximised = list(maximise)
    for name in maximised:
        if name not in names:
            raise UsageError(f"--maximise {name}: not one of the --pareto figures ({', '.join(names)})")
    return tuple((name, -1 if name in maximised else 1) for name in names)


def mark_front(points: list[Point], figures: Sequence[tuple[str, int]]) -> list[Point]:
    """`points` with `pareto` set: True for the non-dominated ones among those that count."""
    vectors: dict[int, tuple[Any, ...]] = {}
    for k, point in enumerate(points):
        values = [figure(point, name) for name, _ in figures]
        if point.within_budget and all(v is not None for v in values):
            vectors[k] = tuple(sign * v for v, (_, sign) in zip(values, figures))
    on = front(vectors)
    return [point._replace(pareto=k in on) for k, point in enumerate(points)]


def front(vectors: Mapping[int, tuple[Any, ...]]) -> set[int]:
    """Keys of the vectors no other vector dominates (all minimised).

    In lexicographic order a dominating vector always comes before the one it dominates,
    and any dominated vector is dominated by one on the front, so each vector is compared
    with the front found so far only."""
    ordered = sorted(vectors, key=lambda k: vectors[k])
    if ordered and len(vectors[ordered[0]]) == 2:
        return _front_of_two(vectors, ordered)
    found: list[tuple[Any, ...]] = []           # distinct vectors on the front
    on: set[int] = set()
    for key in ordered:
        v = vectors[key]
        if any(f != v and all(a <= b for a, b in zip(f, v)) for f in found):
            continue
        if not found or found[-1] != v:
            found.append(v)
        on.add(key)
    return on


def _front_of_two(vectors: Mapping[int, tuple[Any, ...]], ordered: list[int]) -> set[int]:
    """Two figures, in one pass over the sorted vectors: a vector is on the front when its
    second figure is the least among those with its first (ties included) and below every
    second figure of a smaller first."""
    on: set[int] = set()
    best_before: Any = None                     # the least second figure of the smaller firsts
    at = 0
    while at < len(ordered):
        x, least = vectors[ordered[at]]
        group = at
        while group < len(ordered) and vectors[ordered[group]][0] == x:
            group += 1
        if best_before is None or least < best_before:
            on.update(k for k in ordered[at:group] if vectors[k][1] == least)
            best_before = least
        at = group
    return on
