"""The grid: `--set NAME=VALUES` axes, and each point's settings by its number.

Points are numbered in grid order, the last axis varying fastest (as nested loops in the
order the `--set`s are given); with `--zip` the axes advance together. A point's settings
are computed from its number, so no list of points is ever built: a shard of a grid of
millions holds only its own range.
"""

from __future__ import annotations

from math import prod
from typing import Any, Mapping, NamedTuple

from ..errors import UsageError
from ..scale import is_range, parse_range
from ..text import suggest

# Settings that are not a spec's `args`: the figures' knobs, swept with `--set NAME=VALUES`
# as an argument is (a spec argument of the same name wins, as it does for `--set`).
KNOBS = ("batch", "dtype", "seq_len", "context", "device")


class Axis(NamedTuple):
    name: str
    values: tuple[Any, ...]          # as YAML reads each (an int, a float, true/false, a word)
    texts: tuple[str, ...]           # as written: what `--set NAME=TEXT` hands the spec
    knob: bool = False               # batch, dtype, seq_len or context rather than a spec argument


class Grid(NamedTuple):
    axes: tuple[Axis, ...]
    zipped: bool = False

    @property
    def size(self) -> int:
        if not self.axes:
            return 1
        return len(self.axes[0].values) if self.zipped else prod(len(a.values) for a in self.axes)

    def position(self, index: int) -> tuple[int, ...]:
        """Which value of each axis point `index` takes."""
        if self.zipped:
            return (index,) * len(self.axes)
        picks = []
        for axis in reversed(self.axes):
            index, pick = divmod(index, len(axis.values))
            picks.append(pick)
        return tuple(reversed(picks))

    def settings(self, index: int) -> dict[str, Any]:
        return {a.name: a.values[p] for a, p in zip(self.axes, self.position(index))}

    def texts(self, index: int) -> dict[str, str]:
        return {a.name: a.texts[p] for a, p in zip(self.axes, self.position(index))}

    def key(self, settings: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The settings as a hashable key that tells 1, 1.0 and true apart (None: other names)."""
        if list(settings) != [a.name for a in self.axes]:
            return None
        return tuple((type(v).__name__, v) for v in settings.values())


def read_value(text: str, option: str) -> Any:
    """One value as `--set NAME=VALUE` reads it: a YAML scalar (`32`, `1.1`, `false`, `relu`)."""
    import yaml
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except (yaml.YAMLError, ValueError):     # not YAML, or a date no calendar has: the text itself
        value = text
    if isinstance(value, (dict, list)) or value is None or value == "":
        raise UsageError(f"{option}: expected a number, true/false or a word, got {text!r}")
    if not isinstance(value, (bool, int, float, str)):   # a YAML date or timestamp: the text as written
        value = text
    return value


def parse_axis(item: str, limit: int) -> Axis:
    """`NAME=VALUES`: a list `16,32,64` (each read as `--set` reads one value) or a range as
    `scale --sizes` reads it (`2..8`, `32..512x2`, `160..320+32`)."""
    name, sep, text = item.partition("=")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"--set: expected NAME=VALUES, got {item!r}")
    option = f"--set {name}"
    if is_range(text):
        numbers = parse_range(text, option, limit, bound="--max-points", minimum=0)
        return Axis(name, tuple(numbers), tuple(str(n) for n in numbers))
    parts = [part.strip() for part in text.split(",")]
    if any(not part for part in parts):
        raise UsageError(f"{option}: an empty value in {text!r} (values are separated by commas)")
    if len(parts) > limit:
        raise UsageError(f"--max-points: {option} gives {len(parts):,} values, more than {limit:,}")
    return Axis(name, tuple(read_value(part, option) for part in parts), tuple(parts))


def read_grid(items: list[str], declared: Mapping[str, Any], zipped: bool, limit: int) -> Grid:
    """The axes of `--set` items; a name is the spec's argument, else a knob, else an error.
    `limit` bounds each axis's values (the grid's bound is checked by `check_size`)."""
    axes: list[Axis] = []
    for item in items:
        axis = parse_axis(item, limit)
        seen = [(type(v), v) for v in axis.values]
        if not zipped and len(set(seen)) < len(seen):      # zipped, a value may recur (B0 and B1: width 1.0)
            twice = next(t for t, v in zip(axis.texts, seen) if seen.count(v) > 1)
            raise UsageError(f"--set {axis.name}: the value {twice} is given twice")
        if any(a.name == axis.name for a in axes):
            raise UsageError(f"--set {axis.name}: given twice (give every value in one --set)")
        if axis.name not in declared:
            if axis.name not in KNOBS:
                names = ", ".join(declared) or "none"
                raise UsageError(f"--set {axis.name}: the spec declares no argument '{axis.name}' (its args: "
                                 f"{names}; also sweepable: {', '.join(KNOBS)})"
                                 + suggest(axis.name, [*declared, *KNOBS]))
            axis = axis._replace(knob=True)
            check_knob(axis)
        axes.append(axis)
    if zipped:
        if len(axes) < 2:
            raise UsageError("--zip pairs the values of two or more --set options")
        if len({len(a.values) for a in axes}) > 1:
            counts = ", ".join(f"{a.name} {len(a.values)}" for a in axes)
            raise UsageError(f"--zip needs as many values in every --set: {counts}")
        first: dict[tuple[Any, ...], int] = {}
        for k, point in enumerate(zip(*([(type(v), v) for v in a.values] for a in axes))):
            if point in first:
                raise UsageError(f"--zip: points {first[point] + 1} and {k + 1} have the same settings")
            first[point] = k
    return Grid(tuple(axes), zipped)


def check_knob(axis: Axis) -> None:
    """batch, seq_len and context take positive integers, dtype a dtype's name."""
    option = f"--set {axis.name}"
    if axis.name == "device":
        from ..device_table import parse_device
        for text in axis.texts:
            try:
                parse_device(text)
            except UsageError as exc:
                raise UsageError(f"{option}: {exc}") from None
        return
    if axis.name == "dtype":
        from ..dtypes import parse_dtype
        from ..errors import ArgumentError
        for text in axis.texts:
            try:
                parse_dtype(text)
            except ArgumentError as exc:
                raise UsageError(f"{option}: {exc}") from None
        return
    from ..graph import MAX_BATCH
    from ..args import MAX_INTEGER
    top = MAX_BATCH if axis.name == "batch" else MAX_INTEGER
    for value in axis.values:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise UsageError(f"{option}: expected integers from 1 to {'2^31' if axis.name == 'batch' else '2^62'}, "
                             f"got {value!r}")


def check_size(grid: Grid, max_points: int, shard: tuple[int, int] | None) -> range:
    """The points this run computes (all, or its shard's share), refused past `max_points`
    with the count before any is computed."""
    points = shard_range(grid.size, shard)
    if len(points) > max_points:
        which = f"shard {shard[0]}/{shard[1]} has" if shard else "the grid has"
        raise UsageError(f"--max-points: {which} {len(points):,} points, more than {max_points:,} "
                         f"(raise --max-points, or split the run with --shard I/N)")
    return points


def shard_range(size: int, shard: tuple[int, int] | None) -> range:
    """Shard i of n (from 1): the i-th of n contiguous runs of points, as even as can be."""
    if shard is None:
        return range(size)
    i, n = shard
    return range((i - 1) * size // n, i * size // n)


def parse_shard(text: str) -> tuple[int, int]:
    i, sep, n = text.partition("/")
    if not (sep and i.strip().isdigit() and n.strip().isdigit()) or not 1 <= int(i) <= int(n) or len(text) > 40:
        raise UsageError(f"--shard: expected I/N with 1 <= I <= N (e.g. 2/8), got {text[:40]!r}")
    return int(i), int(n)
