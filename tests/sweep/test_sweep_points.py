"""A sweep's points are exactly what separate `analyze --set` runs give (archcalc/sweep/)."""

import json

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import SPECS

SPEC = """\
args: {width: 8, depth: 2, se: false, act: relu}
input: [$width, $width, 3]
blocks:
  unit:
    args: {c: 8}
    layers:
      - {type: conv2d, filters: $c, kernel: 3, padding: 1}
      - {type: $act}
layers:
  - {type: unit, name: body, c: $width * 2, repeat: $depth}
  - {type: global_avgpool}
  - {type: dense, units: 4, if: $se}
  - {type: dense, units: 10}
"""


def run(*args, ok=(0,), env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env)
    assert result.exit_code in ok, result.output
    return result


def analyze_json(spec, *args):
    return json.loads(run("analyze", spec, "--format", "json", *args).stdout)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(SPEC)
    return path


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_grid_points_equal_separate_analyze_runs(spec):
    out = lines(run("sweep", spec, "--set", "width=8,16", "--set", "depth=1..3", "--set", "se=false,true",
                    "--set", "act=relu,gelu", "--format", "jsonl", "--jobs", "1"))
    assert len(out) == 2 * 3 * 2 * 2
    # grid order: the last --set varies fastest
    assert [p["settings"] for p in out[:3]] == [
        {"width": 8, "depth": 1, "se": False, "act": "relu"}, {"width": 8, "depth": 1, "se": False, "act": "gelu"},
        {"width": 8, "depth": 1, "se": True, "act": "relu"}]
    for point in out:
        sets = [x for name, value in point["settings"].items()
                for x in ("--set", f"{name}={json.dumps(value)}")]
        assert point["totals"] == analyze_json(spec, *sets)["totals"], point["settings"]
        assert set(point) == {"settings", "totals", "within_budget"}


def test_knobs_sweep_like_the_options(spec):
    out = lines(run("sweep", spec, "--set", "batch=1,4", "--set", "dtype=float32,bfloat16", "--format", "jsonl"))
    for point in out:
        s = point["settings"]
        assert point["totals"] == analyze_json(spec, "--batch", s["batch"], "--dtype", s["dtype"])["totals"]


def test_context_knob_on_a_decoder():
    gpt2 = SPECS / "llm" / "gpt2_small.yaml"
    out = lines(run("sweep", gpt2, "--set", "context=128,1024", "--format", "jsonl"))
    for point in out:
        assert point["totals"] == analyze_json(gpt2, "--context", point["settings"]["context"])["totals"]
        assert "kv_cache_bytes" in point["totals"]


def test_pool_gives_the_same_bytes_as_one_process(spec):
    args = ["sweep", spec, "--set", "width=4..40+4", "--set", "depth=1..4", "--format", "jsonl"]
    one = run(*args, "--jobs", "1").stdout
    assert run(*args, "--jobs", "2").stdout == one
    assert len(one.splitlines()) == 40


def test_zip_pairs_values(spec):
    out = lines(run("sweep", spec, "--zip", "--set", "width=8,8,16", "--set", "depth=1,2,2", "--format", "jsonl"))
    assert [p["settings"] for p in out] == [{"width": 8, "depth": 1}, {"width": 8, "depth": 2},
                                           {"width": 16, "depth": 2}]


def test_budgets_mark_points_out_as_check_does(spec):
    out = lines(run("sweep", spec, "--set", "width=8,16", "--max-params", "5000", "--format", "jsonl"))
    for point in out:
        verdict = run("check", spec, "--set", f"width={point['settings']['width']}", "--max-params", "5000",
                      ok=(0, 1)).exit_code == 0
        assert point["within_budget"] is verdict
    # by hand, depth 2: width 8 (c = 16): 3·3·3·16 + 16 + 3·3·16·16 + 16 + 16·10 + 10 = 2,938 params;
    # width 16 (c = 32): 896 + 9,248 + 330 = 10,474
    assert [p["totals"]["params"] for p in out] == [2938, 10474]
    assert [p["within_budget"] for p in out] == [True, False]


def test_formats_agree(spec):
    args = ["sweep", spec, "--set", "width=8,16", "--set", "depth=1,2"]
    jsonl = lines(run(*args, "--format", "jsonl"))
    assert json.loads(run(*args, "--format", "json").stdout) == jsonl
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    for row, point in zip(rows, jsonl, strict=True):
        assert int(row["params"]) == point["totals"]["params"]
        assert int(row["memory.peak_activation_bytes"]) == point["totals"]["memory"]["peak_activation_bytes"]
        assert row["within_budget"] == "true"


def test_markdown_and_table_show_the_json_figures(spec):
    args = ["sweep", spec, "--set", "width=8,16", "--set", "depth=1,2", "--exact", "--max-params", "5000"]
    points = lines(run(*args, "--format", "jsonl"))
    markdown = [row.strip("|").split("|") for row in run(*args, "--format", "markdown").stdout.splitlines()
                if row.startswith("| ") and "---" not in row][1:]
    table = run(*args, env={"COLUMNS": "200"}).stdout
    for row, point in zip(markdown, points, strict=True):
        cells = [c.strip() for c in row]
        assert cells[2] == f"{point['totals']['params']:,}" and cells[3] == f"{point['totals']['macs']:,}"
        assert cells[-1] == ("within" if point["within_budget"] else "over")
        assert f"{point['totals']['flops']:,}" in table


