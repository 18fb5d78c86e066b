"""The layered drawing as SVG: one box per layer (or collapsed block), coloured by its share
of the model's MACs, with name, type, output shape, params and MACs; edges labelled with
the tensor shape they carry. Self-contained: no fonts or scripts from anywhere else."""

from __future__ import annotations

from html import escape as _escape

from ..text import shown
from ..units import human_count
from .layout import BOX_H, BOX_W, Drawing

FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"
# Light to dark orange: the share of MACs a box runs (inputs and zero-MAC layers: grey).
STEPS = ["#fff4e6", "#ffd8a8", "#ffa94d", "#fd7e14", "#d9480f"]


def escape(text: str) -> str:
    """Text for an SVG element or attribute: as `shown` (XML holds no control character,
    U+FFFE or lone surrogate), then with its markup characters escaped."""
    return _escape(shown(text))


def _fill(macs: int, total: int) -> str:
    if not macs or not total:
        return "#f1f3f5"
    share = macs / total
    for i, limit in enumerate((0.01, 0.05, 0.15, 0.4)):
        if share < limit:
            return STEPS[i]
    return STEPS[4]


def _shape(shape) -> str:
    return "×".join(str(n) for n in shape)


def render_svg(drawing: Drawing, standalone: bool = True) -> str:
    w, h = drawing.width, drawing.height + 60
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="archcalc-drawing" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="{escape(FONT)}" font-size="12">'
           if standalone else
           f'<svg class="archcalc-drawing" viewBox="0 0 {w:.0f} {h:.0f}" font-family="{escape(FONT)}" font-size="12">',
           "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#495057\"/>"
           "</marker></defs>",
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           f'<text x="24" y="16" font-weight="bold">{escape(drawing.name)}</text>']
    for edge in drawing.edges:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in edge.points)
        out.append(f'<polyline class="edge" data-from="{escape(edge.source)}" data-to="{escape(edge.target)}" '
                   f'points="{points}" fill="none" stroke="#495057" stroke-width="1.2" marker-end="url(#arrow)"/>')
        (x0, y0), (_, y1) = edge.points[0], edge.points[1]
        if edge.shape:
            out.append(f'<text class="edge-label" x="{x0 + 6:.1f}" y="{(y0 + y1) / 2 + 4:.1f}" fill="#495057" '
                       f'font-size="10">{escape(_shape(edge.shape))}</text>')
    for box in drawing.boxes:
        dashed = ' stroke-dasharray="4 3"' if box.layers > 1 else ""
        title = (f"{box.label} ({box.type}): output {_shape(box.shape)}, {box.params:,} params, {box.macs:,} MACs"
                 + (f", {box.layers} layers" if box.layers > 1 else ""))
        out.append(f'<g class="box" data-key="{escape(box.key)}"><title>{escape(title)}</title>'
                   f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="6" '
                   f'fill="{_fill(box.macs, drawing.total_macs)}" stroke="#343a40"{dashed}/>')
        label = box.label if len(box.label) <= 30 else "…" + box.label[-29:]
        lines = [(label, "bold"), (f"{box.type}" + (f" ({box.layers} layers)" if box.layers > 1 else ""), ""),
                 (_shape(box.shape), "")]
        if not box.is_input:
            lines.append((f"{human_count(box.params)} params · {human_count(box.macs)} MACs", ""))
        for i, (text, weight) in enumerate(lines):
            bold = ' font-weight="bold"' if weight else ""
            out.append(f'<text x="{box.x + 10:.1f}" y="{box.y + 17 + i * 15:.1f}"{bold}>{escape(text)}</text>')
        out.append("</g>")
    y = drawing.height + 10
    out.append(f'<text x="24" y="{y:.0f}" font-size="11">Colour: share of the model\'s MACs</text>')
    for i, (colour, label) in enumerate(zip(STEPS, ("&lt; 1 %", "1–5 %", "5–15 %", "15–40 %", "≥ 40 %"))):
        x = 24 + i * 92
        out.append(f'<rect x="{x}" y="{y + 8:.0f}" width="14" height="14" fill="{colour}" stroke="#343a40"/>'
                   f'<text x="{x + 20}" y="{y + 19:.0f}" font-size="11">{label}</text>')
    out.append(f'<text x="{24 + 5 * 92}" y="{y + 19:.0f}" font-size="11">dashed: a collapsed block</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
