"""Decoding with a KV cache: cache size and the MACs of one new token, by hand."""

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.errors import UsageError
from archcalc.workloads.decode import decode_figures

from helpers import ROOT

SPEC = {"input": [10], "dtype": {"weights": "float32", "activations": "float32", "kv_cache": "bfloat16"},
        "layers": [{"type": "embedding", "vocab": 50, "dim": 16},
                   {"type": "attention", "heads": 4, "kv_heads": 2, "causal": True, "bias": False},
                   {"type": "dense", "units": 50, "bias": False}]}


def test_cache_and_decode_by_hand():
    graph = archcalc.load(SPEC)
    d = decode_figures(graph, archcalc.analyze(graph), context=100)
    # per token: K and V of 2 heads of 4: 16 values, bfloat16: 32 bytes; × 100 tokens × batch 1
    assert (d.kv_cache_bytes_per_token, d.kv_cache_bytes) == (32, 3200)
    # one position: projections 16·16 + 2·16·8 + 16·16 = 768, scores and values 2·101·4·4 = 3,232;
    # the head 16·50 = 800; the embedding lookup 0
    assert d.decode_macs_per_token == 768 + 3232 + 800


def test_llama_3_8b_kv_cache():
    report = archcalc.analyze(ROOT / "tests/fixtures/hf/llama-3-8b.json", dtype="bfloat16")
    graph = archcalc.load(ROOT / "tests/fixtures/hf/llama-3-8b.json", dtype="bfloat16")
    d = decode_figures(graph, report, context=8192)
    # 32 layers × 2 (K, V) × 8 heads × 128 × 2 bytes = 131,072 bytes (128 KiB) per token; 1 GiB at 8,192
    assert d.kv_cache_bytes_per_token == 131072 and d.kv_cache_bytes == 2**30


def test_context_without_causal_attention_is_refused():
    with pytest.raises(UsageError, match="has no causal self-attention layer"):
        graph = archcalc.load({"input": [4], "layers": ["relu"]})
        decode_figures(graph, archcalc.analyze(graph), 8)


def test_context_in_json_and_from_the_spec(tmp_path):
    path = tmp_path / "s.yaml"
    import yaml
    path.write_text(yaml.safe_dump({**SPEC, "workload": {"context": 100}}))
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
    totals = __import__("json").loads(result.stdout)["totals"]
    assert (totals["kv_cache_bytes"], totals["decode_macs_per_token"]) == (3200, 4800)
    result = CliRunner().invoke(cli, ["check", str(path), "--max-kv-cache", "3KB"])
    assert result.exit_code == 1 and "KV cache" in result.stdout


# -- causal sliding windows ------------------------------------------------------------------

def _windowed(window):
    attention = {**SPEC["layers"][1], "sliding_window": window}
    return {**SPEC, "layers": [SPEC["layers"][0], attention, SPEC["layers"][2]]}


@pytest.mark.parametrize("window, context, kept", [
    (None, 100, 100),    # sliding_window: null is full attention
    (8, 100, 8),         # the cache keeps the last 8 positions
    (200, 100, 100),     # a window wider than the context keeps the context
    (100, 100, 100),
])
def test_sliding_window_by_hand(window, context, kept):
    graph = archcalc.load(_windowed(window))
    report = archcalc.analyze(graph)
    d = decode_figures(graph, report, context=context)
    # 32 bytes per token (as above) for every layer; the window changes what is kept, not per token
    assert (d.kv_cache_bytes_per_token, d.kv_cache_bytes) == (32, 32 * kept)
    # projections 768 + head 800, products over the kept positions and the new one: 2·(kept + 1)·4·4
    assert d.decode_macs_per_token == 768 + 800 + 2 * (kept + 1) * 4 * 4
    # the forward pass counts the full products whatever the window (as PyTorch and fvcore do)
    assert report.totals.macs == archcalc.analyze(SPEC).totals.macs


MISTRAL_32K = 32768


def _mistral_by_hand(window):
    """Mistral-7B v0.1 (its config.json: 32 layers, hidden 4096, 32 heads, 8 KV heads of 128,
    MLP 14336, vocab 32000, sliding_window 4096) decoding at a 32k context, in bfloat16."""
    per_token = 32 * 2 * 8 * 128 * 2                       # 131,072 bytes
    kept = MISTRAL_32K if window is None else min(MISTRAL_32K, window)
    projections = 4096 * 4096 + 2 * 4096 * 1024 + 4096 * 4096    # q, k, v, o for one position
    mlp = 3 * 4096 * 14336
    products = 2 * (kept + 1) * 32 * 128
    return per_token * kept, 32 * (projections + mlp + products) + 4096 * 32000


