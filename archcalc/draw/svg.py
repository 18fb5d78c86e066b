"""The layered drawing as SVG: one box per layer (or collapsed block, or folded stack of
identical block uses), coloured by its share of the model's MACs, with name, type, output
shape, params and MACs; edges labelled with the tensor shape they carry; the legend and any
note about what was collapsed inside the canvas. Self-contained: no fonts or scripts from
anywhere else. Every position comes from layout.py; this module only writes it out."""

from __future__ import annotations

from html import escape as _escape

from ..text import shown
from .layout import BOX_H, EDGE_FONT, FONT_SIZE, LINE, PAD, SMALL, STACK, STEPS_LABELS, Box, Drawing, shape_text
from .measure import FONT

# Light to dark orange: the share of MACs a box runs (inputs and zero-MAC layers: grey).
STEPS = ["#fff4e6", "#ffd8a8", "#ffa94d", "#fd7e14", "#d9480f"]
GREY = "#f1f3f5"


def escape(text: str) -> str:
    """Text for an SVG element or attribute: as `shown` (XML holds no control character,
    U+FFFE or lone surrogate), then with its markup characters escaped."""
    return _escape(shown(text))


def _fill(macs: int, total: int) -> str:
    if not macs or not total:
        return GREY
    share = macs / total
    for i, limit in enumerate((0.01, 0.05, 0.15, 0.4)):
        if share < limit:
            return STEPS[i]
    return STEPS[4]


def box_title(box: Box) -> str:
    """A box's exact figures, for hover and for screen readers."""
    if box.is_input:
        return f"{box.label} (input): {shape_text(box.shape)}"
    what = (f"{box.count} identical uses of {box.type}" if box.style == "stack"
            else f"{box.type}, {box.layers} layers" if box.style == "collapsed" else box.type)
    shape = f"output {shape_text(box.shape)}, " if box.shape else ""
    return f"{box.label} ({what}): {shape}{box.params:,} params, {box.macs:,} MACs, {box.flops:,} FLOPs"


def _box(box: Box, drawing: Drawing, extra: str) -> str:
    w, fill = drawing.box_w, _fill(box.macs, box.share_of or drawing.total_macs)
    out = [f'<g class="box {box.style}" data-key="{escape(box.key)}"{extra}><title>{escape(box_title(box))}</title>']
    x, y, face_w, face_h = box.x, box.y, w, BOX_H
    if box.style == "stack":
        for step in (0, STACK / 2):                # two shadows behind the face, inside the box's area
            out.append(f'<rect class="shadow" x="{x + STACK - step:.1f}" y="{y + step:.1f}" width="{w - STACK:.1f}" '
                       f'height="{BOX_H - STACK:.1f}" rx="6" fill="{fill}" stroke="#343a40"/>')
        y, face_w, face_h = y + STACK, w - STACK, BOX_H - STACK
    dashed = ' stroke-dasharray="4 3"' if box.style == "collapsed" else ""
    out.append(f'<rect class="face" x="{x:.1f}" y="{y:.1f}" width="{face_w:.1f}" height="{face_h:.1f}" rx="6" '
               f'fill="{fill}" stroke="#343a40"{dashed}/>')
    top = y + (face_h - 4 * LINE) / 2 + 11
    for i, text in enumerate(box.lines):
        if not text:
            continue
        bold = ' font-weight="bold"' if i == 0 else ""
        out.append(f'<text x="{x + PAD:.1f}" y="{top + i * LINE:.1f}"{bold}>{_escape(text)}</text>')
    out.append("</g>")
    return "".join(out)


def render_svg(drawing: Drawing, standalone: bool = True, box_attributes=None, marker: str = "arrow") -> str:
    """The drawing as SVG text; `standalone` adds the namespace; `box_attributes(box)` adds
    attributes to a box's group (the report's links and keyboard focus); `marker` names the
    arrowhead, unique per drawing in a page (a hidden drawing's marker draws nothing in the
    others)."""
    w, h = drawing.width, drawing.height
    size = f'width="{w:.0f}" height="{h:.0f}" '
    out = [('<svg xmlns="http://www.w3.org/2000/svg" class="archcalc-drawing" ' if standalone
            else '<svg class="archcalc-drawing" ')
           + f'{size}viewBox="0 0 {w:.0f} {h:.0f}" font-family="{escape(FONT)}" font-size="{FONT_SIZE}">',
           f"<defs><marker id=\"{marker}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#495057\"/>"
           "</marker></defs>",
           f'<rect class="canvas" width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>',
           f'<text class="title" x="16" y="30" font-weight="bold" font-size="{FONT_SIZE + 2}">'
           f'{_escape(drawing.title)}</text>']
    for x, y, text in drawing.headers:
        out.append(f'<text class="header" x="{x:.1f}" y="{y:.1f}" font-weight="bold">{_escape(text)}</text>')
    labelled: set[tuple[str, tuple]] = set()     # one shape label per source box and shape
    for edge in drawing.edges:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in edge.points)
        out.append(f'<polyline class="edge" data-from="{escape(edge.source)}" data-to="{escape(edge.target)}" '
                   f'points="{points}" fill="none" stroke="#495057" stroke-width="1.2" marker-end="url(#{marker})"/>')
        (x0, y0), (_, y1) = edge.points[0], edge.points[1]
        if edge.shape and y1 - y0 >= EDGE_FONT and (edge.source, edge.shape) not in labelled:
            labelled.add((edge.source, edge.shape))
            out.append(f'<text class="edge-label" x="{x0 + 5:.1f}" y="{(y0 + y1) / 2 + 4:.1f}" fill="#495057" '
                       f'font-size="{EDGE_FONT}">{escape(shape_text(edge.shape))}</text>')
    for box in drawing.boxes:
        out.append(_box(box, drawing, box_attributes(box) if box_attributes else ""))
    out.append(_legend(drawing))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(drawing: Drawing) -> str:
    out = ['<g class="legend">']
    for kind, x, y, text in drawing.legend:
        label = f'<text x="{x + (20 if kind == "swatch" else 24):.1f}" y="{y + 11:.1f}" font-size="{SMALL}">' \
                f'{_escape(text)}</text>'
        if kind == "heading":
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{SMALL}">{_escape(text)}</text>')
        elif kind == "swatch":
            colour = STEPS[STEPS_LABELS.index(text)]
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="14" fill="{colour}" stroke="#343a40"/>'
                       + label)
        elif kind == "dashed":
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="18" height="14" fill="{GREY}" stroke="#343a40" '
                       'stroke-dasharray="4 3"/>' + label)
        else:
            out.append(f'<rect x="{x + 4:.1f}" y="{y:.1f}" width="14" height="10" fill="{GREY}" stroke="#343a40"/>'
                       f'<rect x="{x:.1f}" y="{y + 4:.1f}" width="14" height="10" fill="{GREY}" stroke="#343a40"/>'
                       + label)
    for x, y, text in drawing.notes:
        out.append(f'<text class="note" x="{x:.1f}" y="{y:.1f}" font-size="{SMALL}">{_escape(text)}</text>')
    out.append("</g>")
    return "".join(out)
