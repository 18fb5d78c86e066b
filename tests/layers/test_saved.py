"""What each rule says its backward pass keeps (`Rule.saved`).

Expected values are hand derivations from PyTorch's backward formulas
(tools/autograd/derivatives.yaml in PyTorch): a linear layer keeps its input for the weight
gradient; softmax, relu, sigmoid and tanh keep their output; GELU and SiLU their input;
dropout a 1-byte mask (torch.native_dropout, the op nn.Dropout runs on a GPU); layernorm its
input and an fp32 mean and 1/std per row; matmul-and-softmax attention its input, Q, K, V,
the softmax's output, with dropout the mask and the dropped probabilities, and the context.
The figures of whole models are checked against PyTorch in tests/workloads/test_training_torch.py."""

import pytest

from archcalc.layers import RULES
from archcalc.layers.registry import OUTPUT, Call

# (type, arguments, input shapes, output shape, kept: (what, elements, tensor, bytes, core))
CASES = [
    ("dense", {"units": 6, "bias": True}, [(5, 4)], (5, 6), [("input", 20, 0, None, False)]),
    ("softmax", {}, [(5, 4)], (5, 4), [("output", 20, OUTPUT, None, False)]),
    ("relu", {}, [(5, 4)], (5, 4), [("output", 20, OUTPUT, None, False)]),
    ("gelu", {"approximate": "tanh"}, [(5, 4)], (5, 4), [("input", 20, 0, None, False)]),
    ("silu", {}, [(5, 4)], (5, 4), [("input", 20, 0, None, False)]),
    ("dropout", {"rate": 0.1}, [(5, 4)], (5, 4), [("dropout mask", 20, None, 1, False)]),
    ("dropout", {"rate": 0.0}, [(5, 4)], (5, 4), []),
    ("add", {}, [(5, 4), (5, 4)], (5, 4), []),
    ("multiply", {}, [(5, 4), (5, 4)], (5, 4), [("input 0", 20, 0, None, False), ("input 1", 20, 1, None, False)]),
    # 5 rows of 4: input, then mean and 1/std per row in fp32
    ("layernorm", {"eps": 1e-5, "bias": True}, [(5, 4)], (5, 4),
     [("input", 20, 0, None, False), ("mean and 1/std", 10, None, 4, False)]),
    ("embedding", {"vocab": 9, "dim": 4}, [(5,)], (5, 4), [("ids", 5, 0, 8, False)]),
    # maxpool 2×2 on 4×4×3: its input and an int64 argmax per output element (2·2·3)
    ("maxpool2d", {"kernel": (2, 2), "stride": None, "padding": 0, "ceil_mode": False}, [(4, 4, 3)], (2, 2, 3),
     [("input", 48, 0, None, False), ("argmax", 12, None, 8, False)]),
]


def attention_args(**changes):
    args = {"heads": 2, "dim": None, "head_dim": None, "kv_heads": None, "bias": True, "qkv_bias": None,
            "out_bias": None, "causal": False, "position": "none", "relative_position_bias": None,
            "window": None, "shift": None, "dropout": 0.0, "qk_norm": "none", "qk_norm_span": None, "sinks": False}
    return {**args, **changes}


