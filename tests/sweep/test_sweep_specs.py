"""Sweeps over the shipped specs: EfficientNet B0-B3 from one spec, and --join."""

import json

from click.testing import CliRunner

from archcalc.cli import cli

from helpers import SPECS

SPEC = str(SPECS / "efficientnet.yaml")
# torchvision's B0-B3 multipliers and resolutions (torchvision.models.efficientnet: width_mult,
# depth_mult; the paper's input sizes)
B0_TO_B3 = ["--zip", "--set", "width=1.0,1.0,1.1,1.2", "--set", "depth=1.0,1.1,1.2,1.4",
            "--set", "side=224,240,260,300"]


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def test_efficientnet_b0_to_b3_reproduce_torchvision():
    out = [json.loads(line) for line in run("sweep", SPEC, *B0_TO_B3, "--format", "jsonl").stdout.splitlines()]
    # torchvision's weights meta, num_params of EfficientNet_B0..B3_Weights.IMAGENET1K_V1
    assert [p["totals"]["params"] for p in out] == [5_288_548, 7_794_184, 9_109_994, 12_233_232]


def test_efficientnet_b0_defaults_equal_the_b0_spec():
    scaled = json.loads(run("analyze", SPEC, "--format", "json").stdout)
    b0 = json.loads(run("analyze", SPECS / "efficientnet_b0.yaml", "--format", "json").stdout)
    # The zoom-out points are layer names, which the two specs spell differently
    # (s1.0.se.pool; torchvision's features.1.0.block.1.avgpool): the same layer is the same position.
    names = ("whole_input_layer", "input_sized_field_layer")
    assert {k: v for k, v in scaled["totals"].items() if k not in names} == \
        {k: v for k, v in b0["totals"].items() if k not in names}
    assert [_position(scaled, name) for name in names] == [_position(b0, name) for name in names]


def _position(report: dict, total: str) -> int:
    return [layer["name"] for layer in report["layers"]].index(report["totals"][total])


def test_efficientnet_b2_macs_at_torchvisions_crop():
    # torchvision evaluates B2 at a 288 crop and publishes 1.09 GFLOPS (MACs) for it
    totals = json.loads(run("analyze", SPEC, "--set", "width=1.1", "--set", "depth=1.2", "--set", "side=288",
                            "--format", "json").stdout)["totals"]
    assert round(totals["macs"] / 1e9, 2) == 1.09


RESULTS = """\
width,side,accuracy,latency_ms
1.0,224,77.7,3.1
1.0,240,78.6,4.0
1.2,300,82.0,9.0
"""


def test_join_adds_measured_columns_and_a_maximised_front(tmp_path):
    results = tmp_path / "results.csv"
    results.write_text(RESULTS)
    out = run("sweep", SPEC, "--zip", "--set", "width=1.0,1.0,1.1,1.2", "--set", "side=224,240,260,300",
              "--join", results, "--pareto", "macs,accuracy", "--maximise", "accuracy", "--format", "jsonl").stdout
    points = [json.loads(line) for line in out.splitlines()]
    assert [p["measured"] for p in points] == [
        {"accuracy": 77.7, "latency_ms": 3.1}, {"accuracy": 78.6, "latency_ms": 4.0}, {},
        {"accuracy": 82.0, "latency_ms": 9.0}]
    # each measured point buys accuracy with MACs: all three on the front; the unmeasured one is out
    assert [p["pareto"] for p in points] == [True, True, False, True]
    assert list(points[0]) == ["settings", "totals", "within_budget", "measured", "pareto"]


def test_join_refuses_a_file_it_cannot_match(tmp_path):
    results = tmp_path / "results.csv"
    results.write_text("depth,accuracy\n1.0,70\n")
    result = run("sweep", SPEC, "--set", "width=1.0,1.1", "--join", results, code=2)
    assert "results.csv:1: no column of the results file is a swept setting (width)" in result.stderr
    results.write_text("width,accuracy\n1.0,70\n1.0,71\n")
    assert "results.csv:3: a second row for the same settings" in run("sweep", SPEC, "--set", "width=1.0,1.1",
                                                                       "--join", results, code=2).stderr


def test_python_api_gives_the_commands_points():
    import archcalc
    points = archcalc.sweep_model(SPEC, {"width": [1.0, 1.0, 1.1, 1.2], "depth": "1.0,1.1,1.2,1.4",
                                         "side": [224, 240, 260, 300]}, zip=True, pareto="macs,params",
                                  max_params="10M")
    out = [json.loads(line) for line in run("sweep", SPEC, *B0_TO_B3, "--pareto", "macs,params", "--max-params",
                                            "10M", "--format", "jsonl").stdout.splitlines()]
    assert [(dict(p.settings), p.totals, p.within_budget, p.pareto) for p in points] == \
        [(o["settings"], o["totals"], o["within_budget"], o["pareto"]) for o in out]
    assert [p.within_budget for p in points] == [True, True, True, False]    # B3: 12.2 M > 10 M
