"""Every shipped spec's drawing and report laid out by a real browser (headless Chromium) and
checked from the live DOM, not from the numbers we wrote: each text's getBBox inside its box
and inside the canvas, no two boxes overlapping, no edge crossing a box it does not connect,
the legend inside the canvas. One page holds every drawing and every report's body (one
browser start, so the test stays within seconds); a probe script measures them and writes
the geometry as JSON. Screenshots of ResNet-50, Llama-3-8B, DenseNet-121 and a two-model
report are kept in build/artefacts/browser/ (or $ARCHCALC_ARTEFACTS) for a person to look at.
Skipped only where no Chromium exists (CI installs Debian's `chromium` in .ci/run)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.draw.layout import build
from archcalc.draw.report import render_report
from archcalc.draw.svg import render_svg
from archcalc.scale import parse_sizes, scale_spec

from helpers import ROOT, SPECS
from test_report_browser import BROWSER, FLAGS

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine (apt-get install chromium)")
ALL_SPECS = sorted(SPECS.rglob("*.yaml"))
SLACK = 0.5          # px: the browser's sub-pixel rounding

PROBE = """<script>
document.querySelectorAll('[hidden]').forEach(function (e) { e.hidden = false; });
var drawings = [];
document.querySelectorAll('svg.archcalc-drawing').forEach(function (svg, index) {
  var view = svg.viewBox.baseVal, boxes = [], texts = [], edges = [];
  function box(r) { return [r.x, r.y, r.width, r.height]; }
  svg.querySelectorAll('g.box').forEach(function (g) {
    var face = g.querySelector('rect.face');
    boxes.push({key: g.dataset.key, area: box(g.getBBox()), face: box(face.getBBox())});
  });
  svg.querySelectorAll('text').forEach(function (t) {
    var g = t.closest('g.box');
    texts.push({text: t.textContent, bbox: box(t.getBBox()), box: g ? g.dataset.key : null});
  });
  svg.querySelectorAll('polyline.edge').forEach(function (e) {
    var points = [];
    for (var i = 0; i < e.points.numberOfItems; i++) { var p = e.points.getItem(i); points.push([p.x, p.y]); }
    edges.push({from: e.dataset.from, to: e.dataset.to, points: points});
  });
  var legend = svg.querySelector('g.legend');
  drawings.push({index: index, kind: 'drawing', title: (svg.querySelector('text.title') || {}).textContent,
                 canvas: [view.width, view.height], boxes: boxes, texts: texts, edges: edges,
                 legend: legend ? box(legend.getBBox()) : null});
});
document.querySelectorAll('svg.growth').forEach(function (svg, index) {
  var view = svg.viewBox.baseVal, texts = [];
  svg.querySelectorAll('text').forEach(function (t) {
    var r = t.getBBox(), m = t.getCTM();   // rotated axis title: its box through the transform
    var corners = [[r.x, r.y], [r.x + r.width, r.y + r.height]].map(function (c) {
      return [m.a * c[0] + m.c * c[1] + m.e, m.b * c[0] + m.d * c[1] + m.f]; });
    var x0 = Math.min(corners[0][0], corners[1][0]), y0 = Math.min(corners[0][1], corners[1][1]);
    texts.push({text: t.textContent, box: null, bbox: [x0, y0, Math.abs(corners[1][0] - corners[0][0]),
                                                      Math.abs(corners[1][1] - corners[0][1])]});
  });
  drawings.push({index: index, kind: 'chart', title: 'growth chart', canvas: [view.width, view.height],
                 boxes: [], texts: texts, edges: [], legend: [0, 0, view.width, view.height]});
});
var out = document.createElement('pre');
out.id = 'geometry';
out.textContent = JSON.stringify(drawings);
document.body.innerHTML = '';
document.body.appendChild(out);
</script>"""


def artefacts() -> Path:
    path = Path(os.environ.get("ARCHCALC_ARTEFACTS", ROOT / "build" / "artefacts" / "browser"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=300)


def body_of(page: str) -> str:
    """A report page's body without its scripts (the probe measures the layout only)."""
    body = page.split("<body>", 1)[1].split('<div id="tip"', 1)[0]
    return body


def harness(tmp_path: Path) -> Path:
    parts = []
    for path in ALL_SPECS:
        report = archcalc.analyze(path)
        parts.append(render_svg(build(report)))                  # what `draw -o x.svg` writes
        parts.append(body_of(render_report([report])))           # what `report` writes
    two = [archcalc.analyze(SPECS / "resnet50.yaml"), archcalc.analyze(SPECS / "resnet18.yaml")]
    parts.append(body_of(render_report(two)))
    small = [SPECS / "seed/cnn_4x4.yaml", SPECS / "lenet5.yaml"]        # and the growth chart of two models
    scalings = [scale_spec(archcalc.load(path), parse_sizes("28,56,112")) for path in small]
    parts.append(body_of(render_report([archcalc.analyze(path) for path in small], scalings=scalings)))
    page = render_report([two[0]]).split("<body>", 1)[0] + "<body>" + "".join(parts) + PROBE + "</body></html>"
    out = tmp_path / "all.html"
    out.write_text(page, encoding="utf-8")
    return out


