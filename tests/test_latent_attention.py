"""Multi-head latent attention (DeepSeek-V2/V3): params, MACs, FLOPs, the KV cache of the
latent and the shared rotated key, and one new token's MACs — each derived by hand below —
and the reference pass agreeing on small versions."""

import pytest

import archcalc
from archcalc.errors import SpecError
from archcalc.layers import RULES, Call
from archcalc.verify import verify

from helpers import only_layer

# T = 5 positions of C = 12; H = 2 heads; query latent Rq = 5; key/value latent Rkv = 6; per head
# N = 4 without positions, P = 2 rotated, V = 3 for values; output O = C = 12; biases on.
SMALL = {"type": "latent_attention", "heads": 2, "q_rank": 5, "kv_rank": 6, "nope_dim": 4, "rope_dim": 2,
         "v_dim": 3, "bias": True, "causal": True}
# Projection weights: Q 12·5 + 5·2·(4+2) = 120; latent and shared key 12·(6+2) = 96;
# up-projection 6·2·(4+3) = 84; output 2·3·12 = 72: 372.
# Params: 372 + the two latents' RMSNorm scales 5 + 6 + biases 5 + (6+2) + 12 = 408.
# MACs: 5 positions × 372 = 1,860, scores 5·5·2·(4+2) = 300, values 5·5·2·3 = 150: 2,310.
# FLOPs: 2·2,310 + biases 5·25 + norms 5·(5+6) + 2 per score 2·(5·5·2) + RoPE 3·5·(2 heads + 1 key)·2
#      = 4,620 + 125 + 55 + 100 + 90 = 4,990.


def test_small_by_hand():
    layer = only_layer([5, 12], SMALL)
    assert (layer.output_shape, layer.params, layer.macs, layer.flops) == ((5, 12), 408, 2310, 4990)


def test_kv_cache_and_decoding_by_hand():
    rule = RULES["latent_attention"]
    call = Call(rule.bind({k: v for k, v in SMALL.items() if k != "type"}), ((5, 12),))
    # the cache keeps the normalised latent and the rotated key all heads share: Rkv + P = 8 per position
    # (full K and V would be 2 heads · (6 + 3) = 18)
    assert rule.cache_per_token(call) == 8
    # one token after 10: projections without the up-projection 372 - 84 = 288; the query carried into
    # the latent 2·4·6 = 48 and the context out of it 2·6·3 = 36; scores (10+1)·2·(6+2) = 176 and
    # values (10+1)·2·6 = 132 over the cached latents and its own: 288 + 84 + 308 = 680
    assert rule.decode_macs(call, 10) == 680
    not_causal = Call(rule.bind({**{k: v for k, v in SMALL.items() if k != "type"}, "causal": False}), ((5, 12),))
    assert rule.cache_per_token(not_causal) == 0


def test_deepseek_v2_lite_layer_by_hand():
    # DeepSeek-V2-Lite (config.json of deepseek-ai/DeepSeek-V2-Lite): C = 2048, 16 heads, no query
    # latent, Rkv = 512, N = 128, P = 64, V = 128, no biases. Q 2048·16·192 = 6,291,456; latent and
    # key 2048·576 = 1,179,648; its norm 512; up-projection 512·16·256 = 2,097,152; output
    # 16·128·2048 = 4,194,304: 13,763,072
    layer = only_layer([4, 2048], {"type": "latent_attention", "heads": 16, "kv_rank": 512, "nope_dim": 128,
                                   "rope_dim": 64, "v_dim": 128})
    assert layer.params == 13_763_072


def test_decoding_figures_use_the_latent():
    spec = {"name": "mla", "input": [4, 12], "dtype": "bfloat16", "layers": [{**SMALL, "repeat": 3}]}
    decoding = archcalc.analyze_mapping(spec, context=10).totals.decoding
    # 3 layers × 8 elements × 2 bytes = 48 bytes per token; 10 tokens: 480
    assert (decoding.kv_cache_bytes_per_token, decoding.kv_cache_bytes) == (48, 480)
    assert decoding.decode_macs_per_token == 3 * 680


@pytest.mark.parametrize("args", [
    SMALL,
    {**SMALL, "q_rank": None, "bias": False, "causal": False},
    {**SMALL, "dim": 7, "heads": 3, "rope_dim": 4},
])
def test_reference_pass_agrees(args):
    assert verify(archcalc.load({"input": [5, 12], "layers": [args]})).agrees


@pytest.mark.parametrize("shape, message", [
    ([4, 4, 12], "expects a [T, C] sequence"),
])
def test_errors(shape, message):
    with pytest.raises(SpecError) as info:
        only_layer(shape, SMALL)
    assert message in str(info.value)
