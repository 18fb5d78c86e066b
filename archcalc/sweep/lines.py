"""A point as one JSON line, and JSON lines back into points (`sweep --merge`).

The line holds `settings`, `totals` (as analyze's JSON), `within_budget`, then `measured`
with `--join` and `pareto` with `--pareto`; an invalid point kept by `--keep-going` holds
`settings` and `error`. Merging reads each shard's lines back and writes them again with
the same function, so the merged text equals the unsharded run's byte for byte.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

from ..errors import SpecError, UsageError
from ..text import json_escaped
from .grid import Grid
from .source import Point


def point_record(point: Point) -> dict[str, Any]:
    record: dict[str, Any] = {"settings": dict(point.settings)}
    if point.error is not None:
        record["error"] = point.error
        return record
    record["totals"] = point.totals
    record["within_budget"] = point.within_budget
    if point.measured is not None:
        record["measured"] = dict(point.measured)
    if point.pareto is not None:
        record["pareto"] = point.pareto
    return record


def point_line(point: Point) -> str:
    return json_escaped(json.dumps(point_record(point), ensure_ascii=False)) + "\n"


_KEYS = {"settings", "totals", "within_budget", "measured", "pareto", "error"}


def read_parts(files: Iterable[str], grid: Grid, read: Any) -> list[Point]:
    """Every point of the shards' JSON lines, in grid order; each grid point exactly once.
    `read(file)` gives a file's text. Measured columns and the front are the merge's own."""
    found: dict[int, Point] = {}
    index = {grid.key(grid.settings(i)): i for i in range(grid.size)}
    for file in files:
        for number, line in enumerate(read(file).splitlines(), 1):
            if not line.strip():
                continue
            point = _point(line, file, number, grid, index)
            if point.number in found:
                raise SpecError(f"the point {_shown(point.settings)} is in the shards twice", file, number)
            found[point.number] = point
    if len(found) < grid.size:
        missing = next(i for i in range(grid.size) if i not in found)
        raise UsageError(f"--merge: {grid.size - len(found):,} of the grid's {grid.size:,} points are in no shard, "
                         f"the first {_shown(grid.settings(missing))}")
    return [found[i] for i in range(grid.size)]


def _point(line: str, file: str, number: int, grid: Grid, index: dict[Any, int]) -> Point:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise SpecError(f"not a JSON line: {exc}", file, number) from None
    if not isinstance(data, dict) or not isinstance(data.get("settings"), dict) or set(data) - _KEYS:
        raise SpecError("not a line of archcalc sweep --format jsonl (keys settings, totals, within_budget)",
                        file, number)
    settings = data["settings"]
    at = index.get(grid.key(settings))
    if at is None:
        raise SpecError(f"the point {_shown(settings)} is not in this grid (the same SPEC and --set options "
                        "as the shards are needed)", file, number)
    if "error" in data:
        return Point(at, settings, None, None, error=str(data["error"]))
    if not isinstance(data.get("totals"), dict) or not isinstance(data.get("within_budget"), bool):
        raise SpecError("a point's line needs totals and within_budget", file, number)
    return Point(at, settings, data["totals"], data["within_budget"])


def _shown(settings: Any) -> str:
    from ..text import one_line
    return one_line(", ".join(f"{k}={json.dumps(v)}" for k, v in settings.items()), 200)


def settings_text(settings: Any) -> str:
    """`width=16, depth=3`, for messages and labels."""
    return _shown(settings)


def lines(points: Iterable[Point]) -> Iterator[str]:
    for point in points:
        yield point_line(point)
