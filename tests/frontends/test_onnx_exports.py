"""Files exported by PyTorch (tests/fixtures/make_onnx_fixtures.py): three exports of each model —
TorchScript with defaults (batchnorm folded), with batchnorm preserved, and the dynamo exporter.

Expected figures are PyTorch's, recorded by that script in tests/fixtures/onnx/expected.json:
`sum(p.numel())` and the running statistics, and FlopCounterMode's MACs. Params of a folded
export equal the file's weight initializers instead (counted here from the file itself)."""

import json

import pytest

onnx = pytest.importorskip("onnx")
import numpy as np  # noqa: E402

import archcalc  # noqa: E402
from archcalc.verify import verify  # noqa: E402

from helpers import ROOT  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "onnx"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
MODELS = sorted(name for name in EXPECTED if not name.startswith("hf_"))      # torch.nn models, three exports
HF = sorted(name for name in EXPECTED if name.startswith("hf_"))            # transformers models, dynamo only
FLOAT_TYPES = (1, 10, 11, 16)      # float, float16, double, bfloat16


def weight_elements(path) -> int:
    """Elements of the file's float initializers of more than one element (weights, not scalars)."""
    model = onnx.load(str(path))
    return sum(int(np.prod(i.dims)) for i in model.graph.initializer
               if i.data_type in FLOAT_TYPES and int(np.prod(i.dims)) > 1)


@pytest.mark.parametrize("name", MODELS)
def test_batchnorm_preserved_matches_pytorch(name):
    report = archcalc.analyze(FIXTURES / f"{name}_bn.onnx")
    assert report.totals.params == EXPECTED[name]["params"]
    assert report.totals.buffers == EXPECTED[name]["buffers"]


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("variant", ["", "_dynamo"])
def test_folded_exports_count_the_files_weights(name, variant):
    path = FIXTURES / f"{name}{variant}.onnx"
    report = archcalc.analyze(path)
    # dynamo writes the zero initial states h0 = c0 as one [2, 1, 16] initializer: a constant, not a weight
    lstm_states = 2 * 1 * 16 if name == "tiny_lstm" and variant else 0
    assert report.totals.params + report.totals.buffers == weight_elements(path) - lstm_states


# FlopCounterMode counts neither recurrent layers nor (here) the attention products of
# scaled_dot_product_attention: those two are derived by hand.
HAND_MACS = {
    # 2 bidirectional layers, hidden 16, T = 7: 2·7·4·16·(8 + 16) + 2·7·4·16·(32 + 16), then the head 7·32·3
    "tiny_lstm": 2 * 7 * 4 * 16 * 24 + 2 * 7 * 4 * 16 * 48 + 7 * 32 * 3,
    # FlopCounterMode's 516,416 plus per layer the scores and values, 2 · 4 heads · 17² · 8, in 2 layers
    "tiny_vit": 516_416 + 2 * 2 * 4 * 17 * 17 * 8,
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("variant", ["", "_bn", "_dynamo"])
def test_macs(name, variant):
    macs = archcalc.analyze(FIXTURES / f"{name}{variant}.onnx").totals.macs
    assert macs == HAND_MACS.get(name, EXPECTED[name]["macs"])


@pytest.mark.parametrize("name", ["tiny_resnet_bn", "tiny_gpt", "tiny_unet", "tiny_vit_dynamo"])
def test_reference_pass_agrees(name):
    assert verify(archcalc.load(FIXTURES / f"{name}.onnx")).agrees


def test_tied_head_and_position_table():
    report = archcalc.analyze(FIXTURES / "tiny_gpt_bn.onnx")
    tied = [layer for layer in report.layers if layer.tied_to]
    assert len(tied) == 1 and tied[0].type == "dense"
    tables = [layer for layer in report.layers if layer.type == "position_embedding"]
    assert tables[0].params == 16 * 32          # the whole 16-row table, of which 12 rows are read


# What a dynamo export of a transformers model leaves out, derived by hand: with static shapes it
# folds a position table's lookup into the 16 rows used (of 64: 48·64 fewer values), and the
# wrapper returns the last hidden states only, so BERT's pooler (64·64 + 64) is not exported.
HF_FILE_PARAMS = {
    "hf_llama": lambda p: p,                                  # rotary positions: no table
    "hf_gpt2": lambda p: p - 48 * 64,
    "hf_bert": lambda p: p - 48 * 64 - (64 * 64 + 64),
}
HF_FILE_MACS = {"hf_llama": lambda m: m, "hf_gpt2": lambda m: m, "hf_bert": lambda m: m - 64 * 64}


@pytest.mark.parametrize("name", HF)
def test_transformers_exports(name):
    report = archcalc.analyze(FIXTURES / f"{name}_dynamo.onnx")
    assert report.totals.params == HF_FILE_PARAMS[name](EXPECTED[name]["params"])
    assert report.totals.macs == HF_FILE_MACS[name](EXPECTED[name]["macs"])


def test_grouped_query_llama_export_verifies():
    assert verify(archcalc.load(FIXTURES / "hf_llama_dynamo.onnx")).agrees
