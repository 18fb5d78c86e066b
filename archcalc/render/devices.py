"""`archcalc devices` in each format: one row per device, peaks dense, units decimal."""

from __future__ import annotations

import json
from typing import Any, Sequence

from ..device_table import PEAK_NAMES, Device

TERA, GIGA = 10**12, 10**9


def _rows(devices: Sequence[Device]) -> tuple[list[str], list[list[Any]]]:
    header = ["name", "title", *(f"peak_{p}_tflops" for p in PEAK_NAMES), "bandwidth_gb_s", "memory_gb",
              "on_chip_mb", "source"]
    rows = []
    for d in devices:
        peaks = dict(d.peaks)
        rows.append([d.name, d.title, *("" if p not in peaks else _decimal(peaks[p], TERA) for p in PEAK_NAMES),
                     _decimal(d.bandwidth, GIGA), _decimal(d.memory, GIGA),
                     "" if d.on_chip is None else _decimal(d.on_chip, 10**6), d.source])
    return header, rows


def _decimal(n: int, unit: int) -> str:
    """n / unit written exactly (1979.0e12 / 2 FLOP/s is 989.5 TFLOP/s, never 989.4999)."""
    whole, rest = divmod(n, unit)
    if not rest:
        return f"{whole}"
    digits = f"{rest:0{len(str(unit)) - 1}d}".rstrip("0")
    return f"{whole}.{digits}"


def device_list(devices: Sequence[Device], fmt: str, width: int = 100) -> str:
    if fmt == "json":
        return json.dumps({"devices": [d.to_dict() for d in devices]}, indent=2) + "\n"
    header, rows = _rows(devices)
    if fmt == "csv":
        import csv
        import io
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        return out.getvalue()
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    return _table(rows, width)


def _table(rows: list[list[Any]], width: int) -> str:
    """Name, peaks, bandwidth and memory aligned, within `width`: columns that do not fit beside
    the others go to a second table (each starting with the device's name); the sources are
    listed under the tables by name, wrapped at spaces."""
    import textwrap
    short = ["device", *(p for p in PEAK_NAMES), "GB/s", "GB", "on-chip MB"]
    cells = [[row[0], *row[2:-1]] for row in rows]
    used = [i for i in range(1, len(short)) if any(str(c[i]) for c in cells)]
    widths = {i: max(len(str(x)) for x in [short[i], *(c[i] for c in cells)]) for i in range(len(short))}
    out = textwrap.wrap("Dense peaks in TFLOP/s (TOP/s for integers); bandwidth GB/s and memory GB in "
                        "powers of 1000.", width)
    for group in _column_groups(used, widths, width):
        columns = [0, *group]
        line = lambda values: "  ".join(str(v).ljust(widths[i]) if i == 0 else str(v).rjust(widths[i])  # noqa: E731
                                        for i, v in zip(columns, values)).rstrip()
        out += ["", line([short[i] for i in columns]), line(["-" * widths[i] for i in columns])]
        out += [line([c[i] for i in columns]) for c in cells]
    out += ["", "Sources:"]
    for row in rows:
        out += textwrap.wrap(f"{row[0]}: {row[1]}; {row[-1]}", width, initial_indent="  ", subsequent_indent="    ",
                             break_long_words=False, break_on_hyphens=False)
    return "\n".join(out) + "\n"


def _column_groups(columns: list[int], widths: dict[int, int], width: int) -> list[list[int]]:
    """`columns` in order, as many to a table as fit `width` beside the name (at least one)."""
    groups: list[list[int]] = [[]]
    used = widths[0]
    for i in columns:
        if groups[-1] and used + 2 + widths[i] > width:
            groups.append([])
            used = widths[0]
        groups[-1].append(i)
        used += 2 + widths[i]
    return groups
