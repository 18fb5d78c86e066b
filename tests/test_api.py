"""The Python API gives every figure the command line gives, under the same option names:
each row runs `archcalc analyze … --format json` (or `train`) and the API with the same
options, and the two JSON documents must be equal."""

import json

import pytest
import yaml
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.errors import ArchcalcError
from archcalc.render import Options, renderer

from helpers import ROOT

HF = ROOT / "tests" / "fixtures" / "hf"
ONNX = ROOT / "tests" / "fixtures" / "onnx"

# embedding 50 → 16, causal attention (4 heads, 2 KV heads of 4, no biases), head 16 → 50;
# the KV cache in bfloat16: 2 × 2 × 4 = 16 values, 32 bytes a token
WL = {"input": [10], "args": {"vocab": 50},
      "dtype": {"weights": "float32", "activations": "float32", "kv_cache": "bfloat16"},
      "workload": {"context": 4096},
      "layers": [{"type": "embedding", "vocab": "$vocab", "dim": 16},
                 {"type": "attention", "heads": 4, "kv_heads": 2, "causal": True, "bias": False},
                 {"type": "dense", "units": "$vocab", "bias": False}]}


@pytest.fixture
def wl(tmp_path):
    path = tmp_path / "wl.yaml"
    path.write_text(yaml.safe_dump(WL))
    return path


