"""The drawing's lanes, the report's comparison of two models (per-block difference, drawings
aligned by block) and its growth chart."""

import re
import xml.etree.ElementTree as ET

import pytest
import yaml
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.draw.align import build_aligned
from archcalc.draw.charts import power_label
from archcalc.draw.fold import fold_parts
from archcalc.draw.layout import build
from archcalc.draw.svg import render_svg
from archcalc.draw.tables import align, block_diff, change


def residual_chain(blocks: int) -> dict:
    """`blocks` residual blocks with distinct names (no folding): each a skip over two layers."""
    return {"input": [8], "blocks": {"res": [{"type": "dense", "units": 8, "name": "a"}, {"type": "relu", "name": "r"},
                                             {"type": "add", "inputs": ["r", "in"], "name": "sum"}]},
            "layers": [{"type": "res", "name": f"r{i}"} for i in range(blocks)]}


@pytest.mark.parametrize("blocks", [2, 12])
def test_lanes_are_reused_so_width_does_not_grow_with_depth(blocks):
    drawing = build(archcalc.analyze_mapping(residual_chain(blocks)), fold=False)
    lanes = {round(e.points[2][0], 1) for e in drawing.edges if len(e.points) > 2}
    # each skip ends where the next begins: one lane serves them all
    assert len([e for e in drawing.edges if len(e.points) > 2]) == blocks and len(lanes) == 1
    assert drawing.width == build(archcalc.analyze_mapping(residual_chain(2)), fold=False).width


def models():
    """A: two uses of block b and a head; B: three uses, an extra layer, the same head.
    By hand: a use of b is a dense 8 -> 8 (72 params, 64 MACs) and a ReLU."""
    blocks = {"b": [{"type": "dense", "units": 8}, {"type": "relu"}]}
    head = {"type": "dense", "units": 10, "name": "head"}
    a = {"name": "small", "input": [8], "blocks": blocks,
         "layers": [{"type": "b", "name": f"s{i}"} for i in range(2)] + [head]}
    b = {"name": "big", "input": [8], "blocks": blocks,
         "layers": [{"type": "b", "name": f"s{i}"} for i in range(3)]
         + [{"type": "dense", "units": 8, "name": "extra"}, head]}
    return archcalc.analyze_mapping(a), archcalc.analyze_mapping(b)


def test_blocks_are_paired_and_their_change_named():
    a, b = models()
    pairs = align(fold_parts(a.layers), fold_parts(b.layers))
    assert [(x and x.label, y and y.label, change(x, y)) for x, y in pairs] == [
        ("s0–1", "s0–2", "grew"), (None, "extra", "new"), ("head", "head", "same")]
    html = block_diff(a, b)
    # the run grew from 2·72 to 3·72 params: +72 (1.50×)
    assert "+72 (1.50×)" in html and html.count('class="new"') == 1 and html.count('class="same"') == 1


def test_the_aligned_drawing_puts_matched_blocks_on_one_row():
    a, b = models()
    drawing = build_aligned(a, b)
    ET.fromstring(render_svg(drawing))
    rows = {}
    for box in drawing.boxes:
        rows.setdefault(box.y, []).append(box.key)
    assert sorted(rows.values()) == sorted([["0:s0–1", "1:s0–2"], ["1:extra"], ["0:head", "1:head"]])


def test_report_of_two_models_compares_them(tmp_path):
    paths = []
    for uses in (2, 4):
        path = tmp_path / f"m{uses}.yaml"
        path.write_text(yaml.safe_dump({"name": f"m{uses}", "input": [8],
                                        "blocks": {"b": [{"type": "dense", "units": 8}, {"type": "relu"}]},
                                        "layers": [{"type": "b", "name": f"s{i}"} for i in range(uses)]
                                        + [{"type": "dense", "units": 10}]}))
        paths.append(str(path))
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", *paths, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    page = out.read_text()
    assert "Per block: m2 → m4" in page and "aligned by block" in page and "s0–3 (× 4)" in page
    assert '<tr class="grew">' in page
    unfolded = CliRunner().invoke(cli, ["report", *paths, "--no-fold", "-o", str(tmp_path / "u.html")])
    assert unfolded.exit_code == 0 and "(× " not in (tmp_path / "u.html").read_text()


def test_axis_labels_name_powers_of_ten():
    assert [power_label(p) for p in (0, 1, 2, 3, 4, 6, 9, 12)] == ["1", "10", "100", "1 K", "10 K", "1 M", "1 G",
                                                                   "1 T"]


def test_growth_chart_from_the_command(tmp_path):
    out = tmp_path / "r.html"
    specs = ["specs/seed/cnn_4x4.yaml", "specs/lenet5.yaml"]
    from helpers import ROOT
    result = CliRunner().invoke(cli, ["report", *[str(ROOT / s) for s in specs], "--sizes", "28,56,112",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    (chart,) = re.findall(r'<svg class="growth".*?</svg>', out.read_text(), re.S)
    root = ET.fromstring(chart.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1))
    lines = [e for e in root.iter("{http://www.w3.org/2000/svg}polyline")]
    assert len(lines) == 4                                       # two models × (params, MACs)
    dashed = [e.get("stroke-dasharray") is not None for e in lines]
    assert dashed == [False, True, False, True]                  # params dashed, MACs solid
    assert "input side" in chart and "count per inference" in chart and ">1 K<" in chart
