"""Growth charts: params and MACs against the input side, log–log, every model in one chart.

Each model has its colour; MACs are a solid line with round markers and params a dashed line
with square markers, so the two figures stay apart even where their lines meet, and in print
without colour. The y axis is labelled at every power of ten with its value ("10 M"), the x
axis at every size analysed."""

from __future__ import annotations

import math

from .measure import cut_middle
from .svg import escape

COLOURS = ("#d9480f", "#1c7ed6", "#2b8a3e", "#862e9c", "#e67700", "#495057")
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 20, 44
SIZE = 11


def power_label(power: int) -> str:
    """10**power as an axis label: "1", "10", "100", "1 K", "10 K", … "100 E"."""
    if power < 0:
        return f"1e{power}"
    units = ("", " K", " M", " G", " T", " P", " E")
    return f"{10 ** (power % 3)}{units[min(power // 3, len(units) - 1)]}" if power < 21 else f"1e{power}"


def _series(results):
    """(model, figure, sizes, values, exponent) per line; a model analysed at fewer than two
    sizes has no line."""
    lines = []
    for result in results:
        points = [p for p in result.points if p.report is not None]
        if len(points) < 2:
            continue
        sizes = [p.size for p in points]
        lines.append((result.name, "MACs", sizes, [p.report.totals.macs for p in points], result.macs_exponent))
        lines.append((result.name, "params", sizes, [p.report.totals.params for p in points],
                      result.params_exponent))
    return lines


def growth_chart(results, width: int = 640, height: int = 340) -> str:
    """One chart of every model's params and MACs against the input side."""
    lines = _series(results)
    if not lines:
        return "<p>Fewer than two sizes analysed: no curve.</p>"
    names = list(dict.fromkeys(name for name, *_ in lines))
    legend_h = 16 * len(lines)
    plot_h = height - TOP - BOTTOM
    total_h = height + legend_h + 8
    xs = sorted({s for _, _, sizes, _, _ in lines for s in sizes})
    values = [v for *_, vs, _ in lines for v in vs if v > 0]
    x0, x1 = math.log10(xs[0]), math.log10(xs[-1])
    y0, y1 = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    y1 = y1 if y1 > y0 else y0 + 1

    def sx(x: float) -> float:
        return LEFT + (math.log10(x) - x0) / ((x1 - x0) or 1) * (width - LEFT - RIGHT)

    def sy(v: float) -> float:
        return TOP + plot_h - (math.log10(v) - y0) / (y1 - y0) * plot_h

    out = [f'<svg class="growth" viewBox="0 0 {width} {total_h}" width="{width}" height="{total_h}" '
           f'font-family="system-ui, sans-serif" font-size="{SIZE}">',
           f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{width - RIGHT}" y2="{TOP + plot_h}" stroke="currentColor"/>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="currentColor"/>']
    step = max(1, math.ceil((y1 - y0) / 8))
    for power in range(y0, y1 + 1, step):
        y = sy(10 ** power)
        out.append(f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="currentColor" '
                   f'stroke-opacity="0.15"/><text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{power_label(power)}</text>')
    for size in xs:
        out.append(f'<text x="{sx(size):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{size}</text>')
    out.append(f'<text x="{(LEFT + width - RIGHT) / 2:.0f}" y="{TOP + plot_h + 34}" text-anchor="middle">'
               'input side (pixels or tokens, log scale)</text>')
    out.append(f'<text transform="translate(12 {TOP + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">'
               'count per inference (log scale)</text>')
    for i, (name, figure, sizes, vals, exponent) in enumerate(lines):
        colour = COLOURS[names.index(name) % len(COLOURS)]
        dash = ' stroke-dasharray="6 4"' if figure == "params" else ""
        coords = [(sx(s), sy(v)) for s, v in zip(sizes, vals) if v > 0]
        out.append(f'<polyline class="line" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in coords)}" fill="none" '
                   f'stroke="{colour}" stroke-width="2"{dash}/>')
        for (a, b), v, s in zip(coords, vals, sizes):
            mark = (f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5"' if figure == "MACs"
                    else f'<rect x="{a - 3.5:.1f}" y="{b - 3.5:.1f}" width="7" height="7"')
            out.append(f'{mark} fill="{colour}"><title>{escape(name)}: {v:,} {figure} at {s}</title>'
                       f'{"</circle>" if figure == "MACs" else "</rect>"}')
        ly = height + 4 + 16 * i
        text = f"{name} {figure}" + (f" ∝ size^{exponent:.2f}" if exponent is not None else "")
        text = cut_middle(text, width - LEFT - 40 - RIGHT, SIZE, "")
        out.append(f'<line x1="{LEFT}" y1="{ly - 4}" x2="{LEFT + 28}" y2="{ly - 4}" stroke="{colour}" '
                   f'stroke-width="2"{dash}/><text x="{LEFT + 36}" y="{ly}" fill="currentColor">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def growth_svg(result, width: int = 640, height: int = 340) -> str:
    """One model's chart (`scale --plot`)."""
    return growth_chart([result], width, height)

