"""Spec language v2 in the YAML door: several inputs, args with --set, expressions, if:."""

import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.errors import SpecError


def params_of(spec):
    return archcalc.analyze_mapping(spec).totals.params


def test_args_are_seen_everywhere_and_blocks_shadow_them():
    spec = {
        "args": {"width": 8},
        "input": [4],
        "blocks": {"fc": {"args": {"width": 2}, "layers": [{"type": "dense", "units": "$width"}]}},
        "layers": [{"type": "dense", "units": "$width"}, {"type": "fc"}, {"type": "fc", "width": "$width * 2"}],
    }
    # 4·8 + 8 = 40; the block's own default 2: 8·2 + 2 = 18; given $width·2 = 16: 2·16 + 16 = 48
    assert [layer.params for layer in archcalc.analyze_mapping(spec).layers] == [40, 18, 48]


def test_expression_values_and_block_defaults_over_earlier_arguments():
    spec = {
        "input": [8, 8, 3],
        "blocks": {"conv": {"args": {"k": 3, "pad": "$k // 2"},
                            "layers": [{"type": "conv2d", "filters": 4, "kernel": "$k", "padding": "$pad"}]}},
        "layers": [{"type": "conv", "k": 5}],
    }
    # padding 5 // 2 = 2 keeps 8×8: 8·8·4 outputs × 5·5·3 = 19,200 MACs
    report = archcalc.analyze_mapping(spec)
    assert report.layers[0].output_shape == (8, 8, 4) and report.totals.macs == 19200


def test_if_keeps_or_leaves_out_entries_and_names_may_be_reused():
    spec = {
        "args": {"se": False},
        "input": [4],
        "layers": [
            {"type": "dense", "name": "a", "units": 4},
            {"type": "dense", "name": "b", "units": 99, "if": "$se"},
            {"type": "dense", "name": "b", "units": 2, "if": "not $se"},
            # a left-out entry is not evaluated: its unknown type and bad repeat are never read
            {"type": "no_such_type", "repeat": -1, "if": False},
        ],
    }
    report = archcalc.analyze_mapping(spec)
    # a: 4·4 + 4 = 20; the second b: 4·2 + 2 = 10; the next entry's default input is the last kept
    assert [(layer.name, layer.params) for layer in report.layers] == [("a", 20), ("b", 10)]


def test_a_kept_entry_naming_a_left_out_one_is_an_error_naming_both():
    spec = {"input": [4], "layers": [
        {"type": "dense", "name": "skip", "units": 4, "if": False},
        {"type": "relu", "name": "act", "inputs": ["skip"]},
    ]}
    with pytest.raises(SpecError, match="layer 'act' reads 'skip', which its 'if:' left out"):
        archcalc.analyze_mapping(spec)


def test_several_inputs():
    spec = {"inputs": {"ids": [6], "types": [6]}, "layers": [
        {"type": "embedding", "name": "words", "vocab": 10, "dim": 4, "inputs": ["ids"]},
        {"type": "embedding", "name": "kinds", "vocab": 2, "dim": 4, "inputs": ["types"]},
        {"type": "add", "inputs": ["words", "kinds"]},
    ]}
    report = archcalc.analyze_mapping(spec)
    data = report.to_dict()
    assert "input" not in data and data["inputs"] == {"ids": [6], "types": [6]}
    assert report.totals.params == 10 * 4 + 2 * 4
    # Peak (float32): both inputs (6 + 6) alive from the start; while `kinds` runs, words (24),
    # types (6) and kinds (24) are alive with ids already freed: 54; while add runs: 24 + 24 + 24 = 72.
    assert report.totals.memory.peak_activation_bytes == 72 * 4


def test_the_first_layer_reads_the_first_input_by_default():
    report = archcalc.analyze_mapping({"inputs": {"x": [3], "y": [5]}, "layers": [{"type": "dense", "units": 2}]})
    assert report.layers[0].inputs == ("x",) and report.totals.params == 3 * 2 + 2


