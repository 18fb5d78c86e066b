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
