"""Receptive field, effective stride and offset per layer (archcalc/fields.py), weight reuse,
dense equivalents and the zoom-out point, against published tables and hand derivations.

Published figures: google-research/receptive_field, receptive_field/RECEPTIVE_FIELD_TABLE.md
(commit cfbfe6b), computed with that library on TF-slim's models. Its "effective padding" is
minus our field_offset (where output unit 0's field starts)."""

import pytest
from hypothesis import given, settings, strategies as st

from archcalc import analyze, load
from archcalc.verify_fields import verify_fields

from helpers import ROOT, SPECS

FIXTURES = ROOT / "tests" / "fixtures" / "fields"

# (end point in the table, our layer, RF, effective stride, effective padding), VGG-16 rows at 224 and 321
# (the same figures at both sizes: every VGG-16 layer pads symmetrically).
VGG16 = [
    ("vgg_16/conv1/conv1_1", "features.0", 3, 1, 1),
    ("vgg_16/pool1", "features.4", 6, 2, 2),
    ("vgg_16/conv2/conv2_1", "features.5", 10, 2, 4),
    ("vgg_16/pool2", "features.9", 16, 4, 6),
    ("vgg_16/conv3/conv3_1", "features.10", 24, 4, 10),
    ("vgg_16/conv3/conv3_2", "features.12", 32, 4, 14),
    ("vgg_16/pool3", "features.16", 44, 8, 18),
    ("vgg_16/conv4/conv4_1", "features.17", 60, 8, 26),
    ("vgg_16/conv4/conv4_2", "features.19", 76, 8, 34),
    ("vgg_16/pool4", "features.23", 100, 16, 42),
    ("vgg_16/conv5/conv5_1", "features.24", 132, 16, 58),
    ("vgg_16/conv5/conv5_2", "features.26", 164, 16, 74),
    ("vgg_16/pool5", "features.30", 212, 32, 90),
]

# resnet_v1_50 end points (the output of each block), at 224 and at 321: the stem's 'SAME' max pool
# pads one more position in front at 321, which moves every offset by one stride-2 step.
RESNET_V1_50 = [
    ("resnet_v1_50/block1", "block1.last.out", 35, 8, 15, 17),
    ("resnet_v1_50/block2", "block2.last.out", 99, 16, 47, 49),
    ("resnet_v1_50/block3", "block3.last.out", 291, 32, 143, 145),
    ("resnet_v1_50/block4", "block4.last.out", 483, 32, 239, 241),
]


@pytest.mark.parametrize("side", [224, 321])
@pytest.mark.parametrize("end_point, layer, rf, stride, padding", VGG16, ids=[row[0] for row in VGG16])
def test_vgg16_matches_the_published_table(end_point, layer, rf, stride, padding, side):
    row = analyze(load(SPECS / "vgg16.yaml", input=f"{side},{side},3"))[layer]
    assert (row.receptive_field, row.effective_stride, row.field_offset) == ((rf,) * 2, (stride,) * 2, (-padding,) * 2)


@pytest.mark.parametrize("side, column", [(224, 4), (321, 5)])
@pytest.mark.parametrize("row", RESNET_V1_50, ids=[row[0] for row in RESNET_V1_50])
def test_resnet_v1_50_laid_out_as_tf_slim_matches_the_published_table(row, side, column):
    # tests/fixtures/fields/resnet_v1_50_slim.yaml puts each block's stride where TF-slim does.
    layer = analyze(load(FIXTURES / "resnet_v1_50_slim.yaml", input=f"{side},{side},3"))[row[1]]
    assert layer.receptive_field == (row[2],) * 2
    assert layer.effective_stride == (row[3],) * 2
    assert layer.field_offset == (-row[column],) * 2


def _one(layers, input, **extra):
    """A spec of `layers` on `input`, analysed."""
    return analyze(load({"name": "t", "input": input, "layers": layers, **extra}))


