"""Training figures: the backward rule checked on models whose answer is known by hand."""

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.errors import UsageError
from archcalc.workloads.training import train_figures

from helpers import ROOT, SPECS


def figures(model, **options):
    graph = archcalc.load(model, **({"seq_len": options.pop("seq_len")} if "seq_len" in options else {}))
    return train_figures(graph, archcalc.analyze(graph), **options), archcalc.analyze(graph)


def test_gpt2_small_is_exactly_three_forward_passes():
    # Its first weighted layer reads embeddings (trainable), so every MAC runs three times.
    training, report = figures(ROOT / "tests/fixtures/hf/gpt2.json", seq_len=1024)
    assert training.macs_per_step == 3 * report.totals.macs


def test_resnet18_skips_conv1s_input_gradient():
    training, report = figures(SPECS / "resnet18.yaml")
    conv1 = report.layers[0]
    assert conv1.name == "conv1" and conv1.macs == 118_013_952   # 112·112·64 · 7·7·3
    assert training.macs_per_step == 3 * report.totals.macs - conv1.macs


def test_frozen_backbone_computes_no_weight_gradients():
    spec = {"input": [8], "layers": [{"type": "dense", "units": 4, "trainable": False},
                                     {"type": "dense", "units": 2}]}
    training, report = figures(spec)
    # first: 32 MACs, frozen and reading the input: nothing backward; second: 8 MACs forward, 8 for
    # its weight gradient, no input gradient (nothing trainable upstream): 32 + 8 + 8 = 48
    assert training.macs_per_step == 48


def test_memory_parts_mixed_precision_adamw():
    spec = {"input": [8], "layers": [{"type": "dense", "units": 4}]}
    training, _ = figures(spec, precision="bf16-mixed")
    m = training.memory
    # 36 params: weights 2 B, gradients 2 B, AdamW 8 B + a 4 B fp32 master copy: 16 B per param
    assert (m.weights_bytes + m.gradient_bytes + m.optimizer_bytes) == 16 * 36
    # activations kept: the layer's input (its weight gradient needs it), 8 values × 2 B
    assert m.activation_bytes == 16 and m.total_bytes == 16 * 36 + 16


@pytest.mark.parametrize("optimizer, per_param", [("sgd", 0), ("momentum", 4), ("adam", 8), ("adamw", 8)])
def test_optimizer_state(optimizer, per_param):
    training, _ = figures({"input": [8], "layers": [{"type": "dense", "units": 4}]}, optimizer=optimizer)
    assert training.memory.optimizer_bytes == 36 * per_param


def test_attention_keeps_its_input_qkv_probabilities_and_context():
    spec = {"input": [5, 8], "layers": [{"type": "attention", "heads": 2}]}
    training, _ = figures(spec)
    # input 5·8 = 40, Q, K, V 40 each, the softmax's output heads 2 · 5 · 5 = 50 (not the scores
    # before it), the context 40: 250 values × 4 B
    assert training.memory.activation_bytes == 250 * 4


def test_recompute_keeps_boundaries_and_the_largest_block():
    spec = {"input": [4], "blocks": {"b": [{"type": "dense", "units": 8}, {"type": "dense", "units": 4}]},
            "layers": [{"type": "b", "name": "x", "repeat": 3}]}
    training, _ = figures(spec, recompute=True)
    # held: the three uses' inputs (the checkpoints), 4 values each = 12; rebuilt one use at a
    # time: the second dense layer's input, 8 values (the first keeps the checkpoint)
    assert training.memory.activation_bytes == (12 + 8) * 4
    # the step runs each use's first layer forward again (its output is kept; the second
    # layer's output is not, so the rerun stops before it): 3 · 4·8 MACs more
    assert training.recompute.extra_macs == 3 * 32


def test_tokens_make_whole_steps():
    spec = {"input": [16], "batch": 4, "layers": [{"type": "embedding", "vocab": 10, "dim": 4}]}
    training, _ = figures(spec, tokens=640)          # 640 / (4 · 16) = 10 steps
    assert training.steps == 10 and training.flops == 10 * training.flops_per_step
    with pytest.raises(UsageError, match="is not a whole number of steps of batch × T = 4 × 16 = 64 tokens"):
        figures(spec, tokens=100)


def test_train_command_json_keys():
    result = CliRunner().invoke(cli, ["train", str(SPECS / "seed/cnn_4x4.yaml"), "--format", "json"])
    data = __import__("json").loads(result.stdout)
    assert set(data["training"]) >= {"macs_per_step", "flops_per_step", "steps", "flops", "memory"}
    assert set(data["training"]["memory"]) == {"weights_bytes", "gradient_bytes", "optimizer_bytes",
                                               "activation_bytes", "total_bytes"}


def test_check_train_memory_budget(tmp_path):
    result = CliRunner().invoke(cli, ["check", str(SPECS / "seed/cnn_4x4.yaml"), "--max-train-memory", "1MB"])
    assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["check", str(SPECS / "seed/cnn_4x4.yaml"), "--max-train-memory", "100B"])
    assert result.exit_code == 1
