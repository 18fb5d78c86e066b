"""Two models drawn side by side, aligned by block: one row per pair of top-level parts that
tables.align matched (a folded run meets the other model's run of the same block), the first
model on the left. A part only one model has stands alone on its row, marked "new" or "gone";
a matched part of the second model says how its params and MACs changed. Each column's arrows
join its parts in execution order (the top-level parts; inner branches are in each model's own
drawing)."""

from __future__ import annotations

import math

from ..text import shown
from ..units import human_count
from .fold import Part, fold_parts
from .layout import BOX_H, FONT_SIZE, GAP_X, GAP_Y, MARGIN, MAX_W, MIN_W, PAD, STACK, TITLE_H, Box, Drawing, Edge, \
    place_legend
from .measure import cut_middle, text_width
from .tables import align, change

HEADER = 24


def _lines(part: Part, status: str) -> list[tuple[str, bool]]:
    kind = f"{shown(part.kind)} × {part.uses}" if part.uses > 1 else shown(part.kind)
    figures = f"{human_count(part.params)} params · {human_count(part.macs)} MACs"
    return [(shown(part.label), True), (kind, False), (figures, False), (status, False)]


def _status(a: Part | None, b: Part | None, side: int, b_name: str) -> str:
    what = change(a, b)
    if side == 0:
        return f"gone in {shown(b_name)}" if what == "gone" else ""
    if what in ("new", "same") or a is None or b is None:
        return what
    ratio = (lambda x, y: f"{y / x:.2f}×" if x else "+" + human_count(y))
    return f"{what}: params {ratio(a.params, b.params)}, MACs {ratio(a.macs, b.macs)}"


def build_aligned(a_report, b_report, fold: bool = True) -> Drawing:
    pairs = align(fold_parts(a_report.layers, fold=fold), fold_parts(b_report.layers, fold=fold))
    texts = [[] if part is None else _lines(part, _status(a, b, side, b_report.name))
             for a, b in pairs for side, part in enumerate((a, b))]
    inset = STACK if any(p is not None and p.uses > 1 for pair in pairs for p in pair) else 0
    needed = max((text_width(t, FONT_SIZE) for lines in texts for t, _ in lines), default=0)
    w = 2 * math.ceil(min(max(needed + 2 * PAD + inset, MIN_W), MAX_W) / 2)
    room = w - 2 * PAD - inset
    width = 2 * MARGIN + 2 * w + GAP_X
    drawing = Drawing(f"{a_report.name} and {b_report.name}, aligned by block", [], [], 0, 0, None, 0, box_w=w)
    top = MARGIN + TITLE_H + HEADER
    previous: list[str | None] = [None, None]
    totals = (a_report.totals.macs, b_report.totals.macs)
    for row, (a, b) in enumerate(pairs):
        for side, part in enumerate((a, b)):
            if part is None:
                continue
            key = f"{side}:{part.key}"
            box = Box(key, part.label, part.kind, (), part.params, part.macs, part.stop - part.first,
                      "stack" if part.uses > 1 else "collapsed" if not part.is_layer else "layer", part.uses,
                      share_of=totals[side], flops=part.flops)
            box.x, box.y, box.rank = MARGIN + side * (w + GAP_X), top + row * (BOX_H + GAP_Y), row
            box.lines = [cut_middle(t, room, FONT_SIZE, "." if bold else "") for t, bold in texts[2 * row + side]]
            drawing.boxes.append(box)
            if previous[side] is not None:
                source = next(x for x in drawing.boxes if x.key == previous[side])
                drawing.edges.append(Edge(source.key, key, (), [(source.x + w / 2, source.y + BOX_H),
                                                                (box.x + w / 2, box.y)]))
            previous[side] = key
    drawing.width = max(width, 360)
    drawing.title = cut_middle(shown(drawing.name), drawing.width - 2 * MARGIN, FONT_SIZE + 2, "")
    drawing.headers = [(MARGIN + side * (w + GAP_X), top - 8, cut_middle(shown(r.name), w, FONT_SIZE, ""))
                       for side, r in enumerate((a_report, b_report))]
    bottom = top + len(pairs) * (BOX_H + GAP_Y) - GAP_Y
    drawing.height = place_legend(drawing, ["Colour: each box's share of its own model's MACs."], bottom + 24)
    return drawing
