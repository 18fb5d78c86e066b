"""One renderer module per output format, chosen from one table.

Every module offers the same functions, each returning the whole text:
`analysis(reports, options)`, `comparison(comparison, options)`,
`budgets(results, options)` and `scaling(result, options, show_layers)`.
The table module also renders `verification(result, options)`.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

FORMATS = {
    "table": "archcalc.render.table",
    "json": "archcalc.render.jsonfmt",
    "jsonl": "archcalc.render.jsonlfmt",
    "csv": "archcalc.render.csvfmt",
    "markdown": "archcalc.render.markdown",
}


class Options(NamedTuple):
    exact: bool = False          # integers instead of K/M/G and KiB/MiB
    width: int | None = None     # table width in characters
    color: bool = False


def renderer(name: str):
    # Imported on demand: only the table format needs rich.
    return importlib.import_module(FORMATS[name])
