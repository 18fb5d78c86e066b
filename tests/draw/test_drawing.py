"""The drawing checked as a structure, for every shipped spec: well-formed SVG, one box per
layer unfolded (or per folded run or collapsed block), no figure lost to folding, no two boxes
overlapping, every edge starting and ending on its boxes. (tests/draw/test_layout_browser.py
checks the same and the text against a browser's own layout.)"""

import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.draw.layout import AUTO_COLLAPSE, STACK, build
from archcalc.draw.svg import render_svg

from helpers import SPECS

SVG = "{http://www.w3.org/2000/svg}"
ALL_SPECS = sorted(p for p in SPECS.rglob("*.yaml"))


def boxes_and_edges(svg_text):
    root = ET.fromstring(svg_text)
    boxes = {}
    for group in root.iter(f"{SVG}g"):
        if "box" in (group.get("class") or "").split():
            rect = [r for r in group.iter(f"{SVG}rect") if r.get("class") == "face"][0]
            x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
            if "stack" in group.get("class").split():          # the face sits below and left of its shadows
                y, w, h = y - STACK, w + STACK, h + STACK
            boxes[group.get("data-key")] = (x, y, w, h)
    edges = [(e.get("data-from"), e.get("data-to"),
              [tuple(map(float, p.split(","))) for p in e.get("points").split()])
             for e in root.iter(f"{SVG}polyline") if e.get("class") == "edge"]
    return boxes, edges


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: str(p.relative_to(SPECS)))
@pytest.mark.parametrize("fold", [True, False], ids=["folded", "unfolded"])
def test_drawing_structure(path, fold):
    report = archcalc.analyze(path)
    drawing = build(report, fold=fold)
    boxes, edges = boxes_and_edges(render_svg(drawing))
    inputs = len(report.inputs or [report.input])
    if len(report.layers) <= AUTO_COLLAPSE and not fold:
        assert len(boxes) == len(report.layers) + inputs          # one box per layer, and the inputs
    assert set(drawing.box_of) == {layer.name for layer in report.layers} | {n for n, _ in report.inputs or
                                                                            [("input", 0)]}
    assert set(drawing.box_of.values()) == set(boxes)             # every layer in a box, every box drawn
    # folding and collapsing lose no figure: the boxes' sums are the layers'
    assert sum(b.params for b in drawing.boxes) == sum(layer.params for layer in report.layers)
    assert sum(b.macs for b in drawing.boxes) == sum(layer.macs for layer in report.layers)
    rects = sorted(boxes.values())
    for i, (x, y, w, h) in enumerate(rects):                       # no two boxes overlap
        for x2, y2, w2, h2 in rects[i + 1:]:
            if x2 >= x + w:
                break
            assert y2 >= y + h or y >= y2 + h2
    for source, target, points in edges:                           # edges leave and reach their boxes
        sx, sy, sw, sh = boxes[source]
        tx, ty, tw, th = boxes[target]
        assert points[0] == (sx + sw / 2, sy + sh) and points[-1] == (tx + tw / 2, ty)


def test_depth_collapses_blocks_into_dashed_boxes():
    report = archcalc.analyze(SPECS / "resnet50.yaml")
    boxes, _ = boxes_and_edges(render_svg(build(report, depth=1)))
    # conv1, bn1, relu, maxpool, the 4 stages, avgpool, fc, and the input
    assert set(boxes) == {"input", "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                          "avgpool", "fc"}


def test_draw_command_and_extension(tmp_path):
    out = tmp_path / "model.svg"
    result = CliRunner().invoke(cli, ["draw", str(SPECS / "resnet18.yaml"), "-o", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("<svg")
    result = CliRunner().invoke(cli, ["draw", str(SPECS / "resnet18.yaml"), "-o", str(tmp_path / "m.png")])
    assert result.exit_code == 2 and "use one of .svg, .html" in result.stderr


def test_report_is_self_contained(tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", str(SPECS / "resnet50.yaml"), str(SPECS / "resnet18.yaml"),
                                      "-o", str(out), "--sizes", "64,128,224"])
    assert result.exit_code == 0
    text = out.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    # each model folded and unfolded (both have folded runs), and the two aligned by block
    assert text.count('class="archcalc-drawing"') == 5 and "Comparison" in text and "size^" in text
    markers = re.findall(r'<marker id="([^"]+)"', text)             # each drawing its own arrowhead: one
    assert len(markers) == 5 == len(set(markers))                   # hidden drawing's would draw in none
    assert len(text.encode()) < 1_000_000


def test_a_big_spec_still_draws_collapsed(tmp_path):
    layers = [{"type": "b", "name": f"s{i}"} for i in range(3)]
    spec = {"input": [8], "blocks": {"b": [{"type": "dense", "units": 8, "repeat": 300}]}, "layers": layers}
    report = archcalc.analyze_mapping(spec)
    drawing = build(report, fold=False)
    assert drawing.depth == 1 and len(drawing.boxes) == 4
    svg = render_svg(drawing)
    assert "900 layers would be more than 400 boxes" in svg and "archcalc draw --depth 2" in svg
    folded = build(report)                      # the three identical uses fold: no collapse needed
    assert folded.depth is None and [(b.label, b.count) for b in folded.boxes] == [("input", 1), ("s0–2", 3)]


def test_the_drawing_in_the_docs_is_current(update_golden):
    """docs/resnet18.svg, shown in the README, is rewritten only by pytest --update-golden."""
    from helpers import ROOT
    text = render_svg(build(archcalc.analyze(SPECS / "resnet18.yaml")))
    path = ROOT / "docs" / "resnet18.svg"
    if update_golden:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text