# Hand derivations, per axis: a window of kernel k, stride s, dilation d after a field (r, j, start)
# gives r + (k - 1)·d·j, j·s, start - before·j. Fractional strides are derived unit by unit below.
HAND = [
    ("two 3x3 convs", [8, 8, 1], [{"type": "conv2d", "filters": 1, "kernel": 3, "padding": 1}] * 2, (5, 1, -2)),
    ("dilated 3x3: extent 1 + 2·2", [9, 9, 1],
     [{"type": "conv2d", "filters": 1, "kernel": 3, "padding": 2, "dilation": 2}], (5, 1, -2)),
    ("ResNet stem: 7x7/2 then 3x3/2 pool", [32, 32, 3],
     [{"type": "conv2d", "filters": 4, "kernel": 7, "stride": 2, "padding": 3},
      {"type": "maxpool2d", "kernel": 3, "stride": 2, "padding": 1}], (7 + 2 * 2, 4, -3 - 1 * 2)),
    # o = 2i − 1 + j for taps j = 0..3: unit 0 reads i = 0 (j = 1) and i = −1 (j = 3): [−1, 0]; unit 1
    # reads i = 1 (j = 0) and i = 0 (j = 2): [0, 1]. Two inputs each, half a position apart.
    ("transposed 4x4/2, padding 1", [8, 8, 2],
     [{"type": "conv_transpose2d", "filters": 1, "kernel": 4, "stride": 2, "padding": 1}], (2, 0.5, -1)),
    # Nearest ×2 reads floor(o/2); a 3x3 conv then reads upsampled o−1..o+1: floor((o−1)/2)..floor((o+1)/2).
    ("nearest x2 then 3x3", [8, 8, 1],
     [{"type": "upsample2d", "scale": 2}, {"type": "conv2d", "filters": 1, "kernel": 3, "padding": 1}], (2, 0.5, -1)),
    # Bilinear ×2: source (o + ½)/2 − ½, unit 0 at −¼ reads −1 and 0.
    ("bilinear x2", [8, 8, 1], [{"type": "upsample2d", "scale": 2, "mode": "bilinear"}], (2, 0.5, -1)),
    ("pixel shuffle 2", [4, 4, 8], [{"type": "pixel_shuffle", "factor": 2}], (1, 0.5, 0)),
    ("pixel unshuffle 2", [8, 8, 1], [{"type": "pixel_unshuffle", "factor": 2}], (2, 2, 0)),
    # PyTorch's windows of 10 -> 4: [0, 3), [2, 5), [5, 8), [7, 10): 3 wide, 2.5 apart.
    ("adaptive 10 -> 4", [10, 10, 1], [{"type": "adaptive_avgpool2d", "output": [4, 4]}], (3, 2.5, 0)),
    # Swin window 4, shift 2: windows [4w + 2, 4w + 5]; unit 0's is [−2, 1].
    ("shifted window", [8, 8, 4], [{"type": "attention", "heads": 1, "window": 4, "shift": 2}], (4, 1, -2)),
    ("pad 2 then slice every 3rd from 1", [12, 12, 1],
     [{"type": "pad", "padding": 2}, {"type": "slice", "axis": [0, 1], "start": [1, 1], "step": [3, 3]}], (1, 3, -1)),
]


@pytest.mark.parametrize("name, input, layers, expected", HAND, ids=[case[0] for case in HAND])
def test_hand_derived_fields(name, input, layers, expected):
    last = _one(layers, input).layers[-1]
    rf, stride, offset = expected
    assert (last.receptive_field, last.effective_stride, last.field_offset) == ((rf,) * 2, (stride,) * 2, (offset,) * 2)


def test_a_sequence_attended_causally_sees_up_to_itself_and_fully_everything():
    causal = _one([{"type": "attention", "heads": 2, "causal": True}], [16, 8]).layers[0]
    full = _one([{"type": "attention", "heads": 2}], [16, 8]).layers[0]
    # Causal: unit t reads 0..t, the last one all 16; its far end moves one position per unit.
    assert (causal.receptive_field, causal.effective_stride, causal.field_offset) == ((16,), (1,), (0,))
    # Full: every unit reads all 16; neighbours' fields do not move.
    assert (full.receptive_field, full.effective_stride, full.field_offset) == ((16,), (0,), (0,))


def test_latent_attention_sees_as_attention_does():
    layer = {"type": "latent_attention", "heads": 2, "kv_rank": 4, "nope_dim": 2, "rope_dim": 2, "v_dim": 2}
    causal = _one([{**layer, "causal": True}], [12, 16]).layers[0]
    full = _one([layer], [12, 16]).layers[0]
    assert (causal.receptive_field, causal.effective_stride) == ((12,), (1,))     # unit 11 reads 0..11
    assert (full.receptive_field, full.effective_stride) == ((12,), (0,))
    assert verify_fields(load({"input": [12, 16], "layers": [{**layer, "causal": True}]})).agrees


def test_layers_without_a_spatial_axis_carry_null_and_the_pool_sees_the_whole_input():
    report = _one([{"type": "conv2d", "filters": 2, "kernel": 3}, "global_avgpool", {"type": "dense", "units": 3}],
                  [8, 8, 1])
    pooled = report.layers[1]
    assert pooled.receptive_field is pooled.effective_stride is pooled.field_offset is None
    assert report.totals.whole_input_layer == "global_avgpool_1"
    assert report.to_dict()["layers"][1]["receptive_field"] is None