def test_scatter_draws_every_point_the_front_and_labels(spec, tmp_path):
    import xml.etree.ElementTree as ET
    svg, page, results = tmp_path / "s.svg", tmp_path / "s.html", tmp_path / "results.csv"
    # a made-up accuracy that grows with both settings, so cost buys accuracy: a front of several
    results.write_text("width,depth,accuracy\n" + "".join(f"{w},{d},{50 + w + 3 * d}\n"
                                                           for w in (4, 8, 12, 16) for d in (1, 2, 3)))
    out = lines(run("sweep", spec, "--set", "width=4..16+4", "--set", "depth=1..3", "--pareto", "macs,accuracy",
                    "--maximise", "accuracy", "--join", results, "--format", "jsonl", "--svg", svg, "--html", page))
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    circles = root.findall(f"{ns}circle")
    assert len(circles) == len(out) == 12
    assert [c.find(f"{ns}title").text for c in circles] == [f"width={p['settings']['width']} depth="
                                                             f"{p['settings']['depth']}" for p in out]
    front = root.findall(f"{ns}polyline")
    on = sum(p["pareto"] for p in out)
    assert on >= 2 and len(front) == 1 and len(front[0].get("points").split()) == on
    labels = {t.text for t in root.findall(f"{ns}text")}
    assert all(f"width={p['settings']['width']} depth={p['settings']['depth']}" in labels for p in out)
    html = page.read_text(encoding="utf-8")
    assert html.count("<tr>") == 13 and "<svg class=\"archcalc-sweep\"" in html


def test_a_model_files_sequence_length_sweeps_like_seq_len():
    config = SPECS.parent / "tests" / "fixtures" / "hf" / "gpt2.json"
    out = lines(run("sweep", config, "--set", "seq_len=16,64", "--set", "batch=1,2", "--format", "jsonl"))
    assert len(out) == 4
    for point in out:
        s = point["settings"]
        assert point["totals"] == analyze_json(config, "--seq-len", s["seq_len"], "--batch", s["batch"])["totals"]


REUSE = """\
args: {side: 8, phi: 0, base: "$phi + 1", depth: "$base * 1", unused: 1}
input: [$side, $side, 3]
blocks:
  unit:
    args: {c: 4}
    layers: [{type: conv2d, filters: $c, kernel: 3, padding: 1}]
layers:
  - {type: unit, c: 4, repeat: $depth}
  - {type: flatten}
  - {type: dense, units: 2}
"""


def test_points_that_share_their_layers_equal_separate_runs(tmp_path):
    # side and unused are read by no layer (the layers are kept from the point before);
    # phi is, through base and depth, so each phi builds its own
    path = tmp_path / "reuse.yaml"
    path.write_text(REUSE)
    out = lines(run("sweep", path, "--set", "phi=0,2", "--set", "unused=1,2", "--set", "side=4..12+4",
                    "--format", "jsonl", "--jobs", "1"))
    assert len(out) == 12
    for point in out:
        sets = [x for name, value in point["settings"].items() for x in ("--set", f"{name}={value}")]
        assert point["totals"] == analyze_json(path, *sets)["totals"], point["settings"]
    # by hand, side 8: depth 1: 3·3·3·4 + 4 = 112, dense 8·8·4·2 + 2 = 514; depth 3 adds 2·(3·3·4·4 + 4) = 296
    assert [p["totals"]["params"] for p in out if p["settings"]["side"] == 8] == [626, 626, 922, 922]


def test_layer_arguments_follow_derived_ones():
    import yaml
    from archcalc.sweep.reuse import layer_arguments
    assert layer_arguments(yaml.safe_load(REUSE)) == {"c", "depth", "base", "phi"}


def test_devices_sweep_like_the_option_and_time_budgets_mark_points_out():
    gpt2 = SPECS / "llm" / "gpt2_small.yaml"
    out = lines(run("sweep", gpt2, "--set", "device=h100-sxm,a100-80gb", "--set", "context=512,1024",
                    "--format", "jsonl"))
    for point in out:
        s = point["settings"]
        assert point["totals"] == analyze_json(gpt2, "--device", s["device"], "--context", s["context"])["totals"]
        assert point["totals"]["lower_bound_seconds"] > 0
    # a time budget is check's: the same verdict per point
    out = lines(run("sweep", gpt2, "--device", "a100-80gb", "--set", "batch=1,8", "--max-latency", "20ms",
                    "--format", "jsonl"))
    for point in out:
        verdict = run("check", gpt2, "--device", "a100-80gb", "--batch", point["settings"]["batch"],
                      "--max-latency", "20ms", ok=(0, 1)).exit_code == 0
        assert point["within_budget"] is verdict
    assert [p["within_budget"] for p in out] == [True, False]


def test_a_device_given_twice_is_refused():
    result = run("sweep", SPECS / "llm" / "gpt2_small.yaml", "--device", "h100-sxm", "--set", "device=a100-80gb",
                 ok=(2,))
    assert "--set device: --device gives it one value already" in result.stderr
    result = run("sweep", SPECS / "llm" / "gpt2_small.yaml", "--set", "device=h100-sxm,nope", ok=(2,))
    assert result.stderr.startswith("error: --set device:")