def overlaps(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw - SLACK and bx < ax + aw - SLACK and ay < by + bh - SLACK and by < ay + ah - SLACK


def inside(inner, outer) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox - SLACK and y >= oy - SLACK and x + w <= ox + ow + SLACK and y + h <= oy + oh + SLACK


def crosses(p, q, rect) -> bool:
    """Whether the segment p–q (horizontal or vertical or any) enters the rectangle's inside
    (shrunk by SLACK): Liang–Barsky clipping."""
    x, y, w, h = rect
    left, right, top, bottom = x + SLACK, x + w - SLACK, y + SLACK, y + h - SLACK
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for edge_p, edge_q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if edge_p == 0:
            if edge_q < 0:
                return False
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def problems_of(drawing: dict) -> list[str]:
    name, canvas = f"drawing {drawing['index']} ({drawing['title']})", [0, 0, *drawing["canvas"]]
    found = []
    faces = {b["key"]: b["face"] for b in drawing["boxes"]}
    for text in drawing["texts"]:
        if not inside(text["bbox"], canvas):
            found.append(f"{name}: text {text['text']!r} {text['bbox']} outside the canvas {canvas}")
        if text["box"] is not None and not inside(text["bbox"], faces[text["box"]]):
            found.append(f"{name}: text {text['text']!r} {text['bbox']} outside its box {faces[text['box']]}")
    areas = sorted((b["area"], b["key"]) for b in drawing["boxes"])
    for i, (a, key) in enumerate(areas):
        if not inside(a, canvas):
            found.append(f"{name}: box {key} outside the canvas")
        for b, other in areas[i + 1:]:
            if b[0] >= a[0] + a[2]:
                break
            if overlaps(a, b):
                found.append(f"{name}: boxes {key} and {other} overlap")
    rows: dict[float, list] = {}
    for b in drawing["boxes"]:
        rows.setdefault(b["area"][1], []).append(b)
    for edge in drawing["edges"]:
        for p, q in zip(edge["points"], edge["points"][1:]):
            low, high = min(p[1], q[1]), max(p[1], q[1])
            for top, row in rows.items():
                if top > high or top + row[0]["area"][3] < low:
                    continue
                for b in row:
                    if b["key"] not in (edge["from"], edge["to"]) and crosses(p, q, b["area"]):
                        found.append(f"{name}: edge {edge['from']} -> {edge['to']} crosses box {b['key']}")
    if drawing["legend"] is None or not inside(drawing["legend"], canvas):
        found.append(f"{name}: legend {drawing['legend']} not inside the canvas {canvas}")
    return found


def test_every_drawing_and_report_is_laid_out_inside_its_boxes(tmp_path):
    page = harness(tmp_path)
    done = chromium(tmp_path / "profile", "--dump-dom", "--virtual-time-budget=10000", f"file://{page}")
    match = re.search(r'<pre id="geometry">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stderr[-2000:]
    drawings = json.loads(html.unescape(match.group(1)))
    # every spec's drawing twice (the SVG and the report's), the unfolded views, the aligned pairs
    assert len([d for d in drawings if d["kind"] == "drawing"]) >= 2 * len(ALL_SPECS) + 4
    assert len([d for d in drawings if d["kind"] == "chart"]) == 1
    assert sum(len(d["boxes"]) for d in drawings) > 2_000 and all(d["texts"] for d in drawings)
    found = [problem for drawing in drawings for problem in problems_of(drawing)]
    assert found == [], "\n".join(found[:40])


def test_the_checks_catch_what_they_look_for():
    """The geometry checks above, fed a broken layout, report it (else a check that passes
    nothing would pass everything)."""
    face = [10, 10, 100, 50]
    drawing = {"index": 0, "title": "t", "canvas": [300, 300], "legend": [0, 250, 400, 20],
               "boxes": [{"key": "a", "area": face, "face": face}, {"key": "b", "area": [60, 40, 100, 50],
                                                                       "face": [60, 40, 100, 50]},
                         {"key": "c", "area": [10, 150, 100, 50], "face": [10, 150, 100, 50]}],
               "texts": [{"text": "long", "bbox": [15, 20, 120, 12], "box": "a"}],
               "edges": [{"from": "a", "to": "b", "points": [[60, 60], [60, 220]]}]}
    found = problems_of(drawing)
    assert any("outside its box" in p for p in found)
    assert any("boxes a and b overlap" in p for p in found)
    assert any("crosses box c" in p for p in found)
    assert any("legend" in p for p in found)


SHOTS = [("draw", "resnet50.yaml", "resnet50.png"), ("draw", "llm/llama3_8b.yaml", "llama3_8b.png"),
         ("draw", "densenet121.yaml", "densenet121.png"), ("report", "resnet50.yaml resnet18.yaml", "compare.png")]


def test_screenshots_are_kept_as_artefacts(tmp_path):
    keep = artefacts()
    for command, specs, shot in SHOTS:
        suffix = ".svg" if command == "draw" else ".html"
        out = tmp_path / (shot[:-4] + suffix)
        args = [command, *[str(SPECS / s) for s in specs.split()], "-o", str(out)]
        assert CliRunner().invoke(cli, args).exit_code == 0
        chromium(tmp_path / "profile", f"--screenshot={keep / shot}", "--window-size=1100,1400", f"file://{out}")
        assert (keep / shot).stat().st_size > 10_000