def test_branches_that_disagree_are_said_to():
    centres = _one([{"type": "conv2d", "name": "a", "filters": 1, "kernel": 1, "stride": 2},
                    {"type": "conv2d", "name": "b", "filters": 1, "kernel": 2, "stride": 2, "inputs": ["input"]},
                    {"type": "add", "inputs": ["a", "b"]}], [8, 8, 1])
    strides = _one([{"type": "slice", "name": "a", "axis": 0, "stop": 4},
                    {"type": "slice", "name": "b", "axis": 0, "step": 2, "inputs": ["input"]},
                    {"type": "add", "inputs": ["a", "b"]}], [8, 3])
    aligned = _one([{"type": "conv2d", "name": "a", "filters": 1, "kernel": 1, "stride": 2},
                    {"type": "conv2d", "name": "b", "filters": 1, "kernel": 3, "stride": 2, "padding": 1,
                     "inputs": ["input"]},
                    {"type": "add", "inputs": ["a", "b"]}], [8, 8, 1])
    # Unit 0 reads [0, 0] on one branch and [0, 1] on the other: centres 0 and 0.5.
    assert centres.layers[-1].fields_note == "branches misaligned: field centres 0 and 0.5"
    assert strides.layers[-1].fields_note == "branches misaligned: strides 1 and 2"
    assert strides.layers[-1].to_dict()["fields_misaligned"] is True
    assert aligned.layers[-1].fields_misaligned is False


def test_weight_reuse_is_macs_per_weight():
    conv = _one([{"type": "conv2d", "filters": 1, "kernel": 3, "bias": False}], [10, 10, 1]).layers[0]
    tokens = _one([{"type": "dense", "units": 4}], [5, 3]).layers[0]
    vector = _one([{"type": "dense", "units": 4}], [3]).layers[0]
    batch2 = analyze(load({"input": [10, 10, 1], "batch": 2, "layers": [{"type": "conv2d", "filters": 1, "kernel": 3}]}))
    assert conv.weight_reuse == 8 * 8            # each of the 9 weights at each of the 8×8 positions
    assert tokens.weight_reuse == 5              # one use per token
    assert vector.weight_reuse == 1              # a dense layer on one vector: once
    assert batch2.layers[0].weight_reuse == 2 * 64
    assert _one(["relu"], [4, 4, 1]).layers[0].weight_reuse is None


def test_dense_equivalent_of_the_10x10_edge_filter():
    # The posts' exercise: one 3×3 filter on a 10×10 image gives 8×8 outputs; a dense layer doing the
    # same map needs 100·64 weights + 64 biases, against the filter's 9 weights: 6,464 / 9 ≈ 718×.
    report = analyze(load(SPECS / "seed" / "ex2_edge_conv.yaml"))
    layer = report.layers[0]
    assert layer.dense_equivalent_params == 100 * 64 + 64
    assert layer.sharing_factor == pytest.approx(6464 / 9)
    assert report.totals.sharing_factor == pytest.approx(6464 / 9)


def test_resnet18_reaches_the_input_size_one_conv_before_it_sees_the_whole_image():
    # The example: a field larger than 224 that sits off-centre does not yet cover both edges.
    totals = analyze(load(SPECS / "resnet18.yaml")).totals
    assert (totals.input_sized_field_layer, totals.whole_input_layer) == ("layer4.0.conv1", "layer4.0.conv2")


def test_vgg16_zooms_out_at_fc6_not_at_the_flatten():
    report = analyze(load(SPECS / "vgg16.yaml"))
    assert report.totals.whole_input_layer == "classifier.0"      # the paper's fc6, torchvision's name
    assert report["flatten"].receptive_field == (None,)       # positions merged with channels


# -- invariants ---------------------------------------------------------------------------

windows = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3))


@settings(max_examples=40, deadline=None)
@given(st.lists(windows, min_size=1, max_size=5))
def test_a_chain_of_windows_follows_the_textbook_recurrence_and_the_reference(chain):
    layers, r, j, start = [], 1, 1, 0
    for k, s, p, d in chain:
        p = min(p, (k - 1) * d)
        layers.append({"type": "conv1d", "filters": 1, "kernel": k, "stride": s, "padding": p, "dilation": d})
        r, j, start = r + (k - 1) * d * j, j * s, start - p * j
    spec = {"name": "chain", "input": [4 * r + 8, 1], "layers": layers}
    last = analyze(load(spec)).layers[-1]
    assert (last.receptive_field, last.effective_stride, last.field_offset) == ((r,), (j,), (start,))
    assert verify_fields(load(spec)).agrees
