"""Every SVG and HTML file archcalc writes stays well-formed whatever the names hold: control
characters, U+FFFE/U+FFFF and lone surrogates (which XML cannot hold at all), markup, and a
`</script>` that would end the report's data block. The drawings are parsed with xml.etree;
the HTML pages are checked for characters HTML refuses and for balanced tags, their SVG
parsed, and the report's embedded JSON read back with json.loads."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.draw.layout import build
from archcalc.draw.report import render_report
from archcalc.draw.svg import render_svg

from helpers import SPECS, dangerous

MARKUP = "</script><script>alert(1)</script><!-- ]]> & \" ' <svg onload=alert(1)>"
NAME = "n\x01\x1b[2J\x07\ufffe\uffff\x7f\x9b\u202e " + MARKUP
LAYER = NAME.replace(".", "_")              # a layer's name holds no dot
DATA = re.compile(r'<script type="application/json" id="archcalc-data">(.*?)</script>', re.S)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Tags(HTMLParser):
    """Start and end tags as an HTML parser meets them; the parser's text of <script> and
    <style> is raw, as a browser's is."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.problems = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def assert_well_formed_html(text: str) -> None:
    assert dangerous(text) == []
    tags = _Tags()
    tags.feed(text)
    tags.close()
    assert (tags.problems, tags.open) == ([], [])
    for svg in re.findall(r"<svg\b.*?</svg>", text, re.S):
        if "xmlns=" not in svg[:200]:
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        ET.fromstring(svg)


def embedded_data(text: str):
    (block,) = DATA.findall(text)
    return json.loads(block)


def spec(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(f"""name: {json.dumps(NAME)}
inputs: {{{json.dumps(LAYER + " in")}: [8, 8, 3]}}
blocks:
  blk:
    layers:
      - {{type: conv2d, filters: 4, kernel: 3, name: {json.dumps(LAYER + " c")}}}
layers:
  - {{type: blk, name: {json.dumps(LAYER + " use")}}}
  - global_avgpool
  - {{type: dense, units: 2, name: {json.dumps(LAYER + " d")}}}
""")
    return path


def test_every_drawing_and_page_of_a_hostile_spec_is_well_formed(tmp_path):
    path = spec(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    runs = [["draw", path, "-o", out / "draw.svg"], ["draw", path, "-o", out / "draw.html"],
            ["draw", path, "--depth", "1", "-o", out / "collapsed.svg"],
            ["report", path, path, "--sizes", "8,16", "-o", out / "report.html"],
            ["analyze", path, "--svg", out / "analyze.svg", "--html", out / "analyze.html"],
            ["compare", path, path, "--svg", out / "compare.svg", "--html", out / "compare.html"],
            ["scale", path, "--sizes", "8,16", "--layers", "--svg", out / "scale.svg", "--html", out / "scale.html",
             "--plot", out / "plot.svg"]]
    for args in runs:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 0, result.stderr
    written = sorted(out.iterdir())
    assert len(written) == 11
    for file in written:
        text = file.read_text(encoding="utf-8")
        if file.suffix == ".svg":
            assert dangerous(text) == []
            ET.fromstring(text)
        else:
            assert_well_formed_html(text)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert [model["name"] for model in embedded_data(report)] == [NAME, NAME]


def test_lone_surrogates_are_drawn_escaped_and_kept_in_the_data():
    name = "m\ud800 \udfff\x01" + MARKUP       # two lone surrogates, not a pair
    report = archcalc.analyze({"name": name, "input": [4],
                               "layers": [{"type": "dense", "units": 2, "name": "x\ud800\uffff\x01"}]})
    svg = render_svg(build(report))
    assert dangerous(svg) == []
    ET.fromstring(svg)
    page = render_report([report])
    assert_well_formed_html(page)
    page.encode("utf-8")                           # a lone surrogate would not encode
    assert embedded_data(page)[0]["name"] == name  # exact, through the JSON's escapes


@pytest.mark.parametrize("file", ["seed/cnn_4x4.yaml", "resnet18.yaml"])
def test_the_reports_data_block_is_json(file):
    report = archcalc.analyze(SPECS / file)
    data = embedded_data(render_report([report]))
    assert data == [{"name": report.name, "params": report.totals.params, "macs": report.totals.macs}]
