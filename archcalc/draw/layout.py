"""The drawing's graph and its layered layout, top to bottom, from a Report alone.

Boxes are layers, block uses collapsed at a depth (dashed), or runs of identical block uses
folded into one stack ("× 32", see fold.py). Each box sits on the row one below its deepest
input (longest-path layering), boxes of a row ordered by the mean position of their inputs
(one barycentre pass) and placed as near it as their neighbours allow (the inputs' row is
centred), so a chain runs straight down. Every box of a drawing has one width: the widest of its
lines as measured by measure.py, within [MIN_W, MAX_W]; a longer line is cut in the middle.
An edge between neighbouring rows is a straight line through the gap between them; a longer
one (a skip connection) leaves its box into the gap below, runs down a lane to the right of
every box, and enters its target from the gap above, so it never crosses a box. A lane is
reused once the edge in it has ended, so the drawing is as wide as the most skip connections
open at once need. The legend and notes are laid out inside the canvas, wrapped to its width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..text import shown
from ..units import human_count
from .fold import Part, fold_parts
from .measure import cut_middle, text_width

FONT_SIZE, SMALL = 12, 11       # box text; legend, notes and edge labels (10 for edge labels)
EDGE_FONT = 10
LINE = 15                       # baseline to baseline in a box
PAD = 8                         # box text to the box's border
STACK = 6                       # a stack's two shadows are drawn this far behind its face
MIN_W, MAX_W = 150, 300
BOX_H = 4 * LINE + 16
GAP_X, GAP_Y = 30, 56
LANE = 10                       # spacing of the lanes that long edges run down
MARGIN = 16
TITLE_H = 28
MIN_CANVAS = 360                # room for the legend's swatches in two lines at most
AUTO_COLLAPSE = 400             # more boxes than this: collapse block uses, with a note saying so
STEPS_LABELS = ("< 1 %", "1–5 %", "5–15 %", "15–40 %", "≥ 40 %")


@dataclass
class Box:
    key: str
    label: str
    type: str
    shape: tuple
    params: int = 0
    macs: int = 0
    layers: int = 0
    style: str = "layer"            # "input", "layer", "collapsed" (a block use), "stack" (a folded run)
    count: int = 1                  # uses folded into a stack
    share_of: int = 0               # the MACs its colour is a share of (0: the drawing's model's)
    flops: int = 0
    rank: int = 0
    x: float = 0.0
    y: float = 0.0
    lines: list[str] = field(default_factory=list)

    @property
    def is_input(self) -> bool:
        return self.style == "input"


@dataclass
class Edge:
    source: str
    target: str
    shape: tuple
    points: list = field(default_factory=list)


@dataclass
class Drawing:
    name: str
    boxes: list[Box]
    edges: list[Edge]
    width: float
    height: float
    depth: int | None
    total_macs: int
    box_w: float = MIN_W
    box_of: dict[str, str] = field(default_factory=dict)      # layer (or input) name -> its box's key
    title: str = ""
    legend: list[tuple[str, float, float, str]] = field(default_factory=list)   # (kind, x, y, text)
    notes: list[tuple[float, float, str]] = field(default_factory=list)        # (x, baseline, text)
    hidden_layers: int = 0          # layers inside collapsed boxes
    headers: list[tuple[float, float, str]] = field(default_factory=list)     # column heads (x, baseline, text)


def shape_text(shape) -> str:
    return "×".join(str(n) for n in shape)


def _units(layers, depth: int | None, fold: bool, level: int, start: int, stop: int, out: list) -> None:
    """The boxes' parts, in execution order: layers, folded runs, and uses at `depth` collapsed."""
    for part in fold_parts(layers, level, start, stop, fold):
        if part.is_layer or part.uses > 1:
            out.append(part)
        elif depth is not None and level + 1 >= depth:
            out.extend(_collapsed(layers, part))
        else:
            _units(layers, depth, fold, level + 1, part.first, part.stop, out)


