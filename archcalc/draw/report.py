"""`archcalc report`: one self-contained HTML file — the summary, where params and MACs go
(identical consecutive block uses folded into one row), the drawing (folded stacks expand on
a click), the per-layer table (sortable, filterable, rows linked to the drawing's boxes), for
several models a comparison (totals, a per-block difference, both drawings aligned by block),
and with `--sizes` one growth chart of every model.

No CDN, no web font, no network: the styles, the script and the pictures are inline, so
the file works opened from disk, offline, and prints legibly. Every control is reachable
from the keyboard (Tab, Enter). Light and dark themes follow the system's preference.
"""

from __future__ import annotations

import json

from .align import build_aligned
from .charts import growth_chart, growth_svg
from .layout import build
from .page import SCRIPT, STYLE
from .svg import escape, render_svg      # escape: names as `shown`, then HTML's escaping
from .tables import block_diff, comparison, layers_table, shares_table, summary

__all__ = ["render_report", "growth_svg", "script_json"]
OPEN_LIMIT = 1500        # the page's drawing of every layer: at most this many boxes


def script_json(data) -> str:
    """`data` as JSON to stand inside a <script> element, whose text a browser reads raw (no
    entities): `<`, `>` and `&` written as \\u escapes, so no `</script>` or `<!--` can end or
    bend the element, and everything else outside ASCII as escapes too (ensure_ascii).
    JSON.parse gives back the exact names."""
    text = json.dumps(data)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _focusable(box) -> str:
    """A box's attributes in the page: reachable with Tab (its <title> names it)."""
    return ' tabindex="0"'


def _expandable(keys: set[str]):
    """Attributes of the folded drawing's boxes: stacks and collapsed blocks that the page can
    show unfolded are buttons."""
    def attributes(box) -> str:
        return ' tabindex="0" role="button" aria-expanded="false"' if box.key in keys else ' tabindex="0"'
    return attributes


def _drawing(report, depth: int | None, fold: bool, index: int) -> tuple[str, dict[str, str], dict[str, str]]:
    """The drawing's HTML, and each layer's box in it and in the unfolded drawing. Where boxes
    are folded or collapsed, the page also holds the drawing of every layer (if it has at most
    OPEN_LIMIT boxes), shown when one of them is clicked."""
    folded = build(report, depth, fold)
    expandable = {b.key for b in folded.boxes if b.style in ("stack", "collapsed")}
    unfolded = build(report, None, fold=False, limit=OPEN_LIMIT) if expandable else None
    if unfolded is None or len(unfolded.boxes) > OPEN_LIMIT or unfolded.depth is not None:
        return (f'<div class="drawings" id="drawing{index}"><div class="drawing view-folded">'
                f'{render_svg(folded, False, _focusable, f"arrow{index}")}</div></div>', folded.box_of, folded.box_of)
    first_layer: dict[str, str] = {}              # a layer (or input) drawn in each box of the unfolded drawing
    for layer, key in unfolded.box_of.items():
        first_layer.setdefault(key, layer)
    holder = {key: folded.box_of.get(layer, "") for key, layer in first_layer.items()}

    def inside(box) -> str:
        held = holder.get(box.key, "")
        return ' tabindex="0"' + (f' data-in="{escape(held)}"' if held in expandable else "")
    views = [f'<p class="views"><button type="button" class="unfold" aria-pressed="false">Show every layer '
             f'({len(unfolded.boxes) - len(report.inputs or [0]):,})</button></p>',
             f'<div class="drawing view-folded">{render_svg(folded, False, _expandable(expandable), f"arrow{index}")}</div>',
             f'<div class="drawing view-open" hidden>{render_svg(unfolded, False, inside, f"arrow{index}-open")}</div>']
    return f'<div class="drawings" id="drawing{index}">{"".join(views)}</div>', folded.box_of, unfolded.box_of


def _comparison_section(reports, fold: bool) -> list[str]:
    body = ["<h2>Comparison</h2>", comparison(reports), '<div class="side">']
    body += [f'<div><h3>{escape(r.name)}</h3>{summary(r)}</div>' for r in reports]
    body.append("</div>")
    first = reports[0]
    for i, other in enumerate(reports[1:]):
        body += [f"<h3>Per block: {escape(first.name)} → {escape(other.name)}</h3>", block_diff(first, other, fold),
                 f"<h3>Drawings aligned by block: {escape(first.name)} and {escape(other.name)}</h3>",
                 f'<div class="drawing aligned">{render_svg(build_aligned(first, other, fold), False, _focusable, f"arrow-aligned{i}")}</div>']
    return body


def render_report(reports, depth=None, scalings=(), fold: bool = True) -> str:
    title = ", ".join(r.name for r in reports)
    body = [f"<h1>archcalc report: {escape(title)}</h1>"]
    if len(reports) > 1:
        body += _comparison_section(reports, fold)
    for i, report in enumerate(reports):
        drawing, box_of, open_box_of = _drawing(report, depth, fold, i)
        body += [f'<h2 id="model{i}">{escape(report.name)}</h2>', summary(report),
                 "<h3>Where params and MACs go</h3>", shares_table(report, box_of, fold),
                 "<h3>Drawing</h3>", drawing,
                 "<h3>Layers</h3>", layers_table(report, i, box_of, open_box_of)]
    if scalings:
        body += ["<h2>Cost by input size</h2>", growth_chart(scalings)]
    data = script_json([{"name": r.name, "params": r.totals.params, "macs": r.totals.macs} for r in reports])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{''.join(body)}<div id=\"tip\" role=\"tooltip\" hidden></div>"
            f"<script type=\"application/json\" id=\"archcalc-data\">{data}</script>"
            f"<script>{SCRIPT}</script></body></html>\n")
