"""Weights that are tied, shared or experts (spec language v2), each figure by hand."""

import pytest

import archcalc
from archcalc.errors import SpecError


def analyze(layers, input_shape=(3,), blocks=None):
    spec = {"input": list(input_shape), "layers": layers}
    if blocks:
        spec["blocks"] = blocks
    return archcalc.analyze_mapping(spec)


def test_a_tied_head_counts_only_its_bias():
    report = analyze([
        {"type": "embedding", "name": "wte", "vocab": 10, "dim": 4},
        {"type": "dense", "name": "head", "units": 10, "tied_to": "wte"},
    ], input_shape=[3])
    head = report.layers[1]
    # The head's weight 4·10 is wte's 10·4 (transposed): only its 10 biases count.
    assert (head.params, head.tied_to) == (10, "wte")
    assert report.totals.params == 10 * 4 + 10
    assert head.macs == 3 * 4 * 10                  # MACs unchanged: 3 tokens × 4 × 10
    assert report.to_dict()["layers"][1]["tied_to"] == "wte"
    assert "tied_to" not in report.to_dict()["layers"][0]


def test_gpt2_small_tied_head_is_the_published_count():
    # GPT-2 small (124,439,808 parameters, the count Hugging Face's GPT2LMHeadModel reports with its
    # head tied to wte), written as a block: d=768, 12 layers, 12 heads, 4·d MLP, 1,024 positions.
    block = {"layers": [
        {"type": "layernorm", "name": "ln_1"},
        {"type": "attention", "name": "attn", "heads": 12, "dim": 768},
        {"type": "add", "name": "res1", "inputs": ["attn", "in"]},
        {"type": "layernorm", "name": "ln_2"},
        {"type": "dense", "name": "fc", "units": 3072},
        {"type": "gelu"},
        {"type": "dense", "name": "proj", "units": 768},
        {"type": "add", "inputs": ["proj", "res1"]},
    ]}
    report = analyze([
        {"type": "embedding", "name": "wte", "vocab": 50257, "dim": 768},
        {"type": "position_embedding", "name": "wpe"},
        {"type": "gpt2_block", "name": "h", "repeat": 12},
        {"type": "layernorm", "name": "ln_f"},
        {"type": "dense", "name": "lm_head", "units": 50257, "bias": False, "tied_to": "wte"},
    ], input_shape=[1024], blocks={"gpt2_block": block})
    assert report.totals.params == 124439808


def test_tying_to_a_weight_of_another_size_is_an_error():
    with pytest.raises(SpecError, match="tied_to 'wte': that weight has 40 elements, this layer's 44"):
        analyze([{"type": "embedding", "name": "wte", "vocab": 10, "dim": 4},
                 {"type": "dense", "units": 11, "tied_to": "wte"}])


@pytest.mark.parametrize("layers, message", [
    ([{"type": "dense", "units": 2, "tied_to": "nope"}], "undefined input 'nope'"),
    ([{"type": "relu", "name": "r"}, {"type": "dense", "units": 3, "tied_to": "r"}],
     "tied_to 'r' names a layer without a weight"),
    ([{"type": "relu", "tied_to": "x"}], "'tied_to' needs a layer with a weight to share; a relu layer has none"),
    ([{"type": "dense", "units": 2, "top_k": 2}], "'top_k' goes with 'experts'"),
    ([{"type": "dense", "units": 2, "experts": 2, "top_k": 3}], "'top_k' 3 is more than the 2 experts"),
    ([{"type": "dense", "units": 2, "shared": "yes"}], "'shared' must be true or false"),
])
def test_weight_errors(layers, message):
    with pytest.raises(SpecError) as info:
        analyze(layers)
    assert message in str(info.value)


def test_shared_repetitions_count_params_once_and_macs_every_time():
    report = analyze([{"type": "dense", "name": "fc", "units": 3, "repeat": 4, "shared": True}])
    # One 3·3 + 3 = 12 parameter layer used 4 times; each use 3·3 = 9 MACs.
    assert report.totals.params == 12 and report.totals.macs == 4 * 9
    assert [layer.params for layer in report.layers] == [12, 0, 0, 0]


def test_shared_blocks_share_every_layer_inside():
    blocks = {"pair": {"layers": [{"type": "dense", "name": "a", "units": 3}, {"type": "dense", "name": "b", "units": 3}]}}
    report = analyze([{"type": "pair", "name": "p", "repeat": 3, "shared": True}], blocks=blocks)
    # Two layers of 12 params, once; 6 uses of 9 MACs (ALBERT's cross-layer sharing).
    assert report.totals.params == 24 and report.totals.macs == 54


def test_experts_on_a_layer():
    report = analyze([{"type": "dense", "name": "moe", "units": 4, "experts": 4, "top_k": 2}], input_shape=[5, 4])
    totals = report.totals
    # Router 4 -> 4 without bias: 16 params, 5·4·4 = 80 MACs. One expert: 4·4 + 4 = 20 params,
    # 5·4·4 = 80 MACs. Held: 16 + 4·20 = 96; run per token: 16 + 2·20 = 56; MACs 80 + 2·80 = 240.
    assert (totals.params, totals.active_params, totals.macs) == (96, 56, 240)
    assert [layer.name for layer in report.layers] == ["moe.router", "moe"]
    assert report.to_dict()["totals"]["active_params"] == 56


def test_experts_on_a_block_with_shared_experts_and_router_bias():
    blocks = {"mlp": {"layers": [{"type": "dense", "units": 8}, "relu", {"type": "dense", "units": 4}]}}
    report = analyze([{"type": "mlp", "name": "ffn", "experts": 8, "top_k": 2, "shared_experts": 1,
                       "router_bias": True}], input_shape=[2, 4], blocks=blocks)
    # Router 4·8 + 8 = 40. One expert: (4·8 + 8) + (8·4 + 4) = 76. Held: 40 + (8 + 1)·76 = 724;
    # run: 40 + (2 + 1)·76 = 268. MACs: router 2·4·8 = 64; one expert 2·4·8 + 2·8·4 = 128; 64 + 3·128 = 448.
    assert (report.totals.params, report.totals.active_params, report.totals.macs) == (724, 268, 448)


def test_without_experts_active_params_equal_params():
    report = analyze([{"type": "dense", "units": 2}])
    assert report.to_dict()["totals"]["active_params"] == report.totals.params == 8


@pytest.mark.parametrize("layers, blocks, input_shape", [
    ([{"type": "embedding", "name": "wte", "vocab": 10, "dim": 4},
      {"type": "dense", "name": "head", "units": 10, "tied_to": "wte"}], None, [3]),
    ([{"type": "dense", "units": 3}, {"type": "batchnorm", "name": "bn", "repeat": 3, "shared": True}], None, [2, 4]),
    ([{"type": "dense", "name": "moe", "units": 4, "experts": 4, "top_k": 2}], None, [5, 4]),
    ([{"type": "mlp", "name": "ffn", "experts": 3, "top_k": 1, "shared_experts": 1, "router_bias": True}],
     {"mlp": {"layers": [{"type": "dense", "units": 8}, "relu", {"type": "dense", "units": 4}]}}, [2, 4]),
])
def test_the_reference_pass_agrees_on_held_weights(layers, blocks, input_shape):
    from archcalc.verify import verify
    spec = {"input": input_shape, "layers": layers, **({"blocks": blocks} if blocks else {})}
    assert verify(archcalc.load(spec)).agrees