def _collapsed(layers, part: Part) -> list[Part]:
    """A block use as one box; but a join ending it that takes an input from outside the use
    (DenseNet's concatenation of the block's input, a residual add over the whole block) is a
    box of its own, so that the connection shows as an edge around the block's box."""
    last = layers[part.stop - 1]
    inside = part.key + "."
    if part.stop - part.first < 2 or len(last.inputs) < 2 or all(x.startswith(inside) for x in last.inputs):
        return [part]
    body = layers[part.first:part.stop - 1]
    sums = {"params": sum(x.params for x in body), "macs": sum(x.macs for x in body),
            "flops": sum(x.flops for x in body)}
    join = Part(last.name, last.name, last.type, part.level + 1, part.stop - 1, part.stop, 1, True, last.params,
                last.macs, last.flops)
    return [part._replace(stop=part.stop - 1, **sums), join]


def _graph(report, depth: int | None, fold: bool) -> Drawing:
    boxes: dict[str, Box] = {}
    box_of: dict[str, str] = {}
    shape_of: dict[str, tuple] = {}
    for name, shape in (report.inputs or (("input", report.input),)):
        boxes[name] = Box(name, name, "input", tuple(shape), style="input")
        box_of[name] = name
        shape_of[name] = tuple(shape)
    edges: dict[tuple[str, str], Edge] = {}
    parts: list = []
    _units(report.layers, depth, fold, 0, 0, len(report.layers), parts)
    layers = report.layers
    for part in parts:
        style = "layer" if part.is_layer else "stack" if part.uses > 1 else "collapsed"
        last = layers[part.stop - 1]
        box = boxes[part.key] = Box(part.key, part.label, part.kind, tuple(last.output_shape), part.params, part.macs,
                                    part.stop - part.first, style, part.uses, flops=part.flops)
        for layer in layers[part.first:part.stop]:
            box_of[layer.name] = part.key
            shape_of[layer.name] = tuple(layer.output_shape)
        for layer in layers[part.first:part.stop]:
            for source in layer.inputs:
                source_key = box_of.get(source, source)
                if source_key != box.key and source_key in boxes and (source_key, box.key) not in edges:
                    edges[(source_key, box.key)] = Edge(source_key, box.key, shape_of.get(source, ()))
    drawing = Drawing(report.name, list(boxes.values()), list(edges.values()), 0, 0, depth, report.totals.macs)
    drawing.box_of = box_of
    return drawing


def build(report, depth: int | None = None, fold: bool = True, limit: int = AUTO_COLLAPSE) -> Drawing:
    """The boxes and edges of `report`, placed. `depth` collapses block uses nested deeper than
    it; None: every layer, unless that makes more than `limit` boxes, in which case the
    deepest depth that does not is chosen and a note in the picture says so. `fold` draws runs
    of identical consecutive block uses as one stack."""
    notes: list[str] = []
    drawing = _graph(report, depth, fold)
    if depth is None and len(drawing.boxes) > limit:
        deepest = max((len(layer.blocks) for layer in report.layers), default=0)
        for level in range(deepest, 0, -1):
            drawing = _graph(report, level, fold)
            if len(drawing.boxes) <= limit:
                break
        if drawing.depth is not None:
            notes.append(f"{len(report.layers):,} layers would be more than {limit} boxes: block uses "
                         f"nested deeper than {drawing.depth} are drawn as one dashed box each.")
    collapsed = [b for b in drawing.boxes if b.style == "collapsed"]
    if collapsed:
        notes += _collapse_notes(report, drawing, bool(notes))
        drawing.hidden_layers = sum(b.layers for b in collapsed)
    _place(drawing, notes)
    return drawing


