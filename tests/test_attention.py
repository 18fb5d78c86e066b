"""Attention v2: grouped-query heads, head_dim, biases, cross-attention, windows and position
tables — every figure derived by hand, and the reference pass agreeing on small versions."""

import pytest

import archcalc
from archcalc.errors import SpecError
from archcalc.verify import verify

from helpers import only_layer

# (input(s), attention arguments, output shape, params, MACs)
CASES = [
    # v1 form: C = dim = 8, 2 heads: 3·(8·8 + 8) + 8·8 + 8 = 288; 4·T·C² + 2·T²·C at T=5: 1,280 + 400
    ([5, 8], {"heads": 2, "dim": 8}, (5, 8), 288, 1680),
    # Llama-style GQA without biases, C = 4096, H = 32, KV = 8, d = 128, T = 16:
    # params 4096·4096 + 2·4096·1024 + 4096·4096 = 41,943,040;
    # MACs 16·41,943,040 (every projection once per token) + 2·16·16·32·128 = 671,088,640 + 2,097,152
    ([16, 4096], {"heads": 32, "kv_heads": 8, "head_dim": 128, "bias": False}, (16, 4096), 41943040, 673185792),
    # multi-query (kv_heads 1), C = 16, H = 4, d = 4, T = 3, biases: 16·16 + 2·16·4 + 16·16 = 640 weights,
    # biases 16 + 2·4 + 16 = 40; MACs 3·640 + 2·3·3·4·4 = 2,208
    ([3, 16], {"heads": 4, "kv_heads": 1}, (3, 16), 680, 2208),
    # head_dim wider than dim / heads, qkv_bias only, output width 6 from C = 4: H·d = 2·5 = 10;
    # params 4·10 + 2·4·10 + 10·6 = 180 + qkv biases 10 + 20 = 210; MACs 2·180 + 2·2·2·10 = 440
    ([2, 4], {"heads": 2, "head_dim": 5, "dim": 6, "out_bias": False}, (2, 6), 210, 440),
    # T5: relative position bias of 32 buckets × 8 heads = 256 params, no biases, C = 64, d = 8:
    # 4·64·64 = 16,384 + 256; MACs T=4: 4·16,384 + 2·4·4·64 = 67,584
    ([4, 64], {"heads": 8, "bias": False, "relative_position_bias": {"buckets": 32}}, (4, 64), 16640, 67584),
    # positions and the causal mask change no count
    ([4, 64], {"heads": 8, "bias": False, "causal": True, "position": "rope"}, (4, 64), 16384, 67584),
    # Q/K norms add weights, no MACs. C = 16, H = 4, KV = 2, d = 4, T = 10, no biases: projections
    # 16·16 + 2·16·8 + 16·16 = 768; MACs 10·768 + 2·10·10·4·4 = 10,880.
    # Qwen 3 / Gemma 3: one RMSNorm of d = 4 for Q, one for K: + 8
    ([10, 16], {"heads": 4, "kv_heads": 2, "bias": False, "qk_norm": "rmsnorm"}, (10, 16), 776, 10880),
    # OLMo 2: RMSNorm over all heads' width, H·d = 16 for Q and KV·d = 8 for K: + 24
    ([10, 16], {"heads": 4, "kv_heads": 2, "bias": False, "qk_norm": "rmsnorm", "qk_norm_span": "all"},
     (10, 16), 792, 10880),
    # Cohere: a LayerNorm without shift per head: 4·4 + 2·4 = 24
    ([10, 16], {"heads": 4, "kv_heads": 2, "bias": False, "qk_norm": "layernorm_scale",
                "qk_norm_span": "each_head"}, (10, 16), 792, 10880),
    # gpt-oss: one sink logit per head joins the softmax: + 4
    ([10, 16], {"heads": 4, "kv_heads": 2, "bias": False, "sinks": True}, (10, 16), 772, 10880),
    # Phi: one LayerNorm (scale and shift) of d for Q and one for K: 2·2·4 = 16
    ([10, 16], {"heads": 4, "kv_heads": 2, "bias": False, "qk_norm": "layernorm"}, (10, 16), 784, 10880),
]


@pytest.mark.parametrize("shape, args, output, params, macs", CASES)
def test_self_attention(shape, args, output, params, macs):
    layer = only_layer(shape, {"type": "attention", **args})
    assert (layer.output_shape, layer.params, layer.macs) == (output, params, macs)


def test_cross_attention():
    # Queries [T=3, C=8] from the first input, keys/values [S=5, Ckv=6] from the second; H=2, d=4:
    # params 8·8 + 2·6·8 + 8·8 = 224 + biases 8 + 16 + 8 = 256;
    # MACs 3·8·8 + 2·5·6·8 + 3·8·8 + 2·3·5·2·4 = 192 + 480 + 192 + 240 = 1,104
    report = archcalc.analyze_mapping({"inputs": {"x": [3, 8], "memory": [5, 6]}, "layers": [
        {"type": "attention", "heads": 2, "inputs": ["x", "memory"]}]})
    layer = report.layers[0]
    assert (layer.output_shape, layer.params, layer.macs) == ((3, 8), 256, 1104)


def test_windowed_attention_swin_style():
    # [H=7, W=7, C=8], window 4 → padded to 8×8; 2 heads of 4; Swin's table (2·4-1)² · 2 = 98:
    # params 4·(8·8 + 8) + 98 = 386; projections on 64 positions: 64·4·64 = 16,384;
    # products 2·64·(4·4)·2·4 = 16,384
    layer = only_layer([7, 7, 8], {"type": "attention", "heads": 2, "window": 4, "shift": 2,
                                   "relative_position_bias": True})
    assert (layer.output_shape, layer.params, layer.macs) == ((7, 7, 8), 386, 32768)


