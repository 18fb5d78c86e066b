"""Swept values and file names holding escapes, line breaks and bidi controls are shown
escaped in every format and picture; JSON keeps them exact."""

import json

import pytest
from click.testing import CliRunner

from archcalc.cli import cli
from test_hostile_names import FILE_NAME, HOSTILE, assert_clean

VALUE = HOSTILE.replace(",", ";").replace(".", "_")     # a --set list's value holds no comma, a layer name no dot


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "markdown"])
def test_hostile_settings_and_names(tmp_path, fmt):
    spec = tmp_path / f"{FILE_NAME}.yaml"
    spec.write_text("args: {tag: x, k: 3}\ninput: [8, 8, 3]\n"
                    "layers:\n  - {type: conv2d, filters: 4, kernel: $k, name: $tag}\n  - flatten\n")
    svg, html = tmp_path / "p.svg", tmp_path / "p.html"
    result = CliRunner().invoke(cli, ["sweep", str(spec), "--set", f"tag={VALUE}", "--set", "k=3,9",
                                      "--keep-going", "--format", fmt, "--svg", str(svg), "--html", str(html),
                                      "--pareto", "macs,params"], color=True)
    assert result.exit_code == 2, result.output            # k = 9 does not fit an 8×8 input: kept going
    for text, where in ((result.stdout, "stdout"), (result.stderr, "stderr"),
                        (svg.read_text(encoding="utf-8"), "svg"), (html.read_text(encoding="utf-8"), "html")):
        assert_clean(text, where)
    if fmt in ("json", "jsonl"):
        points = json.loads(result.stdout) if fmt == "json" else [json.loads(x) for x in result.stdout.splitlines()]
        assert [p["settings"]["tag"] for p in points] == [VALUE, VALUE]
