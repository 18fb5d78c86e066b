"""The roofline stage (archcalc/roofline_inference.py): exact bounds for cases worked out by hand here,
bytes moved per layer, decoding, fit, and the refusals of options that do not apply."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import archcalc
from archcalc.device_table import Device, DeviceError
from archcalc.roofline_inference import roofline

# A device with round figures, so every expected time below is a quotient written out by hand.
PEAK, BANDWIDTH, MEMORY = 10**15, 10**12, 10**9
DEVICE = Device(name="round", title="round figures", peaks=(("fp32", PEAK // 10), ("bf16", PEAK), ("fp16", PEAK)),
                bandwidth=BANDWIDTH, memory=MEMORY)

GEMM = """
name: gemm
input: [1024, 1024]
dtype: bfloat16
layers:
- {type: dense, name: gemm, units: 1024, bias: false}
"""


def test_a_single_gemm_at_known_intensity():
    # [1024, 1024] @ [1024, 1024] in bf16: 1024^3 MACs, 2 FLOPs each; it reads the weight and the
    # input and writes the output, 1024·1024 elements of 2 bytes each.
    report = archcalc.analyze_text(GEMM, device=DEVICE)
    flops, moved = 2 * 1024**3, 3 * 1024 * 1024 * 2
    layer = report["gemm"]
    assert (layer.flops, layer.bytes_moved) == (flops, moved)
    assert layer.arithmetic_intensity == round(flops / moved, 4) == 341.3333
    roof = report.totals.roofline
    # intensity 341 B/FLOP is below the ridge PEAK / BANDWIDTH = 1000: memory-bound
    assert roof.layers[0] == ("memory", moved / BANDWIDTH)
    # one layer: the unavoidable bytes (weight, the model's input, its output) are all it moves
    assert roof.unavoidable_bytes == moved
    assert roof.lower_bound_seconds == roof.unfused_estimate_seconds == moved / BANDWIDTH
    assert roof.lower_bound_kind == "memory"


def test_the_same_gemm_past_the_ridge_is_compute_bound():
    # ten times the bandwidth: the ridge is 10^15 / 10^13 = 100 FLOPs a byte, below its 341
    fast = DEVICE._replace(bandwidth=10**13)
    roof = archcalc.analyze_text(GEMM, device=fast).totals.roofline
    assert roof.layers[0] == ("compute", 2 * 1024**3 / PEAK)
    assert roof.lower_bound_seconds == 2 * 1024**3 / PEAK and roof.lower_bound_kind == "compute"


DECODER = """
name: tiny_decoder
input: [16]
dtype: float16
layers:
- {type: embedding, name: embed, vocab: 1000, dim: 64}
- {type: attention, name: attn, heads: 4, head_dim: 16, dim: 64, bias: false, causal: true}
- {type: dense, name: head, units: 1000, bias: false}
"""


def test_a_batch_1_decode_step_reads_the_weights_and_the_cache():
    report = archcalc.analyze_text(DECODER, context=32, device=DEVICE)
    # Weights one step reads: one row of the embedding (64), all of attention's Q, K, V and output
    # projections (4 · 64 · 64) and the head (64 · 1000), 2 bytes each (float16).
    weights = (64 + 4 * 64 * 64 + 64 * 1000) * 2
    # The cache: K and V of 4 heads × 16 per token, 32 tokens, 2 bytes.
    cache = 2 * 4 * 16 * 32 * 2
    roof = report.totals.roofline
    assert roof.decode.step_bytes == weights + cache == 169_088
    # Decode MACs per token: projections 4·64·64, scores and values 2·(32 + 1)·64, head 64·1000
    assert roof.decode.step_flops == 2 * (4 * 64 * 64 + 2 * 33 * 64 + 64 * 1000)
    # far below the ridge: the step is its bytes over the bandwidth, tokens/s its inverse (batch 1)
    assert roof.decode.step_seconds == (weights + cache) / BANDWIDTH
    assert roof.decode.tokens_per_second_bound == 1 / ((weights + cache) / BANDWIDTH)


def test_decode_tokens_per_second_scale_with_batch_until_the_cache_dominates():
    one = archcalc.analyze_text(DECODER, context=32, device=DEVICE).totals.roofline.decode
    four = archcalc.analyze_text(DECODER, context=32, batch=4, device=DEVICE).totals.roofline.decode
    # batch 4 reads 4 embedding rows and 4 caches, the other weights once
    assert four.step_bytes == one.step_bytes + 3 * (64 * 2 + 2 * 4 * 16 * 32 * 2)
    assert four.tokens_per_second_bound == 4 / (four.step_bytes / BANDWIDTH)


def test_quantised_weights_are_read_at_their_own_width():
    int4 = archcalc.analyze_text(DECODER, context=32, dtype="weights=int4,activations=float16",
                                 device=DEVICE).totals.roofline.decode
    # the same weights at half a byte each; the cache stays float16
    assert int4.step_bytes == (64 + 4 * 64 * 64 + 64 * 1000) // 2 + 2 * 4 * 16 * 32 * 2


def test_fit_and_the_largest_batch_whose_cache_fits():
    report = archcalc.analyze_text(DECODER, context=32, device=DEVICE)
    t, roof = report.totals, report.totals.roofline
    needed = t.memory.params_bytes + t.memory.peak_activation_bytes + t.decoding.kv_cache_bytes
    assert (roof.memory_needed_bytes, roof.memory_left_bytes, roof.fits) == (needed, MEMORY - needed, True)
    per_sequence = t.decoding.kv_cache_bytes + t.memory.peak_activation_bytes      # batch 1
    assert roof.decode.max_batch_fitting == (MEMORY - t.memory.params_bytes) // per_sequence
    small = DEVICE._replace(memory=needed - 1)
    assert not archcalc.analyze_text(DECODER, context=32, device=small).totals.roofline.fits


def test_an_embedding_reads_only_the_rows_of_its_ids():
    layer = archcalc.analyze_text(DECODER)["embed"]
    # 16 rows of 64 (not the 1000-row table), the 16 ids and the [16, 64] output, float16
    assert layer.bytes_moved == 16 * 64 * 2 + 16 * 2 + 16 * 64 * 2


def test_a_tied_head_reads_the_weight_it_shares():
    spec = DECODER.replace("- {type: dense, name: head, units: 1000, bias: false}",
                           "- {type: dense, name: head, units: 1000, bias: false, tied_to: embed}")
    untied, tied = archcalc.analyze_text(DECODER)["head"], archcalc.analyze_text(spec)["head"]
    assert tied.params == 0 and tied.bytes_moved == untied.bytes_moved


def test_the_api_names_every_figure_as_json_does():
    report = archcalc.analyze_text(DECODER, context=32, device=DEVICE, efficiency=0.5)
    data = report.to_dict()
    roof = report.totals.roofline
    for key, value in data["totals"].items():
        if key in roof.totals_dict():
            assert getattr(roof, key) == value, key
    assert data["device"] == roof.device_dict()
    assert [(row["bound"], row["seconds"]) for row in data["layers"]] == [tuple(t) for t in roof.layers]
    assert [row["bytes_moved"] for row in data["layers"]] == [layer.bytes_moved for layer in report.layers]


def test_efficiency_scales_only_the_figure_it_names():
    roof = archcalc.analyze_text(DECODER, context=32, device=DEVICE, efficiency=0.5).totals.roofline
    figures = roof.totals_dict()
    assert figures["lower_bound_at_efficiency_seconds"] == roof.lower_bound_seconds / 0.5
    assert figures["decode_tokens_per_second_at_efficiency"] == roof.decode.tokens_per_second_bound * 0.5
    plain = archcalc.analyze_text(DECODER, context=32, device=DEVICE).totals.roofline.totals_dict()
    assert "efficiency" not in plain and {k: plain[k] for k in plain} == {k: figures[k] for k in plain}


@pytest.mark.parametrize("settings_, message", [
    (dict(efficiency=0.5), "efficiency scales a device's lower bound, so it needs device"),
    (dict(device=DEVICE, efficiency=1.5), "^efficiency must be above 0 and at most 1"),   # named as Python spells it
    (dict(device=DEVICE, dtype="int8"), "no int8 peak for int8 arithmetic"),
    (dict(device=3), "device must be a name"),
])
def test_refusals(settings_, message):
    with pytest.raises(archcalc.UsageError, match=message):
        archcalc.analyze_text(GEMM, **settings_)


@settings(max_examples=40, deadline=None)
@given(units=st.integers(1, 4096), batch=st.integers(1, 64), bandwidth=st.integers(10**9, 10**14))
def test_the_lower_bound_never_exceeds_the_unfused_estimate(units, batch, bandwidth):
    spec = GEMM.replace("units: 1024", f"units: {units}") + \
        "- {type: relu, name: act}\n- {type: dense, name: out, units: 7}\n"
    report = archcalc.analyze_text(spec, batch=batch, device=DEVICE._replace(bandwidth=bandwidth))
    roof = report.totals.roofline
    assert roof.lower_bound_seconds <= roof.unfused_estimate_seconds * (1 + 1e-12)
    assert roof.unavoidable_bytes <= sum(layer.bytes_moved for layer in report.layers)


def test_roofline_is_a_function_of_a_report():
    report = archcalc.analyze_text(GEMM)
    assert roofline(report, DEVICE) == archcalc.analyze_text(GEMM, device=DEVICE).totals.roofline
    with pytest.raises(DeviceError):
        roofline(report, DEVICE._replace(peaks=(("fp32", 1),)))


def test_an_expert_layer_reads_the_copies_a_token_runs():
    spec = """
name: moe
input: [4, 8]
dtype: float16
layers:
- {type: dense, name: ffn, units: 8, bias: false, experts: 4, top_k: 2}
"""
    layer = next(layer for layer in archcalc.analyze_text(spec).layers if layer.name == "ffn")
    # 2 of the 4 copies run, each reading its 8·8 weight; the [4, 8] input and output once; 2 bytes each
    assert layer.params == 4 * 8 * 8
    assert layer.bytes_moved == 2 * 8 * 8 * 2 + 4 * 8 * 2 + 4 * 8 * 2