def _collapse_notes(report, drawing: Drawing, automatic: bool) -> list[str]:
    """What the picture says about collapsed boxes: why, which joins stay drawn, which are
    hidden inside, and how to see every layer."""
    depth = drawing.depth
    notes = [] if automatic else [f"--depth {depth}: block uses nested deeper than {depth} are drawn as one "
                                  "dashed box each."]
    styles = {b.key: b.style for b in drawing.boxes}
    shown_joins: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for layer in report.layers:
        if len(layer.inputs) < 2:
            continue
        style = styles.get(drawing.box_of.get(layer.name, ""))
        if style == "collapsed":
            hidden[layer.type] = hidden.get(layer.type, 0) + 1
        elif style == "layer" and depth is not None and len(layer.blocks) >= depth:
            shown_joins[layer.type] = shown_joins.get(layer.type, 0) + 1
    if shown_joins:
        notes.append("Joins ending a block with an input from outside it are drawn as boxes of their own, so their "
                     "connections show: " + _counted(shown_joins) + ".")
    if hidden:
        notes.append("Hidden inside the dashed boxes: " + _counted(hidden) + " joins.")
    deepest = max(len(layer.blocks) for layer in report.layers)
    notes.append(f"Every layer: archcalc draw --depth {deepest + 1} (or report --depth {deepest + 1}).")
    return notes


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _lines(box: Box) -> list[tuple[str, bool]]:
    """(text, bold) of each line of a box, uncut and as drawn (names through `shown`)."""
    if box.style == "stack":
        kind = f"{shown(box.type)} × {box.count}"
    elif box.style == "collapsed":
        kind = f"{shown(box.type)} ({box.layers} layers)"
    else:
        kind = shown(box.type)
    lines = [(shown(box.label), True), (kind, False), (shape_text(box.shape), False)]
    if not box.is_input:
        lines.append((f"{human_count(box.params)} params · {human_count(box.macs)} MACs", False))
    return lines


def _size_boxes(drawing: Drawing) -> None:
    """One width for every box: the widest line's, within [MIN_W, MAX_W]; longer lines cut."""
    inset = STACK if any(b.style == "stack" for b in drawing.boxes) else 0
    needed = max(text_width(text, FONT_SIZE) for box in drawing.boxes for text, _ in _lines(box))
    drawing.box_w = 2 * math.ceil(min(max(needed + 2 * PAD + inset, MIN_W), MAX_W) / 2)   # even: whole centres
    room = drawing.box_w - 2 * PAD - inset
    for box in drawing.boxes:
        box.lines = [cut_middle(text, room, FONT_SIZE, "." if bold else "") for text, bold in _lines(box)]


def _place(drawing: Drawing, notes: list[str]) -> None:
    _size_boxes(drawing)
    w = drawing.box_w
    by_key = {box.key: box for box in drawing.boxes}
    inputs_of: dict[str, list[str]] = {box.key: [] for box in drawing.boxes}
    for edge in drawing.edges:
        inputs_of[edge.target].append(edge.source)
    for box in drawing.boxes:                     # boxes come in execution order
        box.rank = 1 + max((by_key[s].rank for s in inputs_of[box.key]), default=-1)
    rows: dict[int, list[Box]] = {}
    for box in drawing.boxes:
        rows.setdefault(box.rank, []).append(box)
    widest = max(len(row) for row in rows.values())
    content = widest * w + (widest - 1) * GAP_X
    lanes = _assign_lanes(drawing, by_key)
    lanes_w = (GAP_X / 2 + lanes * LANE) if lanes else 0
    drawing.width = max(2 * MARGIN + content + lanes_w, MIN_CANVAS, _legend_min_width(drawing))
    drawing.width = math.ceil(drawing.width)
    left = (drawing.width - content - lanes_w) // 2
    position: dict[str, float] = {}
    top = MARGIN + TITLE_H + (4 if notes else 0)
    for note in notes:
        for line in _wrap(note, drawing.width - 2 * MARGIN):
            drawing.notes.append((MARGIN, top, line))
            top += 15
    top += 8 if notes else 0
    for rank in sorted(rows):
        row = rows[rank]
        start = left + (content - (len(row) * w + (len(row) - 1) * GAP_X)) / 2
        centred = [start + i * (w + GAP_X) for i in range(len(row))]
        if rank:
            row.sort(key=lambda b: _barycentre(b, inputs_of, position))
            wanted = [_barycentre(b, inputs_of, position) - w / 2 for b in row]
            xs = _spread(wanted, left, left + content - w, w + GAP_X)
        else:
            xs = centred
        for box, x in zip(row, xs):
            box.x = x
            box.y = top + rank * (BOX_H + GAP_Y)
            position[box.key] = box.x + w / 2
    _route(drawing, by_key, left + content + GAP_X / 2)
    drawing.title = cut_middle(shown(drawing.name), drawing.width - 2 * MARGIN, FONT_SIZE + 2, "")
    bottom = top + (max(rows) + 1) * (BOX_H + GAP_Y) - GAP_Y
    drawing.height = place_legend(drawing, [], bottom + 24)


