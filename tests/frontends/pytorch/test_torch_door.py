"""The PyTorch door on small modules (small_modules.py): known ops, tied and frozen weights,
buffers, module paths as layer names, unknown ops, and the command line around it. Expected
figures are derived by hand in each test."""

import importlib.util
import json
import textwrap

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.errors import SpecError

# torch is imported inside the tests only: imported while collecting, it would sit in the test
# process's memory and in every child's peak that tests/test_memory_limits.py reads.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="the PyTorch door's tests need torch (pip install 'archcalc[torch]')")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_custom_module_of_known_ops():
    from small_modules import Net
    report = archcalc.analyze(Net(), input=(1, 3, 16, 16))
    # stem 3·3·3·8 = 216 (frozen); bn 2·8 = 16 and buffers 2·8; se 8·4+4 + 4·8+8 = 76; head 8·10+10 = 90
    assert report.totals.params == 216 + 16 + 76 + 90
    assert report.totals.non_trainable_params == 216
    assert report.totals.buffers == 16
    # MACs: stem 16·16·8·27 = 55,296; se 8·4 + 4·8 = 64; head 80
    assert report.totals.macs == 55_296 + 64 + 80
    names = [layer.name for layer in report.layers]
    assert "stem" in names and "se.fc1" in names and "se.fc2" in names and "head" in names


def test_nested_modules_are_blocks():
    from small_modules import Net
    report = archcalc.analyze(Net(), input=(1, 3, 16, 16))
    fc1 = next(layer for layer in report.layers if layer.name == "se.fc1")
    assert fc1.blocks == (("se", "squeeze"),)          # the block use `se`, declared from the class Squeeze


def test_the_first_axis_is_the_batch():
    from small_modules import Net
    one = archcalc.analyze(Net(), input=(1, 3, 16, 16))
    four = archcalc.analyze(Net(), input=(4, 3, 16, 16))
    assert four.batch == 4 and four.totals.macs == 4 * one.totals.macs and four.totals.params == one.totals.params


def test_a_computation_on_a_parameter_alone_is_refused():
    from small_modules import Tempered
    # exp(temperature) runs before any input reaches it: no layer type holds it, so it is
    # refused rather than left out of the count.
    with pytest.raises(SpecError, match="computes with the parameter 'temperature' alone"):
        archcalc.analyze(Tempered(), input=(1, 4))


@pytest.mark.parametrize("capture", ["export", "fx"])
def test_a_parameter_used_twice_counts_once(capture, monkeypatch):
    import torch
    from small_modules import Tied
    if capture == "fx":
        monkeypatch.setattr(torch.export, "export", _refuse)
    model = Tied()
    report = archcalc.analyze(model, input=(1, 6))
    # PyTorch's count of unique Parameters: encode 24, shared 16 + 4, decode 24 + 6, mirror's bias 6 = 80
    assert report.totals.params == sum(p.numel() for p in model.parameters()) == 80
    # MACs: encode 24, shared twice 2·16, the transposed encode 24, decode 24, mirror 24
    assert report.totals.macs == 24 + 32 + 24 + 24 + 24


def test_an_op_without_a_rule_names_the_module_path_and_op():
    from small_modules import Cumulative
    with pytest.raises(SpecError) as caught:
        archcalc.analyze(Cumulative(), input=(1, 4))
    assert "module 'body.1' (Running), op aten.cumsum" in str(caught.value)


def test_allow_uncounted_lets_it_through_and_says_partial():
    from small_modules import Cumulative
    report = archcalc.analyze(Cumulative(), input=(1, 4), allow_uncounted=True)
    assert report.name.endswith("[partial]")
    assert report.totals.params == 20 and report.totals.macs == 16


def test_an_uncounted_op_that_nothing_can_stand_for_is_one_located_line():
    from small_modules import Repeated
    with pytest.raises(SpecError, match=r"op aten.repeat: archcalc has no rule for it, and its output \[1, 12\] "
                                        r"holds other elements than its input \[1, 4\]"):
        archcalc.analyze(Repeated(), input=(1, 4), allow_uncounted=True)