def cli_json(*args):
    result = CliRunner().invoke(cli, [*map(str, args), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def api_json(report):
    return json.loads(renderer("json").analysis([report], Options()))


CASES = [
    # (model, command-line options, API keywords)
    ("wl", [], {}),                                              # the spec's own workload: context 4096
    ("wl", ["--context", "8192"], {"context": 8192}),
    ("wl", ["--set", "vocab=60", "--batch", "3"], {"set": {"vocab": 60}, "batch": 3}),
    ("wl", ["--dtype", "bfloat16"], {"dtype": "bfloat16"}),
    ("wl", ["--input", "12"], {"input": (12,)}),                 # a spec's first input, as --input SHAPE
    ("wl", ["--input", "input=12"], {"input": {"input": "12"}}),
    (HF / "llama-3-8b.json", ["--context", "8192", "--seq-len", "16"], {"context": 8192, "seq_len": 16}),
    (HF / "bert-base-uncased.json", ["--head", "base", "--seq-len", "8"], {"head": "base", "seq_len": 8}),
    (ONNX / "tiny_resnet.onnx", ["--input", "input.1=2,3,64,64"], {"input": {"input.1": (2, 3, 64, 64)}}),
]


@pytest.mark.parametrize("model, options, keywords", CASES)
def test_api_equals_the_command_line(wl, model, options, keywords):
    model = wl if model == "wl" else model
    assert api_json(archcalc.analyze(model, **keywords)) == cli_json("analyze", model, *options)


def test_workload_context_by_hand(wl):
    decoding = archcalc.analyze(wl).totals.decoding        # None before: the API dropped `workload:`
    assert (decoding.context, decoding.kv_cache_bytes) == (4096, 32 * 4096)
    assert archcalc.analyze(wl, context=8192).totals.decoding.kv_cache_bytes == 32 * 8192
    # the set value reaches the spec: the head is 16 × 60 weights
    assert archcalc.analyze(wl, set={"vocab": 60}).layers[-1].params == 16 * 60


@pytest.mark.parametrize("options, keywords", [
    ([], {}),
    (["--optimizer", "sgd", "--precision", "bf16-mixed", "--steps", "3", "--batch", "2"],
     {"optimizer": "sgd", "precision": "bf16-mixed", "steps": 3, "batch": 2}),
    (["--tokens", "40", "--batch", "2"], {"tokens": 40, "batch": 2}),
    (["--recompute", "attention", "--set", "vocab=60"], {"recompute": "attention", "set": {"vocab": 60}}),
    (["--recompute"], {"recompute": "full"}),
])
def test_train_equals_the_command_line(wl, options, keywords):
    training = archcalc.train(wl, **keywords)
    assert training.to_dict() == cli_json("train", wl, *options)["training"]


@pytest.mark.parametrize("call, message", [
    (lambda wl: archcalc.analyze(wl, context=0), "^context must be at least 1"),
    (lambda wl: archcalc.analyze(wl, context="8k"), "context must be an integer >= 1"),
    (lambda wl: archcalc.analyze(wl, set={"width": 3}), "the spec declares no argument 'width'"),
    (lambda wl: archcalc.analyze(WL, seq_len=8), "seq_len does not apply to a YAML spec"),
    (lambda wl: archcalc.analyze(wl, dtype="bf17"), "^dtype: unknown dtype"),
    (lambda wl: archcalc.analyze(wl, set={"vocab": [1]}), "set vocab: expected a number"),
    (lambda wl: archcalc.analyze(archcalc.load(wl), set={"vocab": 3}), "not to a built Graph"),
    (lambda wl: archcalc.train(wl, steps=0), "steps must be a positive integer"),
    (lambda wl: archcalc.train(wl, dtype="bfloat16"), "train does not take dtype"),
    (lambda wl: archcalc.train(wl, context=64), "train does not take context"),
])
def test_api_refusals(wl, call, message):
    with pytest.raises(ArchcalcError, match=message) as refusal:   # UsageError, or SpecError for a door's refusal
        call(wl)
    assert "--" not in str(refusal.value)        # a setting is named as a Python caller wrote it


def _cli_json_any_status(*args):
    result = CliRunner().invoke(cli, [*map(str, args), "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("options, keywords, status", [
    (["--max-kv-cache", "100KB"], {"max_kv_cache": "100KB"}, 1),      # 32 × 4,096 = 131,072 B: over 100 KB
    # 800 + 768 + 800 = 2,368 params (as test_decode derives them): within 3,000
    (["--max-params", "3000", "--context", "100"], {"max_params": 3000, "context": 100}, 0),
    (["--max-memory", "1GiB", "--max-train-memory", "1MB"], {"max_memory": "1GiB", "max_train_memory": "1MB"}, 0),
])
def test_check_equals_the_command_line(wl, options, keywords, status):
    from dataclasses import asdict
    result = archcalc.check(wl, **keywords)
    code, data = _cli_json_any_status("check", wl, *options)
    assert code == (0 if result.within else 1) == status
    assert data == {"name": result.name, "file": result.file, "within_budget": result.within,
                    "budgets": [{**asdict(line), "within": line.within, "headroom": line.headroom}
                                for line in result.lines]}


def test_compare_and_scale_equal_the_command_line(wl, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({**WL, "args": {"vocab": 80}}))
    comparison = archcalc.compare_models(wl, other, context=64)
    assert json.loads(renderer("json").comparison(comparison, Options())) == \
        cli_json("compare", wl, other, "--context", "64")
    scaling = archcalc.scale_model(wl, "8..32x2")
    assert json.loads(renderer("json").scaling(scaling, Options())) == cli_json("scale", wl, "--sizes", "8..32x2")


def test_a_report_is_indexed_by_position_layer_name_and_block_name():
    report = archcalc.analyze(ROOT / "specs" / "resnet18.yaml")
    assert report[0] == report.layers[0] and report[0].name == "conv1"
    assert report[-1].name == "fc" and report[1:3] == report.layers[1:3]
    assert report["layer1.0.conv1"].params == 3 * 3 * 64 * 64
    block = report["layer1"]                 # the stage: two basic blocks of 64 channels
    assert block.name == "layer1" and [layer.name for layer in block.layers][:2] == ["layer1.0.conv1", "layer1.0.bn1"]
    # by hand: per block two 3×3 convs, 64 → 64 (36,864 each), and two batchnorms (2 · 64 each)
    assert block.totals.params == 2 * (2 * 3 * 3 * 64 * 64 + 2 * 2 * 64)
    assert block.totals.buffers == 2 * 2 * 2 * 64
    assert block.totals.macs == sum(layer.macs for layer in block.layers) > 0
    assert report["layer1.1"].type == "basic"
    with pytest.raises(TypeError):
        report[1.5]


@pytest.mark.parametrize("name, hint", [
    ("layer1.0.conv3", "(did you mean 'layer1.0.conv2'?)"),
    ("layer1.0.bn3", "(did you mean 'layer1.0.bn2'?)"),
    ("layer9", "(did you mean 'layer4'?)"),         # a block's name is offered too
    ("stem", ""),                                   # nothing close: no suggestion
    ("downsample", ""),                             # not 'layer2.0.downsample.0': too far to be a typo
])
def test_a_missing_name_suggests_only_a_close_one(name, hint):
    report = archcalc.analyze(ROOT / "specs" / "resnet18.yaml")
    with pytest.raises(KeyError) as missing:
        report[name]
    assert missing.value.args[0] == f"no layer or block named {name!r}" + (f" {hint}" if hint else "")


def test_dir_lists_each_name_once():
    archcalc.analyze, archcalc.Report           # looked up: now also module globals
    names = dir(archcalc)
    assert len(names) == len(set(names)) and "analyze_text" in names


def test_no_submodule_shares_a_public_name():
    # Importing archcalc.X sets the package's attribute X to the module, which would replace the
    # function of that name (archcalc.devices() became a module once the device table was read).
    import pkgutil
    submodules = {module.name for module in pkgutil.iter_modules(archcalc.__path__)}
    assert {"api", "report"} <= submodules and sorted(submodules & set(archcalc.__all__)) == []
    archcalc.analyze(ROOT / "specs" / "seed" / "cnn_4x4.yaml", device="t4")
    assert callable(archcalc.devices) and callable(archcalc.roofline) and "annotations" not in dir(archcalc)


def test_records_are_the_json_rows():
    report = archcalc.analyze(ROOT / "specs" / "seed" / "cnn_4x4.yaml")
    layers = api_json(report)["layers"]
    assert report.to_records() == [{"model": "cnn_4x4", **row} for row in layers]


def test_two_reports_compare_as_the_command_does():
    a, b = (ROOT / "specs" / "seed" / name for name in ("ann_4x4.yaml", "cnn_4x4.yaml"))
    compared = archcalc.analyze(a).compare(archcalc.analyze(b))
    assert compared.to_dict() == cli_json("compare", a, b)
    assert str(compared).splitlines()[0] == "Compared with ann_4x4"
    assert archcalc.compare_models(a, b) == compared
    with pytest.raises(ArchcalcError, match="compared as it is"):
        archcalc.compare_models(archcalc.analyze(a), b, batch=2)
