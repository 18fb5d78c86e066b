"""`--input`, `--seq-len` and `--head` on every kind of file and every command: one meaning
(`--input SHAPE` for the first or only input, `--input NAME=SHAPE` by name, in the file's own
layout), and refused with one line where they do not apply. Expected figures are derived by
hand in each row."""

import json

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import ROOT, SPECS

HF = ROOT / "tests" / "fixtures" / "hf"
ONNX = ROOT / "tests" / "fixtures" / "onnx"
KERAS = ROOT / "tests" / "fixtures" / "keras"

# One 3×3 convolution, 8 filters, no padding: at H×W×3 its MACs are (H-2)·(W-2)·8·(3·3·3).
CONV = "name: conv\ninput: [224, 224, 3]\nlayers:\n  - {type: conv2d, filters: 8, kernel: 3}\n"
# Two inputs; a dense layer of 4 units reads `feats`: params 4·F + 4, MACs 4·F.
TWO = ("name: two\ninputs: {ids: [10], feats: [6]}\nlayers:\n"
       "  - {type: dense, name: d, units: 4, inputs: [feats]}\n")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def conv(tmp_path):
    path = tmp_path / "conv.yaml"
    path.write_text(CONV)
    return path


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(TWO)
    return path


@pytest.mark.parametrize("flag", ["64,64,3", "input=64,64,3"])
def test_input_overrides_a_specs_input(conv, flag):
    result = run("analyze", conv, "--input", flag, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["input"] == [64, 64, 3]
    assert data["totals"]["macs"] == 62 * 62 * 8 * 27          # 830,304


def test_a_named_input_of_several(two):
    data = json.loads(run("analyze", two, "--input", "feats=12", "--format", "json").stdout)
    assert data["inputs"] == {"ids": [10], "feats": [12]}
    assert data["totals"]["params"] == 4 * 12 + 4 and data["totals"]["macs"] == 4 * 12


def test_check_budgets_the_input_given():
    # ResNet-50 at 64×64 is under 1 G MACs (at 224×224 it is 4.09 G, the published figure), so
    # a budget of 1G passes only when --input reaches the spec.
    assert run("check", SPECS / "resnet50.yaml", "--max-macs", "4G").exit_code == 1
    assert run("check", SPECS / "resnet50.yaml", "--input", "input=64,64,3", "--max-macs", "1G").exit_code == 0


@pytest.mark.parametrize("command", [
    ["analyze"], ["compare", "{spec}"], ["check", "--max-macs", "1G"], ["train"], ["verify"]])
def test_every_command_reads_input(conv, command):
    args = [str(a).replace("{spec}", str(conv)) for a in command]
    result = run(args[0], conv, *args[1:], "--input", "16,16,3", "--format", "json")
    assert result.exit_code == 0, result.output
    assert f": {14 * 14 * 8 * 27}," in result.stdout        # the conv at 16×16: 42,336 MACs


@pytest.mark.parametrize("command", [["scale", "--sizes", "32,64"], ["draw", "-o", "{tmp}/g.svg"],
                                     ["report", "-o", "{tmp}/r.html"]])
def test_the_other_commands_take_input(tmp_path, conv, command):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in command]
    assert run(args[0], conv, *args[1:], "--input", "16,16,3").exit_code == 0


