"""One renderer module per output format, chosen from one table.

Every module offers the same functions, each returning the whole text:
`analysis(reports, options)`, `comparison(comparison, options)`,
`budgets(results, options)` and `scaling(result, options, show_layers)`.
The table module also renders `verification(result, options)`. Formats that
can be written as they are made (JSON, JSON lines, CSV) also offer
`analysis_chunks(reports, options)`, the same text in pieces: a million-layer
report is never one string (`analysis_pieces` picks it where there is one).
"""

from __future__ import annotations

import importlib
from typing import Iterable, NamedTuple

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


def analysis_pieces(name: str, reports, options: Options) -> Iterable[str]:
    """The analysis view in the format `name`, as pieces of text to write one after another."""
    module = renderer(name)
    chunks = getattr(module, "analysis_chunks", None)
    return chunks(reports, options) if chunks is not None else [module.analysis(reports, options)]