# T = 5 tokens of C = 8, 2 heads of 4 (1 key/value head with kv_heads=1): Q is T·H·d = 40,
# K and V S·KV·d = 40 (20 with one kv head), the probabilities H·T·S = 50, the context 40.
ATTENTION = [
    (attention_args(), [("input 0", 40, 0, None, False), ("q", 40, None, None, False), ("k", 40, None, None, False),
                        ("v", 40, None, None, False), ("probabilities", 50, None, None, True),
                        ("context", 40, None, None, False)]),
    (attention_args(dropout=0.1, kv_heads=1),
     [("input 0", 40, 0, None, False), ("q", 40, None, None, False), ("k", 20, None, None, False),
      ("v", 20, None, None, False), ("probabilities", 50, None, None, True),
      ("dropout mask", 50, None, 1, True), ("dropped probabilities", 50, None, None, True),
      ("context", 40, None, None, False)]),
    # Q/K norms keep their input (Q and K before them, 40 + 40) and an fp32 mean and 1/std per
    # normalised group: per head and position (5·2 + 5·2) with span head, per position (5 + 5) with all
    (attention_args(qk_norm="rmsnorm"),
     [("input 0", 40, 0, None, False), ("q and k before their norms", 80, None, None, False),
      ("q and k norms' mean and 1/std", 40, None, 4, False), ("q", 40, None, None, False),
      ("k", 40, None, None, False), ("v", 40, None, None, False), ("probabilities", 50, None, None, True),
      ("context", 40, None, None, False)]),
    (attention_args(qk_norm="layernorm", qk_norm_span="all"),
     [("input 0", 40, 0, None, False), ("q and k before their norms", 80, None, None, False),
      ("q and k norms' mean and 1/std", 20, None, 4, False), ("q", 40, None, None, False),
      ("k", 40, None, None, False), ("v", 40, None, None, False), ("probabilities", 50, None, None, True),
      ("context", 40, None, None, False)]),
]


# latent attention, T = 5 of C = 8, 2 heads, Rq = 3, Rkv = 4, N = 2, P = 2, V = 3: each latent before and
# after its norm (5·3, 5·4) with 2 fp32 statistics per position, Q and K 5·2·4, V and the context 5·2·3,
# the probabilities 2·5·5 (rebuilt by the score product, 50·4 MACs)
LATENT = {"heads": 2, "q_rank": 3, "kv_rank": 4, "nope_dim": 2, "rope_dim": 2, "v_dim": 3, "dim": None,
          "bias": False, "causal": True, "max_positions": None, "dropout": 0.0}


def test_latent_attention_saved():
    assert kept("latent_attention", LATENT, [(5, 8)], (5, 8)) == [
        ("input 0", 40, 0, None, False), ("query latent", 15, None, None, False),
        ("query latent normalised", 15, None, None, False), ("query latent norm's mean and 1/std", 10, None, 4, False),
        ("key/value latent", 20, None, None, False), ("key/value latent normalised", 20, None, None, False),
        ("key/value latent norm's mean and 1/std", 10, None, 4, False), ("q", 40, None, None, False),
        ("k", 40, None, None, False), ("v", 30, None, None, False), ("probabilities", 50, None, None, True),
        ("context", 30, None, None, False)]


def kept(rule_type, args, inputs, output):
    return [(k.what, k.elements, k.tensor, k.bytes, k.core)
            for k in RULES[rule_type].saved(Call(args, tuple(inputs), output))]


def without_statement(rules) -> list[str]:
    return sorted(name for name, rule in rules.items() if not callable(rule.saved))


def test_every_rule_states_what_its_backward_keeps():
    assert without_statement(RULES) == []


def test_a_rule_without_the_statement_is_caught():
    assert without_statement({**RULES, "dense": RULES["dense"]._replace(saved=None)}) == ["dense"]


def test_every_attention_states_what_its_kernel_changes():
    # --attention eager|flash reads a rule's score matrix and what a fused kernel keeps instead of
    # the probabilities; a rule that caches keys and values and states neither would be costed the
    # same under both kernels without a word (latent_attention was, until this test)
    caching = sorted(name for name, rule in RULES.items() if rule.cache_per_token is not None)
    assert {"attention", "latent_attention"} <= set(caching)
    assert [name for name in caching if RULES[name].scores is None or RULES[name].fused_saved is None] == []


@pytest.mark.parametrize("rule_type, args, inputs, output, expected", CASES)
def test_saved(rule_type, args, inputs, output, expected):
    assert kept(rule_type, args, inputs, output) == expected


@pytest.mark.parametrize("args, expected", ATTENTION)
def test_attention_saved(args, expected):
    assert kept("attention", args, [(5, 8)], (5, 8)) == expected