@pytest.mark.parametrize("shape, args, message", [
    ([4, 8], {"heads": 3}, "dim 8 is not divisible by heads 3 (give head_dim)"),
    ([4, 8], {"heads": 4, "kv_heads": 3}, "heads 4 is not divisible by kv_heads 3"),
    ([4, 8], {"heads": 2, "window": 2}, "a window needs one [H, W, C] input"),
    ([4, 4, 8], {"heads": 2}, "expects a [T, C] sequence (or a window on [H, W, C])"),
    ([4, 8], {"heads": 2, "relative_position_bias": True}, "relative_position_bias: true is Swin's table"),
    ([4, 4, 8], {"heads": 2, "window": 2, "shift": 2}, "shift [2, 2] must be smaller than the window [2, 2]"),
    ([4, 8], {"heads": 2, "position": "sinusoid"}, "expected one of none, rope, alibi"),
    ([4, 8], {"heads": 2, "relative_position_bias": {"bucket": 3}}, "expected {buckets: N}, true or false"),
    ([4, 8], {"heads": 2, "sliding_window": 2}, "sliding_window is a causal self-attention's window"),
    ([4, 8], {"heads": 2, "sliding_window": 0, "causal": True}, "expected an integer >= 1"),
    ([4, 8], {"heads": 2, "max_positions": 8}, "max_positions is the range rotary or ALiBi positions"),
    ([4, 4, 8], {"heads": 2, "window": 2, "sinks": True}, "sinks join a sequence's softmax: give no window"),
    ([4, 8], {"heads": 2, "qk_norm_span": "all"}, "qk_norm_span says what a Q/K norm spans: give qk_norm"),
    ([4, 8], {"heads": 2, "qk_norm": "batchnorm"}, "expected one of none, rmsnorm, layernorm, layernorm_scale"),
])
def test_errors(shape, args, message):
    with pytest.raises(SpecError) as info:
        only_layer(shape, {"type": "attention", **args})
    assert message in str(info.value)


def test_workload_hooks():
    from archcalc.layers import RULES, Call
    rule = RULES["attention"]
    args = rule.bind({"heads": 32, "kv_heads": 8, "head_dim": 128, "bias": False, "causal": True})
    call = Call(args, ((16, 4096),))
    assert rule.product_macs(call) == 2 * 16 * 16 * 32 * 128
    assert rule.cache_per_token(call) == 2 * 8 * 128          # K and V of 8 heads of 128
    # one position: 41,943,040 projection MACs, then scores and values over 100 cached + itself
    assert rule.decode_macs(call, 100) == 41943040 + 2 * 101 * 32 * 128
    windowed = Call(rule.bind({"heads": 32, "kv_heads": 8, "head_dim": 128, "bias": False, "causal": True,
                               "sliding_window": 64}), ((16, 4096),))
    # the last 64 positions kept; scores and values over them and the new one
    assert (rule.cache_positions(windowed, 100), rule.cache_positions(windowed, 10)) == (64, 10)
    assert rule.decode_macs(windowed, 100) == 41943040 + 2 * 65 * 32 * 128
    assert rule.macs(windowed) == rule.macs(call)      # the forward pass counts the full products
    not_causal = Call(rule.bind({"heads": 2}), ((4, 8),))
    assert rule.cache_per_token(not_causal) == 0


SMALL = [
    ({"input": [5, 8]}, {"heads": 2, "kv_heads": 1, "causal": True, "position": "rope"}),
    ({"input": [5, 8]}, {"heads": 2, "causal": True, "sliding_window": 2}),
    ({"input": [4, 8]}, {"heads": 4, "head_dim": 3, "dim": 6, "qkv_bias": False, "position": "alibi"}),
    ({"input": [4, 8]}, {"heads": 2, "bias": False, "relative_position_bias": {"buckets": 4}}),
    ({"input": [5, 5, 4]}, {"heads": 2, "window": [2, 3], "shift": 1, "relative_position_bias": True}),
    ({"inputs": {"x": [3, 4], "m": [5, 6]}}, {"heads": 2, "inputs": ["x", "m"]}),
    ({"input": [5, 8]}, {"heads": 2, "kv_heads": 1, "causal": True, "qk_norm": "rmsnorm"}),
    ({"input": [5, 8]}, {"heads": 2, "qk_norm": "layernorm", "qk_norm_span": "all"}),
    ({"input": [5, 8]}, {"heads": 2, "kv_heads": 1, "qk_norm": "layernorm_scale", "qk_norm_span": "each_head"}),
    ({"input": [5, 5, 4]}, {"heads": 2, "window": [2, 3], "qk_norm": "rmsnorm"}),
    ({"input": [5, 8]}, {"heads": 2, "kv_heads": 1, "causal": True, "sinks": True, "sliding_window": 2}),
]


@pytest.mark.parametrize("head, args", SMALL)
def test_reference_pass_agrees(head, args):
    graph = archcalc.load({**head, "layers": [{"type": "attention", **args}]})
    assert verify(graph).agrees


def test_sink_flops():
    # T = 10, 4 heads of 4, one K/V pair of heads, no biases: FLOPs 2·MACs + 2 per score (4·10·10 scores)
    # without sinks; a sink adds its exponential and its share of the sum per query and head: 2·10·4 = 80
    plain = only_layer([10, 16], {"type": "attention", "heads": 4, "kv_heads": 2, "bias": False})
    sunk = only_layer([10, 16], {"type": "attention", "heads": 4, "kv_heads": 2, "bias": False, "sinks": True})
    assert plain.flops == 2 * 10880 + 2 * 400 and sunk.flops - plain.flops == 80