@pytest.mark.parametrize("model", ["tests/fixtures/hf/mistral-7b-v0.1.json", "specs/llm/mistral_7b.yaml"])
def test_mistral_7b_keeps_its_window(model):
    graph = archcalc.load(ROOT / model, dtype="bfloat16")
    d = decode_figures(graph, archcalc.analyze(graph), context=MISTRAL_32K)
    kv, macs = _mistral_by_hand(4096)
    assert (d.kv_cache_bytes, d.decode_macs_per_token) == (kv, macs) == (536_870_912, 8_184_397_824)
    # without the window: 8 × the cache (4 GiB) and 1.92 × the decode MACs
    assert _mistral_by_hand(None) == (4 * 2**30, 15_700_590_592)


def test_gemma_2_alternates_local_and_global_layers():
    graph = archcalc.load(ROOT / "tests/fixtures/hf/gemma-2-2b.json", dtype="bfloat16")
    windows = [node.args["sliding_window"] for node in graph.nodes if node.type == "attention"]
    # transformers' Gemma2Config: layer i is "sliding_attention" when (i + 1) % 2, so layer 0 is local
    assert windows == [4096, None] * 13
    d = decode_figures(graph, archcalc.analyze(graph), context=MISTRAL_32K)
    # 26 layers × 2 × 4 KV heads × 256 × 2 bytes; 13 global layers keep 32,768 positions, 13 local 4,096
    assert d.kv_cache_bytes_per_token == 26 * 2 * 4 * 256 * 2
    assert d.kv_cache_bytes == 13 * 2 * 4 * 256 * 2 * (32768 + 4096)


# -- a context beyond the model's positions ------------------------------------------------

@pytest.mark.parametrize("model", ["tests/fixtures/hf/gpt2.json", "specs/llm/gpt2_small.yaml"])
def test_context_beyond_a_learned_table_is_refused(model):
    # GPT-2's wpe has 1,024 rows (the config's n_positions): as --seq-len 4096 is refused, so is this
    result = CliRunner().invoke(cli, ["analyze", str(ROOT / model), "--context", "100000", "--format", "json"])
    assert (result.exit_code, result.stdout) == (2, "")
    table = "transformer.wpe" if model.endswith(".yaml") else "wpe"     # the zoo names it as transformers does
    assert result.stderr.startswith(f"error: {ROOT / model}: --context 100000 is beyond the 1024 positions of "
                                    f"{table}'s learned table (max_positions: 1024)")
    assert CliRunner().invoke(cli, ["analyze", str(ROOT / model), "--context", "1024", "--format", "json"]).exit_code == 0


def test_context_beyond_rotary_positions_warns():
    model = str(ROOT / "tests/fixtures/hf/llama-3-8b.json")     # max_position_embeddings: 8192
    result = CliRunner().invoke(cli, ["analyze", model, "--context", "100000", "--format", "json"])
    assert result.exit_code == 0
    assert (f"warning: {model}: --context 100000 is beyond the 8192 positions layers.0.self_attn was trained for "
            "(max_positions: 8192; max_position_embeddings in a Hugging Face config)") in result.stderr
    assert "warning" not in CliRunner().invoke(cli, ["analyze", model, "--context", "8192", "--format", "json"]).stderr


@pytest.mark.parametrize("args, warned", [
    ({"position": "rope"}, False),                               # no figure recorded: no warning
    ({"position": "alibi", "max_positions": 50}, True),
    ({"position": "rope", "max_positions": 100}, False),         # exactly at the limit
])
def test_position_limits_of_a_spec(args, warned):
    spec = {**SPEC, "layers": [SPEC["layers"][0], {**SPEC["layers"][1], **args}, SPEC["layers"][2]]}
    graph = archcalc.load(spec)
    d = decode_figures(graph, archcalc.analyze(graph), context=100)
    assert bool(d.warnings) == warned


def test_a_table_without_max_positions_has_the_inputs_rows():
    spec = {**SPEC, "layers": [SPEC["layers"][0], {"type": "position_embedding", "name": "pos"}, *SPEC["layers"][1:]]}
    graph = archcalc.load(spec)                # input [10]: the table has 10 rows
    report = archcalc.analyze(graph)
    assert decode_figures(graph, report, context=10).kv_cache_bytes == 32 * 10
    with pytest.raises(archcalc.SpecError, match=r"context 11 is beyond the 10 positions of pos's learned table "
                                                 r"\(no max_positions: as many rows as the input's T\)"):
        decode_figures(graph, report, context=11)
