"""The HTML report in a real browser: headless Chromium opens it from disk (offline), runs its
script, sorts the layer table, and saves a screenshot. Skipped only where no Chromium exists
(CI installs Debian's `chromium` in .ci/run)."""

import html
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli

from helpers import SPECS

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def browse(tmp_path, url, *extra):
    profile = tmp_path / "profile"
    done = subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                           *extra, url], capture_output=True, text=True, timeout=120)
    return done


def test_report_renders_sorts_and_has_no_script_errors(tmp_path):
    out = tmp_path / "report.html"
    assert CliRunner().invoke(cli, ["report", str(SPECS / "resnet18.yaml"), "-o", str(out)]).exit_code == 0
    done = browse(tmp_path, f"file://{out}#sort=params", "--dump-dom", "--virtual-time-budget=3000")
    dom = done.stdout
    assert 'aria-sort="descending"' in dom                     # a figure opens largest first
    report = archcalc.analyze(SPECS / "resnet18.yaml")
    # the unfolded view: one box per layer, and the input
    view = dom.split('class="drawing view-open"', 1)[1]
    assert view.count('class="box ') == len(report.layers) + 1
    # rows now in descending order of params, flat (the table is marked sorted)
    values = [int(v) for v in re.findall(r'<td class="n" data-v="(\d+)" title="[\d,]+">[^<]*</td><td class="n"'
                                         r' data-v="\d+"', dom)]
    assert values == sorted(values, reverse=True) and values
    assert 'class="layers sorted"' in dom
    assert "Uncaught" not in done.stderr and "SyntaxError" not in done.stderr
    shot = tmp_path / "report.png"
    browse(tmp_path, f"file://{out}", f"--screenshot={shot}", "--window-size=1280,1600")
    assert shot.exists() and shot.stat().st_size > 10_000


PROBE = """<script>
var expected = %s;
var data = JSON.parse(document.getElementById('archcalc-data').textContent);
document.title = JSON.stringify(data) === JSON.stringify(expected) ? 'DATA-PARSED' : 'DATA-DIFFERS';
</script></body>"""


@pytest.mark.parametrize("name", ["cnn_4x4", "n\x01\x1b[2J\ufffe\u202e </script><script>document.title='owned'</script>"
                                             "<!-- & \" '"])
def test_the_reports_data_parses_in_the_browser(tmp_path, name):
    """The page's JSON block read as a browser reads it, with JSON.parse, against the figures
    computed here (a probe script appended to a copy of the page compares the two)."""
    spec = tmp_path / "model.yaml"
    spec.write_text((SPECS / "seed/cnn_4x4.yaml").read_text().replace("name: cnn_4x4", f"name: {json.dumps(name)}"))
    out = tmp_path / "report.html"
    assert CliRunner().invoke(cli, ["report", str(spec), "-o", str(out)]).exit_code == 0
    report = archcalc.analyze(spec)
    expected = json.dumps([{"name": name, "params": report.totals.params, "macs": report.totals.macs}])
    page = out.read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE % expected.replace("<", "\\u003c"), 1), encoding="utf-8")
    done = browse(tmp_path, f"file://{probe}", "--dump-dom", "--virtual-time-budget=3000")
    assert "<title>DATA-PARSED</title>" in done.stdout
    assert "Uncaught" not in done.stderr and "<title>owned</title>" not in done.stdout


INTERACT = """<script>
var r = {}, rows = document.querySelectorAll('table.shares tr[data-boxes]');
var row = Array.prototype.filter.call(rows, function (tr) { return tr.cells[0].textContent.indexOf('×') >= 0; })[0];
r.shareRow = row ? row.cells[0].textContent : null;
if (row) { row.click(); }
r.stackOutlined = document.querySelectorAll('.view-folded .box.stack.hl').length;
var stack = document.querySelector('.view-folded .box.stack');
stack.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
r.openShown = !document.querySelector('.view-open').hidden && document.querySelector('.view-folded').hidden;
r.outlinedOpen = document.querySelectorAll('.view-open .box.hl').length;
r.focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
var tip = document.getElementById('tip');
r.tip = tip.hidden ? null : tip.textContent;
var th = document.querySelector('table.layers th[data-key="shape"]');
th.click();
r.shapeSort = th.getAttribute('aria-sort');
r.shapes = Array.prototype.map.call(document.querySelectorAll('table.layers tbody tr'),
                                    function (tr) { return Number(tr.cells[2].dataset.v); });
var macs = document.querySelector('table.layers th[data-key="macs"]');
macs.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));
r.macsSort = macs.getAttribute('aria-sort');
r.unreachable = document.querySelectorAll('.box:not([tabindex]), tr[data-boxes]:not([tabindex]), ' +
                                          'table.layers th:not([tabindex])').length;
document.title = 'PROBE' + JSON.stringify(r);
</script></body>"""