def _barycentre(box: Box, inputs_of: dict[str, list[str]], position: dict[str, float]) -> float:
    sources = inputs_of[box.key]
    return sum(position[s] for s in sources) / len(sources) if sources else 0.0


def _spread(wanted: list[float], low: float, high: float, step: float) -> list[float]:
    """Positions as near `wanted` (sorted) as boxes `step` apart within [low, high] allow:
    pushed right where they would overlap, then back left where they would pass `high`.
    A row always fits, since [low, high] holds the widest row."""
    xs: list[float] = []
    for x in wanted:
        xs.append(max(x, low, xs[-1] + step if xs else low))
    for i in range(len(xs) - 1, -1, -1):
        xs[i] = min(xs[i], high if i == len(xs) - 1 else xs[i + 1] - step)
    return [round(x) for x in xs]


def _assign_lanes(drawing: Drawing, by_key: dict[str, Box]) -> int:
    """Each long edge gets the lowest lane free over its rows (free again at the row its last
    occupant ends on); returns how many lanes there are. Lane numbers are kept on the edge."""
    free_from: list[int] = []                     # per lane, the rank from which it is free
    long_edges = [e for e in drawing.edges if by_key[e.target].rank - by_key[e.source].rank > 1]
    long_edges.sort(key=lambda e: (by_key[e.source].rank, by_key[e.target].rank))
    for edge in long_edges:
        start, end = by_key[edge.source].rank, by_key[edge.target].rank
        lane = next((i for i, rank in enumerate(free_from) if rank <= start), len(free_from))
        if lane == len(free_from):
            free_from.append(end)
        free_from[lane] = end
        edge.points = [lane]                       # replaced by the route in _route
    return len(free_from)


def _route(drawing: Drawing, by_key: dict[str, Box], lanes_x: float) -> None:
    w = drawing.box_w
    for edge in drawing.edges:
        a, b = by_key[edge.source], by_key[edge.target]
        head, tail = (a.x + w / 2, a.y + BOX_H), (b.x + w / 2, b.y)
        if b.rank - a.rank <= 1:
            edge.points = [head, tail]
            continue
        lane_x = lanes_x + edge.points[0] * LANE
        below_a, above_b = a.y + BOX_H + GAP_Y / 3, b.y - GAP_Y / 3
        edge.points = [head, (head[0], below_a), (lane_x, below_a), (lane_x, above_b), (tail[0], above_b), tail]


def _legend_items(drawing: Drawing) -> list[tuple[str, str]]:
    items = [("swatch", label) for label in STEPS_LABELS]
    if any(b.style == "collapsed" for b in drawing.boxes):
        items.append(("dashed", "dashed: a block use as one box"))
    if any(b.style == "stack" for b in drawing.boxes):
        items.append(("stack", "stacked: identical uses folded"))
    return items


def _item_width(kind: str, text: str) -> float:
    return (20 if kind == "swatch" else 24) + text_width(text, SMALL) + 14


def _legend_min_width(drawing: Drawing) -> float:
    return 2 * MARGIN + max(_item_width(kind, text) for kind, text in _legend_items(drawing))


def place_legend(drawing: Drawing, notes: list[str], y: float) -> float:
    """Legend items and notes flowed into lines within the canvas; returns the canvas height."""
    inner = drawing.width - 2 * MARGIN
    heading = cut_middle("Colour: share of the model's MACs", inner, SMALL, "")
    drawing.legend = [("heading", MARGIN, y, heading)]
    x, y = float(MARGIN), y + 10
    for kind, text in _legend_items(drawing):
        width = _item_width(kind, text)
        if x > MARGIN and x + width - 14 > MARGIN + inner:
            x, y = MARGIN, y + 22
        drawing.legend.append((kind, x, y, text))
        x += width
    y += 22 + 16
    for note in notes:
        for line in _wrap(note, inner):
            drawing.notes.append((MARGIN, y, line))
            y += 15
    return y + MARGIN


def _wrap(text: str, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(lines[-1] + " " + word, SMALL) <= width:
            lines[-1] += " " + word
        else:
            lines.append(cut_middle(word, width, SMALL, ""))
    return lines
