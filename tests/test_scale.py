import json

import pytest
from click.testing import CliRunner

from archcalc.cli import cli
from archcalc.errors import UsageError
from archcalc import load as load_spec
from archcalc.scale import growth_exponent, parse_sizes, scale_spec

from helpers import SPECS

CONV_ONLY = {"input": [8, 8, 3], "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same"},
                                             {"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same"}]}


@pytest.mark.parametrize("text, sizes", [
    ("28,56,112,224", [28, 56, 112, 224]), ("32..512x2", [32, 64, 128, 256, 512]),
    ("32..128+32", [32, 64, 96, 128]), ("7", [7]), ("2..5", [2, 3, 4, 5]), ("3..3x2", [3]),
])
def test_parse_sizes(text, sizes):
    assert parse_sizes(text) == sizes


@pytest.mark.parametrize("text", ["", "a,b", "0,4", "32..16x2", "4..8x1", "1..100000+1", "160..320x32"])
def test_parse_sizes_rejects(text):
    with pytest.raises(UsageError):
        parse_sizes(text)


def test_growth_exponent_of_exact_powers():
    assert growth_exponent([2, 4, 8], [4, 16, 64]) == pytest.approx(2.0)
    assert growth_exponent([2, 4, 8], [5, 5, 5]) == 0.0
    assert growth_exponent([2, 4, 8], [0, 0, 0]) is None


def test_ann_first_dense_layer_grows_as_the_square():
    result = scale_spec(load_spec(SPECS / "seed/ann_4x4.yaml"), [4, 8, 16, 32, 64, 128])
    name, params_exp, macs_exp = result.layer_exponents[1]
    # params = s²·8 + 8: the exponent tends to 2 as s grows; MACs = s²·8 exactly
    assert name == "dense_1" and round(params_exp, 1) == 2.0 and macs_exp == pytest.approx(2.0)


def test_conv_params_constant_and_macs_quadratic():
    result = scale_spec(load_spec(CONV_ONLY), [8, 16, 32, 64])
    assert result.params_exponent == 0.0
    assert result.macs_exponent == pytest.approx(2.0)


def test_impossible_size_is_reported_for_that_size():
    result = scale_spec(load_spec(SPECS / "seed/cnn_4x4.yaml"), [2, 4, 8])
    assert result.points[0].report is None and "larger than the padded input" in result.points[0].error
    # at 8×8 the conv gives 6·6·2 = 72 features: conv 20 + dense 72·2 + 2 = 166 (the head grows)
    assert [p.report.totals.params for p in result.points[1:]] == [38, 166]


def test_scale_cli_json_and_csv():
    out = CliRunner().invoke(cli, ["scale", str(SPECS / "seed/cnn_4x4.yaml"), "--sizes", "2,4", "--format", "json"])
    data = json.loads(out.output)
    assert data["points"][0]["error"].startswith("layer 'conv2d_1'") and data["points"][1]["params"] == 38
    assert CliRunner().invoke(cli, ["scale", str(SPECS / "seed/cnn_4x4.yaml"), "--sizes", "x"]).exit_code == 2


def test_depth_sums_equal_the_full_table():
    full = json.loads(CliRunner().invoke(cli, ["analyze", str(SPECS / "resnet50.yaml"), "--format", "json"]).output)
    for depth in (1, 2, 3):
        out = CliRunner().invoke(cli, ["analyze", str(SPECS / "resnet50.yaml"), "--format", "json",
                                       "--depth", str(depth)]).output
        data = json.loads(out)
        for key in ("params", "macs", "flops"):
            assert sum(row[key] for row in data["layers"]) == full["totals"][key]
    top = json.loads(CliRunner().invoke(cli, ["analyze", str(SPECS / "resnet50.yaml"), "--format", "json",
                                              "--depth", "1"]).output)
    assert [row["name"] for row in top["layers"]][4:8] == ["layer1", "layer2", "layer3", "layer4"]
    none = json.loads(CliRunner().invoke(cli, ["analyze", str(SPECS / "resnet50.yaml"), "--format", "json",
                                               "--depth", "0"]).output)
    assert none["layers"] == [] and none["totals"] == full["totals"]


def test_svg_and_html_export(tmp_path):
    svg, html = tmp_path / "t.svg", tmp_path / "t.html"
    result = CliRunner().invoke(cli, ["compare", str(SPECS / "seed/ann_4x4.yaml"), str(SPECS / "seed/cnn_4x4.yaml"),
                                      "--svg", str(svg), "--html", str(html)])
    assert result.exit_code == 0
    assert svg.read_text().startswith("<svg") and "4.1× fewer" in html.read_text()


def test_export_never_overwrites_the_spec(tmp_path):
    spec = tmp_path / "m.yaml"
    spec.write_text((SPECS / "seed/cnn_4x4.yaml").read_text())
    result = CliRunner().invoke(cli, ["analyze", str(spec), "--svg", str(spec)])
    assert result.exit_code == 2 and "refusing to write over the input spec" in result.stderr
    assert spec.read_text() == (SPECS / "seed/cnn_4x4.yaml").read_text()
