"""`--join results.csv`: measured columns (accuracy, latency) added to the points whose
settings they were measured at.

The file's header names its columns. Those named like a swept setting are the key, each
cell read as `--set` reads a value (`1.0`, `32`, `true`); every other column is measured,
a number where the cell reads as one. A point with no row has no measured values (and
stays off a front that uses them); two rows for one point are an error.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from ..errors import SpecError, UsageError
from .grid import Grid, read_value


class Joined(NamedTuple):
    key_columns: tuple[str, ...]
    columns: tuple[str, ...]                         # the measured ones, in the file's order
    rows: Mapping[tuple[Any, ...], Mapping[str, Any]]

    def measured(self, settings: Mapping[str, Any]) -> dict[str, Any] | None:
        key = tuple(_keyed(settings[name]) for name in self.key_columns)
        row = self.rows.get(key)
        return None if row is None else dict(row)


def _keyed(value: Any) -> tuple[str, Any]:
    return type(value).__name__, value


def read_join(text: str, file: str, grid: Grid) -> Joined:
    import csv
    import io
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise SpecError("the results file is empty (it needs a header row naming its columns)", file, 1)
    header = [name.strip() for name in header]
    swept = [a.name for a in grid.axes]
    keys = tuple(name for name in header if name in swept)
    columns = tuple(name for name in header if name not in swept)
    if not keys:
        raise SpecError(f"no column of the results file is a swept setting ({', '.join(swept) or 'none swept'}): "
                        "rows are matched on them", file, 1)
    if not columns:
        raise SpecError("the results file has no column besides the settings", file, 1)
    if len(set(header)) < len(header):
        raise SpecError("a column name is given twice in the results header", file, 1)
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for number, row in enumerate(reader, 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise SpecError(f"{len(row)} cells, the header has {len(header)}", file, number)
        cells = dict(zip(header, (cell.strip() for cell in row)))
        try:
            key = tuple(_keyed(read_value(cells[name], name)) for name in keys)
        except UsageError as exc:
            raise SpecError(str(exc), file, number) from None
        if key in rows:
            raise SpecError("a second row for the same settings", file, number)
        rows[key] = {name: _number(cells[name]) for name in columns}
    return Joined(keys, columns, rows)


def _number(text: str) -> Any:
    """An integer or a finite float where the cell reads as one, else the text ('' stays '')."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if value == value and value not in (float("inf"), float("-inf")) else text
