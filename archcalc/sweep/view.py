"""What every format shows of a sweep: one row per point, its columns named once here.

The renderers (`render/`) lay these rows out; the figures come from analyze's JSON totals,
so a sweep shows exactly what `analyze` would for each point.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping, NamedTuple

from .source import Point


class SweepView(NamedTuple):
    name: str                              # the model's file, as the command was given it
    settings: tuple[str, ...]              # swept names, in grid order
    measured: tuple[str, ...]              # --join's columns
    pareto: tuple[str, ...]                # --pareto's figures (empty: no front marked)
    points: Iterable[Point]
    budgeted: bool = True                  # False: no budget set, so the text formats show no verdict


def flat_totals(totals: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of analyze's JSON totals (`memory.peak_activation_bytes`)."""
    for key, value in totals.items():
        if isinstance(value, Mapping):
            yield from flat_totals(value, f"{prefix}{key}.")
        else:
            yield prefix + key, value


def memory_footprint(totals: Mapping[str, Any]) -> int:
    """What `check --max-memory` compares: weights + peak activations (+ the KV cache)."""
    memory = totals["memory"]
    return int(memory["params_bytes"] + memory["peak_activation_bytes"] + totals.get("kv_cache_bytes", 0))


def setting_text(value: Any) -> str:
    """A setting as `--set` would take it: true/false in YAML's spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def label(point: Point, names: Iterable[str]) -> str:
    """`width=1.1 depth=1.2`: a point by its settings, for pictures and messages."""
    return " ".join(f"{name}={setting_text(point.settings[name])}" for name in names)


TIMED = {"lower_bound_seconds": "Lower bound", "decode_tokens_per_second_bound": "Tokens/s bound"}


class Rows(NamedTuple):
    """The text formats' table: (header, "left" | "right") columns, one row of cells per
    point (a cell is text or (text, style)), and the invalid points' messages."""

    columns: list[tuple[str, str]]
    rows: list[list[Any]]
    errors: list[str]
    points: list[Point]


def text_rows(view: SweepView, count: Any, size: Any, shown: Any, seconds: Any = str) -> Rows:
    """`count`, `size` and `seconds` format figures as the format does; `shown` makes names safe."""
    points = list(view.points)
    kv = any(p.totals is not None and "kv_cache_bytes" in p.totals for p in points)
    # on a device: its lower bound, and with a context the decode rate's bound (docs/devices.md)
    timed = [key for key in ("lower_bound_seconds", "decode_tokens_per_second_bound")
             if any(p.totals is not None and p.totals.get(key) is not None for p in points)]
    columns = [*((shown(name), "right") for name in view.settings), ("Params", "right"), ("MACs", "right"),
               ("FLOPs", "right"), ("Memory", "right"), *((("KV cache", "right"),) if kv else ()),
               *((TIMED[key], "right") for key in timed),
               *((shown(name), "right") for name in view.measured), *((("Budget", "left"),) if view.budgeted else ()),
               *((("Pareto", "left"),) if view.pareto else ())]
    rows, errors = [], []
    for p in points:
        cells: list[Any] = [shown(setting_text(p.settings[name])) for name in view.settings]
        if p.totals is None:
            errors.append(f"error at {shown(label(p, view.settings))}: {shown(p.error or '')}")
            rows.append(cells + [("error", "red")] + [""] * (len(columns) - len(cells) - 1))
            continue
        t = p.totals
        cells += [count(t["params"]), count(t["macs"]), count(t["flops"]), size(memory_footprint(t))]
        if kv:
            cells.append(size(t["kv_cache_bytes"]) if "kv_cache_bytes" in t else "–")
        for key in timed:
            value = t.get(key)
            cells.append("–" if value is None else seconds(value) if key.endswith("seconds") else f"{value:,.1f}")
        for name in view.measured:
            value = (p.measured or {}).get(name)
            cells.append("–" if value is None or value == "" else shown(str(value)))
        if view.budgeted:
            cells.append(("within", "green") if p.within_budget else ("over", "red"))
        if view.pareto:
            cells.append(("front", "bold cyan") if p.pareto else "")
        rows.append(cells)
    return Rows(columns, rows, errors, points)


def title(view: SweepView, rows: Rows, shown: Any) -> str:
    on = sum(1 for p in rows.points if p.pareto)
    front = f"; Pareto front on {', '.join(view.pareto)}: {on:,} point{'s' if on != 1 else ''}" if view.pareto else ""
    within = sum(1 for p in rows.points if p.within_budget)
    budget = f", {within:,} within budget" if view.budgeted else ""
    return f"{shown(view.name)}: {len(rows.points):,} point{'s' if len(rows.points) != 1 else ''}{budget}{front}"
