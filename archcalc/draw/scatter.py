"""A sweep as a picture: a scatter of the points on two figures, the Pareto front drawn
through its points, points labelled by their settings; and the HTML page of a sweep.

Axes are the first two --pareto figures (MACs against params without --pareto), on a log
scale when a figure spans more than a factor of 20. Every point carries its settings as a
tooltip; with 40 points or fewer each is labelled, else only the front's.
"""

from __future__ import annotations

import math
from typing import Any

from .measure import text_width
from .svg import escape

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 420, 70, 30, 30, 50
LABEL_ALL = 40


def _axes(view) -> tuple[str, str]:
    if len(view.pareto) >= 2:
        return view.pareto[0], view.pareto[1]
    return "macs", "params"


def _scale(values: list[float], low: float, high: float):
    """Position of a value along [low, high]: log when every value is positive and they span >20×."""
    lo, hi = min(values), max(values)
    use_log = lo > 0 and hi / lo > 20
    if use_log:
        lo, hi = math.log10(lo), math.log10(hi)
    span = (hi - lo) or 1.0

    def at(v: float) -> float:
        return low + ((math.log10(v) if use_log else v) - lo) / span * (high - low)
    return at, use_log


def scatter_svg(view, standalone: bool = True) -> str:
    from ..sweep.front import figure
    from ..sweep.view import label
    xname, yname = _axes(view)
    shown: list[tuple[Any, float, float]] = []
    for p in view.points:
        x, y = figure(p, xname), figure(p, yname)
        if x is not None and y is not None:
            shown.append((p, float(x), float(y)))
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    head = (f'<svg{namespace} class="archcalc-sweep" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
            'font-family="system-ui, sans-serif" font-size="11">')
    if not shown:
        return head + f'<text x="20" y="40">No point has both {escape(xname)} and {escape(yname)}.</text></svg>'
    sx, xlog = _scale([x for _, x, _ in shown], LEFT, WIDTH - RIGHT)
    sy, ylog = _scale([y for _, _, y in shown], HEIGHT - BOTTOM, TOP)
    out = [head,
           f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="#495057"/>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#495057"/>',
           f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 12}" text-anchor="middle">'
           f'{escape(xname)}{" (log scale)" if xlog else ""}</text>',
           f'<text x="16" y="{(TOP + HEIGHT - BOTTOM) / 2:.0f}" text-anchor="middle" '
           f'transform="rotate(-90 16 {(TOP + HEIGHT - BOTTOM) / 2:.0f})">{escape(yname)}{" (log scale)" if ylog else ""}</text>']
    for value, anchor, attr in ((min(x for _, x, _ in shown), "start", "x"), (max(x for _, x, _ in shown), "end", "x")):
        out.append(f'<text x="{sx(value):.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="{anchor}">{_number(value)}</text>')
    for value in (min(y for _, _, y in shown), max(y for _, _, y in shown)):
        out.append(f'<text x="{LEFT - 4}" y="{sy(value) + 4:.1f}" text-anchor="end">{_number(value)}</text>')
    front = sorted(((x, y) for p, x, y in shown if p.pareto), key=lambda xy: xy)
    if len(front) > 1:
        out.append('<polyline class="front" fill="none" stroke="#e8590c" stroke-width="1.5" points="'
                   + " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in front) + '"/>')
    labelled = len(shown) <= LABEL_ALL
    for p, x, y in shown:
        text = escape(label(p, view.settings))
        colour = "#e8590c" if p.pareto else ("#adb5bd" if p.within_budget is False else "#4263eb")
        out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{4 if p.pareto else 3}" fill="{colour}">'
                   f'<title>{text}</title></circle>')
        if labelled or p.pareto:          # right of the point, or left of it where it would not fit
            right = sx(x) + 6 + text_width(label(p, view.settings), 11) > WIDTH
            anchor = ' text-anchor="end"' if right else ""
            out.append(f'<text x="{sx(x) + (-6 if right else 6):.1f}" y="{sy(y) - 5:.1f}" fill="#343a40"'
                       f'{anchor}>{text}</text>')
    out.append("</svg>")
    return "".join(out)


def _number(value: float) -> str:
    from ..units import human_count
    return human_count(int(value)) if value == int(value) and abs(value) >= 1000 else f"{value:g}"


def sweep_page(view) -> str:
    """The page: the scatter, then the table of every point (the table format's columns)."""
    from ..render.common import count, size
    from ..render import Options
    from ..sweep.view import text_rows, title
    options = Options()
    from ..render.device import seconds
    table = text_rows(view, lambda n: count(n, options), lambda n: size(n, options), str,
                      lambda v: seconds(v, options))

    def cell(tag: str, value: Any, align: str) -> str:
        text, style = value if isinstance(value, tuple) else (value, "")
        mark = ' class="hit"' if "cyan" in style else ' class="over"' if "red" in style else ""
        return f'<{tag}{mark} style="text-align:{align}">{escape(text)}</{tag}>'
    aligns = [justify for _, justify in table.columns]
    body = ["<tr>" + "".join(cell("th", h, a) for (h, _), a in zip(table.columns, aligns)) + "</tr>"]
    body += ["<tr>" + "".join(cell("td", c, a) for c, a in zip(row, aligns)) + "</tr>" for row in table.rows]
    errors = "".join(f"<li>{escape(line)}</li>" for line in table.errors)
    heading = escape(title(view, table, str))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>archcalc sweep: {escape(view.name)}</title><style>body{{font-family:system-ui,sans-serif;"
            "margin:2em}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #dee2e6}"
            ".hit{color:#e8590c;font-weight:bold}.over{color:#c92a2a}</style></head><body>"
            f"<h1>{heading}</h1>{scatter_svg(view, standalone=False)}<table>{''.join(body)}</table>"
            f"{'<ul>' + errors + '</ul>' if errors else ''}</body></html>\n")
