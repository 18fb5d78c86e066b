"""The drawing's graph and its layered layout, top to bottom, from a Report alone.

Boxes are layers, or whole block uses collapsed at a depth. Each box sits on the row
one below its deepest input (longest-path layering), boxes of a row ordered by the
mean position of their inputs (one barycentre pass), rows centred. An edge between
neighbouring rows is a straight line; a longer one (a skip connection) runs down a
lane to the right of everything it passes, so it never crosses a box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BOX_W, BOX_H = 230, 70
GAP_X, GAP_Y = 36, 56
LANE = 10                      # spacing of the lanes that long edges run down
MARGIN = 24
AUTO_COLLAPSE = 400            # more boxes than this: collapse to top-level blocks by default


@dataclass
class Box:
    key: str
    label: str
    type: str
    shape: tuple
    params: int = 0
    macs: int = 0
    layers: int = 0
    is_input: bool = False
    rank: int = 0
    x: float = 0.0
    y: float = 0.0


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


def build(report, depth: int | None = None) -> Drawing:
    """The boxes and edges of `report`; `depth` collapses block uses nested deeper than it
    (None: everything shown unless there are more than AUTO_COLLAPSE layers)."""
    if depth is None and len(report.layers) > AUTO_COLLAPSE:
        depth = 1
    boxes: dict[str, Box] = {}
    key_of: dict[str, str] = {}
    shape_of: dict[str, tuple] = {}
    for name, shape in (report.inputs or (("input", report.input),)):
        boxes[name] = Box(name, name, "input", tuple(shape), is_input=True)
        key_of[name] = name
        shape_of[name] = tuple(shape)
    edges: dict[tuple[str, str], Edge] = {}
    for layer in report.layers:
        if depth is not None and depth >= 1 and len(layer.blocks) >= depth:
            key, kind = layer.blocks[depth - 1]
        else:
            key, kind = layer.name, layer.type
        box = boxes.get(key)
        if box is None:
            box = boxes[key] = Box(key, key, kind, tuple(layer.output_shape))
        box.params += layer.params
        box.macs += layer.macs
        box.layers += 1
        box.shape = tuple(layer.output_shape)
        key_of[layer.name] = key
        shape_of[layer.name] = tuple(layer.output_shape)
        for source in layer.inputs:
            source_key = key_of.get(source, source)
            if source_key != key and (source_key, key) not in edges:
                edges[(source_key, key)] = Edge(source_key, key, shape_of.get(source, ()))
    drawing = Drawing(report.name, list(boxes.values()), list(edges.values()), 0, 0, depth, report.totals.macs)
    _place(drawing)
    return drawing


def _place(drawing: Drawing) -> None:
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
    content = widest * BOX_W + (widest - 1) * GAP_X
    position: dict[str, float] = {}
    for rank in sorted(rows):
        row = rows[rank]
        if rank:
            row.sort(key=lambda b: sum(position[s] for s in inputs_of[b.key]) / max(len(inputs_of[b.key]), 1))
        start = MARGIN + (content - (len(row) * BOX_W + (len(row) - 1) * GAP_X)) / 2
        for i, box in enumerate(row):
            box.x = start + i * (BOX_W + GAP_X)
            box.y = MARGIN + rank * (BOX_H + GAP_Y)
            position[box.key] = box.x + BOX_W / 2
    lanes = 0
    right = MARGIN + content
    for edge in drawing.edges:
        a, b = by_key[edge.source], by_key[edge.target]
        head, tail = (a.x + BOX_W / 2, a.y + BOX_H), (b.x + BOX_W / 2, b.y)
        if b.rank - a.rank <= 1:
            edge.points = [head, tail]
            continue
        lanes += 1
        lane_x = right + GAP_X / 2 + lanes * LANE
        below_a, above_b = a.y + BOX_H + GAP_Y / 3, b.y - GAP_Y / 3
        edge.points = [head, (head[0], below_a), (lane_x, below_a), (lane_x, above_b), (tail[0], above_b), tail]
    drawing.width = right + GAP_X / 2 + lanes * LANE + MARGIN + (LANE if lanes else 0)
    drawing.height = MARGIN * 2 + (max(rows) + 1) * (BOX_H + GAP_Y) - GAP_Y + 40
