"""`check --max-memory`: what the memory budget holds, with and without a context."""

import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli

from helpers import ROOT

LLAMA = str(ROOT / "tests/fixtures/hf/llama-3-8b.json")
# Llama-3-8B's KV cache in bfloat16 (its config: 32 layers, 8 KV heads of 128): 32 × 2 × 8 × 128 × 2 bytes
# a token, × 8,192 tokens × batch 8 = 8 GiB
KV_8192_BATCH_8 = 32 * 2 * 8 * 128 * 2 * 8192 * 8


def _memory_line(args):
    result = CliRunner().invoke(cli, ["check", LLAMA, "--batch", "8", "--dtype", "bfloat16", "--max-memory", "24GB",
                                      "--format", "json", *args])
    (line,) = json.loads(result.stdout)["budgets"]
    return result.exit_code, line


@pytest.mark.parametrize("args, label, cache, status", [
    # without a context: weights + peak activations (20.40 GB, within 24 GB)
    ([], "memory (weights + peak activations)", 0, 0),
    # with one: the KV cache too (28.99 GB: over)
    (["--context", "8192"], "memory (weights + KV cache at 8,192 tokens + peak activations)", KV_8192_BATCH_8, 1),
])
def test_memory_budget_holds_the_kv_cache_with_a_context(args, label, cache, status):
    status_seen, line = _memory_line(args)
    report = archcalc.analyze(LLAMA, batch=8, dtype="bfloat16")
    m = report.totals.memory
    assert m.params_bytes == 8_030_261_248 * 2           # the model card's 8.03 B params, 2 bytes each
    assert (status_seen, line["label"], line["used"]) == (status, label, m.params_bytes + m.peak_activation_bytes + cache)