def test_token_ids_are_integer_inputs():
    from small_modules import Tokens
    # by hand: the table 10·4 and the head 4·10; MACs: 3 positions × 4 × 10 through the head
    report = archcalc.analyze(Tokens(), input="1,3:int64")
    assert (report.totals.params, report.totals.macs) == (80, 120)
    assert [layer.type for layer in report.layers] == ["embedding", "dense"]
    with pytest.raises(SpecError, match="Expected tensor for argument #1 'indices' to have one of the following"):
        archcalc.analyze(Tokens(), input=(1, 3))          # float ids: PyTorch's own refusal, in one line


def test_a_reshaped_factor_per_channel_is_a_layer_scale():
    from small_modules import ReshapedScale
    report = archcalc.analyze(ReshapedScale(), input=(1, 3, 5, 5))
    # by hand: the conv's 3·4 + 4 and the factor's 4; MACs 25 positions × 3 × 4
    assert [layer.type for layer in report.layers] == ["conv2d", "layer_scale"]
    assert (report.totals.params, report.totals.macs) == (20, 300)


def test_a_block_is_never_named_as_a_layer_type():
    from small_modules import TokenMixing
    report = archcalc.analyze(TokenMixing(), input=(1, 4, 3))      # was: "block name 'linear' is already a layer type"
    assert report.layers[-1].blocks == (("mix", "linear_block"),)
    assert (report.totals.params, report.totals.macs) == (4 * 5 + 5, 3 * 4 * 5)


@pytest.mark.parametrize("mode, said", [("constant", None), ("reflect", "a padding in mode 'reflect'")])
def test_a_pad_reads_its_mode_before_its_value(mode, said):
    from small_modules import Padded
    if said is None:
        assert archcalc.analyze(Padded(mode), input=(1, 2, 3))["pad"].output_shape == (2, 5)
        assert archcalc.load(Padded(mode), input=(1, 2, 3)).nodes[0].args["value"] == 2.0
    else:      # was: ValueError "could not convert string to float: 'reflect'", exit 3
        with pytest.raises(SpecError, match=said):
            archcalc.analyze(Padded(mode), input=(1, 2, 3))


def test_a_stack_is_a_concatenation_on_a_new_axis():
    from small_modules import Stacked
    report = archcalc.analyze(Stacked(), input=(1, 4))
    # by hand: two Linear(4, 3), 15 params and 12 MACs each; stack and sum count no MAC
    assert (report.totals.params, report.totals.macs) == (30, 24)
    assert "concat" in [layer.type for layer in report.layers]


def test_an_addcmul_with_learned_factor_and_offset():
    from small_modules import Affine
    report = archcalc.analyze(Affine(), input=(1, 5, 4))
    # by hand: alpha and beta, 4 each; no MAC
    assert [layer.type for layer in report.layers] == ["layer_scale", "learned_bias"]
    assert (report.totals.params, report.totals.macs) == (8, 0)


def test_a_norm_over_tokens_with_the_batch_folded_in():
    from small_modules import FoldedNorm
    report = archcalc.analyze(FoldedNorm(), input=(1, 3, 4))
    # by hand: the linear 4·4 + 4, the norm's scale and shift 8 and its running statistics 8
    assert (report.totals.params, report.totals.buffers, report.totals.macs) == (28, 8, 48)


def test_a_quotient_of_two_tensors_counts_as_their_product():
    from small_modules import Quotient
    report = archcalc.analyze(Quotient(), input=(1, 4))
    # by hand: two Linear(4, 3), 15 params and 12 MACs each; the division one FLOP for each of 3 elements
    assert (report.totals.params, report.totals.macs) == (30, 24)
    assert report.layers[-1].type == "multiply" and report.layers[-1].flops == 3


def test_an_argument_left_out_keeps_its_default():
    from small_modules import Skipping
    # by hand: 4·3 + 3 and 5·3 + 3 params; 12 + 15 MACs
    report = archcalc.analyze(Skipping(), input={"x": (1, 4), "y": (1, 5)})
    assert (report.totals.params, report.totals.macs) == (33, 27)


@pytest.mark.parametrize("args, said", [
    (["--input", "ids=1,3:int8"], "an input's type is int64 or int32, got 'int8'"),
    (["--input", "1,3:"], "an input's type is int64 or int32, got ''"),
])
def test_an_input_type_other_than_an_integer_is_refused(args, said):
    result = run("analyze", "torch.nn:Identity", *args)
    assert result.exit_code == 2 and said in result.output


