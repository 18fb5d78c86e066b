"""The fields view's terminal table (`analyze --view fields`), laid out as the layers view is."""

from __future__ import annotations

from rich.text import Text

from ..text import shown
from .common import (FIELD_COLUMNS, BlockStart, count, display_name, field_cells, quotient_cell,
                     rows_with_block_headers, shape, zoom_lines)
from .aligned import aligned_table
from .table import _Lines, _title


def fields_table(report, options) -> Text:
    notes = any(layer.fields_note for layer in report.layers)
    rows = []
    blank = [("", "")] * (len(FIELD_COLUMNS) + 1 + notes)
    for row in rows_with_block_headers(report.layers):
        if isinstance(row, BlockStart):
            rows.append([("  " * row.depth + shown(row.name), "bold"), (shown(row.block), "dim"), *blank])
            continue
        cells = [(display_name(row), ""), (row.type, ""), (shape(row.output_shape), "")]
        cells += [(c, "") for c in field_cells(row, options)]
        if notes:
            cells.append((row.fields_note, "yellow" if row.fields_note else ""))
        rows.append(cells)
    columns = [("Layer", "left"), ("Type", "left"), ("Output shape", "left"),
               *((name, "right") for name in FIELD_COLUMNS)] + ([("Note", "left")] if notes else [])
    t = report.totals
    footer = ["Total", "", "", "", "", "", "", count(t.dense_equivalent_params, options),
              quotient_cell(t.sharing_factor, "×"), ""] + ([""] if notes else [])
    return aligned_table(_title(report), columns, rows, footer, options.width or 100, options.color, paired=True)


def zoom_summary(report, options) -> Text:
    grid = _Lines()
    for label, text in zoom_lines(report, options):
        grid.add_row(label, text)
    return grid.to_text(options.width or 100)