@pytest.mark.parametrize("file, option, message", [
    (SPECS / "resnet18.yaml", ["--seq-len", "8"],
     "--seq-len does not apply to a YAML spec: it sets the sequence length of a Hugging Face config; "
     "a spec's input shape is --input"),
    (SPECS / "resnet18.yaml", ["--head", "base"],
     "--head does not apply to a YAML spec: it sets the head of a Hugging Face config"),
    (ONNX / "tiny_resnet_bn.onnx", ["--seq-len", "8"],
     "--seq-len does not apply to an ONNX model: it sets the sequence length of a Hugging Face config"),
    (HF / "gpt2.json", ["--input", "1,32"],
     "--input does not apply to a Hugging Face config: it sets the input shapes of a YAML spec, an ONNX model, "
     "a Keras model JSON or PyTorch code; a config's sequence length is --seq-len"),
    (KERAS / "cnn.json", ["--seq-len", "8"],
     "--seq-len does not apply to a Keras model JSON: it sets the sequence length of a Hugging Face config"),
])
@pytest.mark.parametrize("command", ["analyze", "compare", "check", "train", "scale", "verify", "draw", "import"])
def test_an_option_that_does_not_apply_is_refused(tmp_path, file, option, message, command):
    if command == "import" and file.suffix == ".yaml":
        pytest.skip("import refuses a spec whatever its options")
    pytest.importorskip("onnx") if file.suffix == ".onnx" else None
    extra = {"compare": [file], "check": ["--max-params", "1G"], "scale": ["--sizes", "32,64"],
             "draw": ["-o", tmp_path / "g.svg"], "import": ["-o", tmp_path / "s.yaml"]}.get(command, [])
    result = run(command, file, *extra, *option)
    assert result.exit_code == 2
    assert result.stderr == f"error: {file}: {message}\n"
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("flag, message", [
    ("foo=1,2,3", "2:8: --input foo: the spec has no input of that name (its inputs: input)"),
    ("1,64,64,3", "2:8: --input 1,64,64,3: input 'input' is [224, 224, 3], 3 sizes channels-last without the "
                  "batch axis (--batch sets the batch); got 4"),
])
def test_a_bad_input_for_a_spec_is_located(conv, flag, message):
    result = run("analyze", conv, "--input", flag)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"error: {conv}:{message}\n"


def test_a_bad_input_name_among_several(two):
    result = run("analyze", two, "--input", "mask=3")
    assert result.exit_code == 2
    assert result.stderr == f"error: {two}:2:9: --input mask: the spec has no input of that name (its inputs: ids, feats)\n"


# tiny_resnet_bn.onnx (tests/fixtures/make_onnx_fixtures.py) reads `input.1`, [1, 3, 32, 32], and
# its stem convolution's weight `stem.0.weight` is [8, 3, 7, 7]: 8·3·7·7 = 1,176 elements. An input
# given channels-last, [1, 32, 32, 3], puts 32 on the channel axis: [8, 32, 7, 7], 12,544 elements.
@pytest.mark.parametrize("flag, message", [
    ("input.1=1,32,32,3", "node '/stem/stem.0/Conv' (op Conv): weight 'stem.0.weight' holds 1,176 elements "
                          "[8, 3, 7, 7], but its input's 32 channels implies [8, 32, 7, 7], 12,544 elements; "
                          "check --input (the file's own layout, batch first)"),
    ("1,32,32,3", "node '/stem/stem.0/Conv' (op Conv): weight 'stem.0.weight' holds 1,176 elements "
                  "[8, 3, 7, 7], but its input's 32 channels implies [8, 32, 7, 7], 12,544 elements; "
                  "check --input (the file's own layout, batch first)"),
    ("foo=1,3,32,32", "--input foo: the model has no input of that name (its inputs: input.1)"),
    ("input=1,3,32,32", "--input input: the model has no input of that name (its inputs: input.1)"),
])
def test_an_onnx_input_that_contradicts_the_file_is_refused(flag, message):
    pytest.importorskip("onnx")
    path = ONNX / "tiny_resnet_bn.onnx"
    result = run("analyze", path, "--input", flag)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"error: {path}: {message}\n"


def test_an_onnx_input_by_position_is_the_first_input():
    # The file's own shape given without its name: the same figures as with no --input.
    pytest.importorskip("onnx")
    path = ONNX / "tiny_resnet_bn.onnx"
    plain = json.loads(run("analyze", path, "--format", "json").stdout)
    given = json.loads(run("analyze", path, "--input", "1,3,32,32", "--format", "json").stdout)
    doubled = json.loads(run("analyze", path, "--input", "2,3,32,32", "--format", "json").stdout)
    assert given["totals"] == plain["totals"]
    assert doubled["batch"] == 2 and doubled["totals"]["macs"] == 2 * plain["totals"]["macs"]
