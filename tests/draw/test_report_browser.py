"""The HTML report in a real browser: headless Chromium opens it from disk (offline), runs its
script, sorts the layer table, and saves a screenshot. Skipped only where no Chromium exists
(CI installs Debian's `chromium` in .ci/run)."""

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
    assert 'aria-sort="ascending"' in dom                      # the URL's #sort=params clicked the header
    report = archcalc.analyze(SPECS / "resnet18.yaml")
    assert dom.count('class="box"') == len(report.layers) + 1   # one box per layer, and the input
    # rows now in ascending order of params
    values = [int(v) for v in re.findall(r'<td class="n" data-v="(\d+)" title="[\d,]+">[^<]*</td><td class="n"'
                                         r' data-v="\d+"', dom)]
    assert values == sorted(values) and values
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
