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