def test_an_input_type_does_not_apply_to_a_spec():
    from helpers import SPECS
    result = run("analyze", str(SPECS / "seed" / "ann_4x4.yaml"), "--input", "4,4,1:int64")
    assert result.exit_code == 2
    assert "--input does not apply to a YAML spec: it sets an input's integer type" in result.output


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "models.py"
    path.write_text(textwrap.dedent("""
        import torch
        from torch import nn

        class Mlp(nn.Module):
            def __init__(self, width=16, classes=3):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(8, width), nn.ReLU(), nn.Linear(width, classes))

            def forward(self, x):
                return self.body(x)

        class Odd(nn.Module):
            def forward(self, x):
                return torch.cumsum(x, dim=-1)

        def build(width=16):
            return Mlp(width)
    """))
    return path


def test_a_file_target_with_kwargs(model_file):
    result = run("analyze", f"{model_file}:Mlp", "--input", "1,8", "--kwargs", "width=32", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # 8·32 + 32 + 32·3 + 3 = 387 params; MACs 8·32 + 32·3 = 352
    assert data["totals"]["params"] == 387 and data["totals"]["macs"] == 352
    assert [layer["name"] for layer in data["layers"]] == ["body.0", "body.1", "body.2"]


def test_check_holds_a_factory_to_its_budget(model_file):
    # build(width=16): 8·16 + 16 + 16·3 + 3 = 195 params
    assert run("check", f"{model_file}:build", "--input", "1,8", "--max-params", "195").exit_code == 0
    over = run("check", f"{model_file}:build", "--input", "1,8", "--max-params", "194")
    assert over.exit_code == 1


def test_import_writes_a_spec_with_the_same_figures(model_file, tmp_path):
    spec = tmp_path / "mlp.yaml"
    assert run("import", f"{model_file}:Mlp", "--input", "1,8", "-o", spec).exit_code == 0
    again = json.loads(run("analyze", spec, "--format", "json").stdout)
    direct = json.loads(run("analyze", f"{model_file}:Mlp", "--input", "1,8", "--format", "json").stdout)
    assert again["totals"] == direct["totals"]


def test_compare_reads_code_targets(model_file):
    result = run("compare", f"{model_file}:Mlp", f"{model_file}:build", "--input", "1,8", "--format", "json")
    assert result.exit_code == 0, result.output


def test_an_unknown_op_is_one_line_and_exit_2(model_file):
    result = run("analyze", f"{model_file}:Odd", "--input", "1,8")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "op aten.cumsum" in result.output and "Traceback" not in result.output


def test_allow_uncounted_says_partial_in_every_format(model_file):
    for fmt in ("table", "json", "csv", "markdown"):
        result = run("analyze", f"{model_file}:Odd", "--input", "1,8", "--allow-uncounted", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "[partial]" in result.stdout, fmt
        assert "aten.cumsum" in result.stderr


@pytest.mark.parametrize("args, said", [
    (["--input", "1,8", "--kwargs", "nope"], "expected NAME=VALUE"),
    (["--kwargs", "width=4"], "needs its input shape"),
    (["--input", "1,8", "--kwargs", "depth=2"], "TypeError"),
    (["--input", "y=1,8"], "forward has no argument of that name"),
])
def test_bad_options_are_one_line(model_file, args, said):
    result = run("analyze", f"{model_file}:Mlp", *args)
    assert result.exit_code == 2 and said in result.output, result.output


def test_options_of_pytorch_are_refused_on_a_spec():
    from helpers import SPECS
    result = run("analyze", SPECS / "resnet18.yaml", "--kwargs", "width=4")
    assert result.exit_code == 2 and "--kwargs does not apply to a YAML spec" in result.output


def _refuse(*args, **kwargs):
    raise RuntimeError("export refused")


def test_fx_tracing_when_export_cannot(monkeypatch):
    import torch
    from small_modules import Net
    monkeypatch.setattr(torch.export, "export", _refuse)
    graph = archcalc.load(Net(), input=(1, 3, 16, 16))
    assert any("FX symbolic trace" in note and "export refused" in note for note in graph.notes)
    assert archcalc.analyze(Net(), input=(1, 3, 16, 16)).totals.macs == 55_296 + 64 + 80