def test_the_reports_controls_work_with_mouse_and_keyboard(tmp_path):
    """Llama-3-8B's report, driven by a probe script as a user would: the shares table's folded
    row outlines the stack, Enter on the stack unfolds it (its boxes outlined, focus on the
    first, its figures in the tooltip), the shape column sorts by element count, a figure
    column sorts largest first, and every box, linked row and header takes keyboard focus."""
    out = tmp_path / "report.html"
    assert CliRunner().invoke(cli, ["report", str(SPECS / "llm/llama3_8b.yaml"), "-o", str(out)]).exit_code == 0
    probe = tmp_path / "probe.html"
    probe.write_text(out.read_text(encoding="utf-8").replace("</body>", INTERACT, 1), encoding="utf-8")
    done = browse(tmp_path, f"file://{probe}", "--dump-dom", "--virtual-time-budget=3000")
    found = re.search(r"<title>PROBE(.*?)</title>", done.stdout, re.S)
    assert found, done.stderr[-2000:]
    r = json.loads(html.unescape(found.group(1)))
    assert "Uncaught" not in done.stderr
    # 32 decoder layers: Llama 3 8B's model card (num_hidden_layers 32); each is 10 layers in
    # specs/llm/llama3_8b.yaml's decoder_layer (two norms, attention, two adds, five MLP layers)
    assert r["shareRow"] == "model.layers.0–31 (× 32)"      # the zoo names as transformers does
    assert r["stackOutlined"] == 1 and r["openShown"] is True and r["outlinedOpen"] == 32 * 10
    assert r["focused"].startswith("model.layers.0.") and "params" in r["tip"] and "MACs" in r["tip"]
    assert r["shapeSort"] == "ascending" and r["shapes"] == sorted(r["shapes"]) and r["shapes"][0] < r["shapes"][-1]
    assert r["macsSort"] == "descending" and r["unreachable"] == 0


EXPAND = """<script>
var block = document.querySelector('.view-folded .box[data-key="features.denseblock1.denselayer1"]');
var r = {role: block.getAttribute('role')};
block.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
r.expanded = block.getAttribute('aria-expanded');
r.outlined = Array.prototype.map.call(document.querySelectorAll('.view-open .box.hl'),
                                      function (b) { return b.dataset.key; });
document.querySelector('button.unfold').click();
r.back = document.querySelector('.view-open').hidden && block.getAttribute('aria-expanded') === 'false';
document.title = 'PROBE' + JSON.stringify(r);
</script></body>"""


def test_a_collapsed_block_expands_in_the_page(tmp_path):
    """DenseNet-121's report: its dense layers are collapsed (426 layers), and Enter on one
    shows the drawing of every layer with that block's layers outlined; the button returns."""
    out = tmp_path / "report.html"
    assert CliRunner().invoke(cli, ["report", str(SPECS / "densenet121.yaml"), "-o", str(out)]).exit_code == 0
    probe = tmp_path / "probe.html"
    probe.write_text(out.read_text(encoding="utf-8").replace("</body>", EXPAND, 1), encoding="utf-8")
    done = browse(tmp_path, f"file://{probe}", "--dump-dom", "--virtual-time-budget=3000")
    found = re.search(r"<title>PROBE(.*?)</title>", done.stdout, re.S)
    assert found, done.stderr[-2000:]
    r = json.loads(html.unescape(found.group(1)))
    assert "Uncaught" not in done.stderr
    # a DenseNet-BC layer is BN-ReLU-Conv1×1-BN-ReLU-Conv3×3 (Huang et al. 2017, section 3);
    # its concatenation stays a box of its own in the collapsed drawing
    body = ["norm1", "relu1", "conv1", "norm2", "relu2", "conv2"]          # torchvision's module names
    assert r["role"] == "button" and r["expanded"] == "true" and r["back"] is True
    assert r["outlined"] == [f"features.denseblock1.denselayer1.{name}" for name in body]
