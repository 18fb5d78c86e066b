"""Training figures by hand: recompute modes, experts, and the options `train` refuses."""

import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.workloads.training import train_figures

from helpers import ROOT, SPECS


def figures(spec, **options):
    graph = archcalc.load(spec)
    return train_figures(graph, archcalc.analyze(graph), **options)


def experts(top_k):
    return {"input": [4, 8], "blocks": {"ffn": [{"type": "dense", "units": 16, "bias": False}, {"type": "gelu"},
                                                {"type": "dense", "units": 8, "bias": False}]},
            "layers": [{"type": "ffn", "experts": 4, "top_k": top_k}]}


@pytest.mark.parametrize("top_k, elements", [
    # router keeps the input (4·8 = 32); each expert a gathered copy of its tokens (32 per
    # routing), the GELU's input (4·16 = 64 per routing) and the second layer's input (64):
    (1, 32 + 32 + 64 + 64),
    (2, 32 + 2 * (32 + 64 + 64)),
])
def test_experts_keep_their_tensors_per_routed_token(top_k, elements):
    assert figures(experts(top_k)).memory.activation_bytes == elements * 4


@pytest.mark.parametrize("spec", sorted(str(p.relative_to(ROOT)) for p in SPECS.rglob("*.yaml")))
def test_every_shipped_spec_trains_in_every_mode(spec):
    # Every rule's statement runs on real graphs; recomputing never keeps more than keeping all.
    kept = {mode: figures(ROOT / spec, recompute=mode).memory.activation_bytes
            for mode in ("none", "attention", "full")}
    assert 0 < kept["full"] <= kept["none"] and kept["attention"] <= kept["none"]


def run(*args):
    return CliRunner().invoke(cli, ["train", *map(str, args)])


@pytest.mark.parametrize("args, message", [
    ([SPECS / "resnet50.yaml", "--tokens", "1000"],
     "error: --tokens needs a sequence model ([T] or [T, C] inputs); resnet50's input is input [224, 224, 3]: "
     "give --steps\n"),
    ([SPECS / "llm/gpt2_small.yaml", "--dtype", "bfloat16"],
     "error: train does not take --dtype: a training step's number formats come from --precision "
     "(fp32, bf16-mixed, fp16-mixed)"),
    ([SPECS / "llm/gpt2_small.yaml", "--context", "1024"],
     "error: train does not take --context: a training step keeps no KV cache"),
    ([SPECS / "llm/gpt2_small.yaml", "--recompute", "some"],
     "error: Invalid value for '--recompute': 'some' is not one of none, attention, full"),
])
def test_options_that_do_not_apply_are_refused(args, message):
    result = run(*args)
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [["--recompute", SPECS / "seed/cnn_4x4.yaml"],
                                  [SPECS / "seed/cnn_4x4.yaml", "--recompute"],
                                  [SPECS / "seed/cnn_4x4.yaml", "--recompute", "full"]])
def test_bare_recompute_still_means_full(args):
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["training"]["recompute_mode"] == "full"


def test_bare_recompute_before_standard_input():
    text = (SPECS / "seed/cnn_4x4.yaml").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["train", "--recompute", "-", "--format", "json"], input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["training"]["recompute_mode"] == "full"


def test_selective_recompute_names_the_attention_layers():
    result = run(SPECS / "llm/gpt2_small.yaml", "--recompute", "attention")
    assert "recompute attention: 12 layers rebuild their attention probabilities (transformer.h.0.attn … transformer.h.11.attn)" in result.output


def test_tokens_on_a_model_with_two_sequence_inputs():
    # BERT reads input_ids and token_type_ids, both [T]: 4,096 tokens at T = 512 are 8 steps
    result = run(SPECS / "llm/bert_base.yaml", "--tokens", "4096", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["training"]["steps"] == 4096 // 512