@pytest.mark.parametrize("spec, message", [
    ({"input": [4], "inputs": {"a": [4]}, "layers": ["relu"]}, "either 'input' or 'inputs'"),
    ({"inputs": [4], "layers": ["relu"]}, "'inputs' must map input names to shapes"),
    ({"inputs": {"a": [0]}, "layers": ["relu"]}, "input 'a' must be a list of positive integers"),
    ({"args": {"w": 2}, "input": [4], "layers": [{"type": "dense", "units": "$w // 0"}]}, "division by zero"),
    ({"args": {"w": 2}, "input": [4], "layers": [{"type": "dense", "units": "$v * 2"}]}, "unknown argument '$v'"),
    ({"input": [4], "layers": [{"type": "relu", "if": "yes"}]}, "'if' must be true or false, got string 'yes'"),
    ({"args": [1], "input": [4], "layers": ["relu"]}, "'args' must map argument names to values"),
])
def test_language_errors(spec, message):
    with pytest.raises(SpecError) as info:
        archcalc.analyze_mapping(spec)
    assert message in str(info.value)


SPEC = "args: {width: 8, act: true}\ninput: [4]\nlayers:\n  - {type: dense, units: $width}\n  - {type: relu, if: $act}\n"


def test_set_overrides_args_on_the_command_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SPEC)
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json", "--set", "width=16",
                                      "--set", "act=false"])
    data = json.loads(result.stdout)
    # 4·16 + 16 = 80, and the relu left out
    assert data["totals"]["params"] == 80 and [layer["type"] for layer in data["layers"]] == ["dense"]


@pytest.mark.parametrize("option, message", [
    ("depth=3", "--set depth: the spec declares no argument 'depth' (its args: width, act)"),
    ("width", "expected NAME=VALUE, got 'width'"),
])
def test_set_errors_are_usage_errors(tmp_path, option, message):
    path = tmp_path / "s.yaml"
    path.write_text(SPEC)
    result = CliRunner().invoke(cli, ["analyze", str(path), "--set", option])
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_expression_errors_are_located(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("args: {w: 2}\ninput: [4]\nlayers:\n  - {type: dense, units: $w // 0}\n")
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert (result.exit_code, result.stderr) == (2, f"error: {path}:4:26: division by zero\n")


def test_channels_first_input_is_warned_about(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("input: [3, 32, 32]\nlayers:\n  - {type: conv2d, filters: 4, kernel: 3}\n")
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 0
    assert result.stderr == (f"warning: {path}: input [3, 32, 32] looks channels-first; shapes are "
                             "channels-last, [H, W, C] (did you mean [32, 32, 3]?)\n")


def test_usage_errors_are_one_line():
    result = CliRunner().invoke(cli, ["analyze", "x.yaml", "--batch", "0"])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: ") and "--batch" in result.stderr


def test_top_level_args_derive_from_earlier_ones():
    # phi = 2: depth = ceil(1.2 ** 2 · 2) = ceil(2.88) = 3 dense layers; width = floor(8 · 1.1 ** 2) = floor(9.68) = 9
    spec = {"args": {"phi": 2, "depth": "ceil(1.2 ** $phi * 2)", "width": "floor(8 * 1.1 ** $phi)"},
            "input": [4], "layers": [{"type": "dense", "units": "$width", "repeat": "$depth"}]}
    report = archcalc.analyze(spec)
    assert [layer.output_shape for layer in report.layers] == [(9,)] * 3
    # a --set of the driving argument reaches the derived ones; a --set of a derived one replaces its rule
    assert len(archcalc.analyze(spec, set={"phi": 0}).layers) == 2
    assert [layer.output_shape for layer in archcalc.analyze(spec, set={"width": 5}).layers] == [(5,)] * 3


def test_top_level_args_see_only_earlier_ones():
    spec = {"args": {"a": "$b + 1", "b": 2}, "input": [4], "layers": [{"type": "dense", "units": "$a"}]}
    with pytest.raises(SpecError, match="unknown argument '\\$b'"):
        archcalc.analyze(spec)
