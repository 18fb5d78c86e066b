"""The HTML report in a real browser: headless Chromium opens it from disk (offline), runs its
script, sorts the layer table, and saves a screenshot. Skipped only where no Chromium exists
(CI installs Debian's `chromium` in .ci/run)."""

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
