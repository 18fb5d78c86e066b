"""Every layer type: output shape, params and MACs against hand derivations."""

import pytest

from archcalc.layers import RULES

from helpers import only_layer

# (input, layer, output shape, params, MACs) — each derived by hand in the comment.
CASES = [
    # dense: 16·8 weights + 8 biases; 16·8 MACs
    ([16], {"type": "dense", "units": 8}, (8,), 136, 128),
    ([16], {"type": "linear", "units": 8, "bias": False}, (8,), 128, 128),
    # dense on [T, C] acts per step: 5 steps × 4·3 MACs; params 4·3 + 3
    ([5, 4], {"type": "dense", "units": 3}, (5, 3), 15, 60),
    # the posts' first layer: 150,528 inputs × 100 units + 100 biases = 15,052,900
    ([150528], {"type": "dense", "units": 100}, (100,), 15052900, 15052800),
    # conv2d 3×3, 64 filters on 224×224×3, padding 1: 3·3·3·64 + 64 = 1,792 params;
    # 224·224 positions × 64 × 27 = 86,704,128 MACs
    ([224, 224, 3], {"type": "conv2d", "filters": 64, "kernel": 3, "padding": 1}, (224, 224, 64), 1792, 86704128),
    # no padding, stride 1: 4-3+1 = 2 per axis; 2·2·2·9 = 72 MACs; 2·9 + 2 = 20 params
    ([4, 4, 1], {"type": "conv2d", "filters": 2, "kernel": 3}, (2, 2, 2), 20, 72),
    # stride 2 on an odd size: floor((7 + 2 - 3) / 2) + 1 = 4
    ([7, 7, 1], {"type": "conv2d", "filters": 1, "kernel": 3, "stride": 2, "padding": 1, "bias": False},
     (4, 4, 1), 9, 4 * 4 * 9),
    # same, stride 2 on 7: ceil(7/2) = 4; even kernel 2 with same, stride 1: 5 stays 5
    ([7, 7, 2], {"type": "conv2d", "filters": 3, "kernel": 3, "stride": 2, "padding": "same"},
     (4, 4, 3), 3 * 3 * 2 * 3 + 3, 4 * 4 * 3 * 18),
    ([5, 5, 1], {"type": "conv2d", "filters": 1, "kernel": 2, "padding": "same", "bias": False}, (5, 5, 1), 4, 100),
    # valid = no padding; per-axis kernel [1, 3]: out 5 × 3
    ([5, 5, 2], {"type": "conv2d", "filters": 4, "kernel": [1, 3], "padding": "valid"},
     (5, 3, 4), 1 * 3 * 2 * 4 + 4, 5 * 3 * 4 * 6),
    # dilation 2, kernel 3: extent 5; 9 - 5 + 1 = 5
    ([9, 9, 1], {"type": "conv2d", "filters": 1, "kernel": 3, "dilation": 2, "bias": False}, (5, 5, 1), 9, 225),
    # groups 2: each filter sees 4 / 2 = 2 channels: 3·3·2·6 + 6 = 114 params; 6·6·6 positions·18
    ([8, 8, 4], {"type": "conv2d", "filters": 6, "kernel": 3, "groups": 2}, (6, 6, 6), 114, 6 * 6 * 6 * 18),
    # depthwise, multiplier 2 on 3 channels: 6 outputs, each 3·3 weights: 54 + 6 bias
    ([6, 6, 3], {"type": "depthwise_conv2d", "kernel": 3, "multiplier": 2, "padding": 1}, (6, 6, 6), 60, 6 * 6 * 6 * 9),
    # conv1d on [T, C] = [10, 4]: kernel 3 → 8 steps; 3·4·5 + 5 params; 8·5·12 MACs
    ([10, 4], {"type": "conv1d", "filters": 5, "kernel": 3}, (8, 5), 65, 480),
    # pooling: 2×2 stride 2 on 5: floor(3/2)+1 = 2; ceil_mode: ceil(3/2)+1 = 3
    ([5, 5, 3], {"type": "maxpool2d", "kernel": 2}, (2, 2, 3), 0, 0),
    ([5, 5, 3], {"type": "maxpool2d", "kernel": 2, "ceil_mode": True}, (3, 3, 3), 0, 0),
    # ceil_mode drops a last window that would start in the right padding (PyTorch):
    # L=6, k=2, s=2, p=1: ceil((6+2-2)/2)+1 = 4, but (4-1)·2 = 6 >= 6+1? no -> 4
    ([6, 6, 1], {"type": "avgpool2d", "kernel": 2, "stride": 2, "padding": 1, "ceil_mode": True}, (4, 4, 1), 0, 0),
    # L=5, k=3, s=2, p=1: ceil((5+2-3)/2)+1 = 3; (3-1)·2 = 4 < 6 keeps 3
    ([5, 5, 1], {"type": "maxpool2d", "kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True}, (3, 3, 1), 0, 0),
    # ResNet's stem pool: 112 → floor((112 + 2 - 3)/2) + 1 = 56
    ([112, 112, 64], {"type": "maxpool2d", "kernel": 3, "stride": 2, "padding": 1}, (56, 56, 64), 0, 0),
    ([9, 4], {"type": "avgpool1d", "kernel": 3}, (3, 4), 0, 0),
    ([9, 4], {"type": "maxpool1d", "kernel": 2, "stride": 1}, (8, 4), 0, 0),
    ([7, 7, 32], "global_avgpool", (32,), 0, 0),
    ([10, 8], "global_maxpool", (8,), 0, 0),
    ([13, 13, 256], {"type": "adaptive_avgpool2d", "output": [6, 6]}, (6, 6, 256), 0, 0),
    ([7, 7, 3], {"type": "adaptive_avgpool2d", "output": 1}, (1, 1, 3), 0, 0),
    ([4, 4, 3], "flatten", (48,), 0, 0),
    ([4, 4, 3], {"type": "reshape", "shape": [16, -1]}, (16, 3), 0, 0),
    ([4, 4, 3], {"type": "upsample2d", "scale": 2}, (8, 8, 3), 0, 0),
    ([4, 4, 3], {"type": "upsample2d", "scale": [1, 3]}, (4, 12, 3), 0, 0),
    # batchnorm: 2·C learned; layernorm: 2·last axis
    ([8, 8, 16], "batchnorm", (8, 8, 16), 32, 0),
    ([10, 32], "layernorm", (10, 32), 64, 0),
    ([10, 32], {"type": "dropout", "rate": 0.1}, (10, 32), 0, 0),
    # embedding: vocab · dim
    ([12], {"type": "embedding", "vocab": 1000, "dim": 64}, (12, 64), 64000, 0),
    # lstm: 4·(u·(in + u) + 2u) = 4·(8·(4+8) + 16) = 448; MACs 5 steps · 4 · 8 · 12 = 1920
    ([5, 4], {"type": "lstm", "units": 8}, (5, 8), 448, 1920),
    ([5, 4], {"type": "lstm", "units": 8, "return_sequences": False}, (8,), 448, 1920),
    # gru: 3·(8·12 + 16) = 336; MACs 5·3·8·12 = 1440
    ([5, 4], {"type": "gru", "units": 8}, (5, 8), 336, 1440),
    # rnn without bias: 8·12 = 96; MACs 5·8·12 = 480
    ([5, 4], {"type": "rnn", "units": 8, "bias": False}, (5, 8), 96, 480),
    # attention, T=10, C=dim=16: 4·(16·16 + 16) = 1088 params; 4·10·16·16 + 2·10·10·16 = 13,440 MACs
    ([10, 16], {"type": "attention", "heads": 4, "dim": 16}, (10, 16), 1088, 13440),
    # attention from C=8 to dim 16 without bias: 3·8·16 + 16·16 = 640; 3·10·8·16 + 10·16·16 + 2·100·16
    ([10, 8], {"type": "attention", "heads": 2, "dim": 16, "bias": False}, (10, 16), 640, 3840 + 2560 + 3200),
    # latent attention, T=4, C=8, 2 heads, no query latent, Rkv=4, N=2, P=2, V=3: Q 8·2·4 = 64, latent and
    # key 8·6 = 48, its norm 4, up-projection 4·2·5 = 40, output 2·3·8 = 48: 204 params; MACs 4·200 + 4·4·2·7
    ([4, 8], {"type": "latent_attention", "heads": 2, "kv_rank": 4, "nope_dim": 2, "rope_dim": 2, "v_dim": 3},
     (4, 8), 204, 800 + 224),
    # locally connected on the posts' 10×10 image, one 3×3 filter: 8·8 positions each with 9 weights + 1 bias
    ([10, 10, 1], {"type": "locally_connected2d", "filters": 1, "kernel": 3}, (8, 8, 1), 64 * 10, 64 * 9),
    # tokens: a class token adds one learned [C] row; a position table is [T, C]; take picks one token
    ([196, 768], "class_token", (197, 768), 768, 0),
    ([197, 768], "position_embedding", (197, 768), 197 * 768, 0),
    ([197, 768], {"type": "take", "index": 0}, (768,), 0, 0),
    # -- spec language v2 --
    # conv3d 3×3×3, 8 filters on [16, 112, 112, 3] (r3d_18's stem shape), padding 1:
    # 27·3·8 + 8 = 656 params; 16·112·112 positions × 8 × 81 = 130,056,192 MACs
    ([16, 112, 112, 3], {"type": "conv3d", "filters": 8, "kernel": 3, "padding": 1}, (16, 112, 112, 8),
     656, 16 * 112 * 112 * 8 * 81),
    # conv3d with per-axis stride [1, 2, 2], kernel [3, 7, 7], no bias: (8 - 3 + 1) = 6 deep,
    # floor((32 - 7)/2) + 1 = 13 square; 3·7·7·2·4 = 1,176 weights; 6·13·13·4 · 294 MACs
    ([8, 32, 32, 2], {"type": "conv3d", "filters": 4, "kernel": [3, 7, 7], "stride": [1, 2, 2], "bias": False},
     (6, 13, 13, 4), 1176, 6 * 13 * 13 * 4 * 294),
    # conv_transpose2d k4 s2 p1 (DCGAN): (4-1)·2 - 2 + 4 = 8; 4·4·16·8 + 8 = 2,056 params;
    # MACs: every input element meets every weight of a filter: 4·4·16 · 16·8 = 32,768
    ([4, 4, 16], {"type": "conv_transpose2d", "filters": 8, "kernel": 4, "stride": 2, "padding": 1},
     (8, 8, 8), 2056, 32768),
    # U-Net's up-convolution k2 s2: 2·n; output_padding 1 with stride 2 adds one: (5-1)·2 + 3 + 1 = 12
    ([5, 5, 4], {"type": "conv_transpose2d", "filters": 2, "kernel": 3, "stride": 2, "output_padding": 1,
                 "bias": False}, (12, 12, 2), 72, 25 * 4 * 9 * 2),
    # conv_transpose1d: (10-1)·1 + 3 = 12 steps; groups 2 on 4 channels: 3·2·6 = 36 + 6 bias; MACs 10·4·3·6/2
    ([10, 4], {"type": "conv_transpose1d", "filters": 6, "kernel": 3, "groups": 2}, (12, 6), 42, 360),
    # conv_transpose3d k2 s2 on [2, 2, 2, 3]: [4, 4, 4, 5]; 8·3·5 + 5 = 125; MACs 8·3 · 8·5 = 960
    ([2, 2, 2, 3], {"type": "conv_transpose3d", "filters": 5, "kernel": 2, "stride": 2}, (4, 4, 4, 5), 125, 960),
    # 3-D pooling: 2×2×2 windows, stride 2: [8, 8, 8] → 4; avg with padding 1, stride 1, kernel 3: same size
    ([8, 8, 8, 4], {"type": "maxpool3d", "kernel": 2}, (4, 4, 4, 4), 0, 0),
    ([8, 8, 8, 4], {"type": "avgpool3d", "kernel": 3, "stride": 1, "padding": 1}, (8, 8, 8, 4), 0, 0),
    # global pooling over a volume: [D, H, W, C] → [C]
    ([4, 7, 7, 512], "global_avgpool", (512,), 0, 0),
    # groupnorm 32 groups on 64 channels: 2·64 learned; instancenorm: no params by default
    ([8, 8, 64], {"type": "groupnorm", "groups": 32}, (8, 8, 64), 128, 0),
    ([8, 8, 64], "instancenorm", (8, 8, 64), 0, 0),
    ([8, 8, 64], {"type": "instancenorm", "affine": True}, (8, 8, 64), 128, 0),
    # rmsnorm: a scale per channel; layernorm without bias likewise
    ([10, 4096], "rmsnorm", (10, 4096), 4096, 0),
    ([10, 768], {"type": "layernorm", "bias": False}, (10, 768), 768, 0),
    # OLMo's norm learns nothing: scale and shift both off
    ([10, 768], {"type": "layernorm", "bias": False, "scale": False}, (10, 768), 0, 0),
    # layer_scale: one factor per channel (ConvNeXt's gamma), + a shift with bias
    ([7, 7, 96], "layer_scale", (7, 7, 96), 96, 0),
    ([7, 7, 96], {"type": "scale", "bias": True}, (7, 7, 96), 192, 0),
    # batchnorm with Keras's scale=False drops gamma (C), center=False drops beta (C)
    ([8, 8, 16], {"type": "batchnorm", "scale": False}, (8, 8, 16), 16, 0),
    ([8, 8, 16], {"type": "batchnorm", "scale": False, "center": False}, (8, 8, 16), 0, 0),
    # rescale (Keras's Rescaling): fixed numbers, nothing learned
    ([4, 4, 3], {"type": "rescale", "scale": 0.5, "offset": -1}, (4, 4, 3), 0, 0),
    # normalize: nothing learned (its mean and variance are buffers)
    ([4, 4, 3], "normalize", (4, 4, 3), 0, 0),
    # prelu: PyTorch's single slope, or one per channel
    ([4, 4, 16], "prelu", (4, 4, 16), 1, 0),
    ([4, 4, 16], {"type": "prelu", "per_channel": True}, (4, 4, 16), 16, 0),
    ([3, 5], "identity", (3, 5), 0, 0),
    # pad: an int pads every axis but the channels: 4 + 2·2 = 8; a list per axis, pairs allowed
    ([4, 4, 3], {"type": "pad", "padding": 2}, (8, 8, 3), 0, 0),
    ([4, 4, 3], {"type": "pad", "padding": [[1, 0], 2, 0]}, (5, 8, 3), 0, 0),
    # slice: channels 0:6:2 → 3; two axes at once with negative indices: 1:-1 of 6 → 4, ::3 of 9 → 3
    ([4, 4, 6], {"type": "slice", "stop": 6, "step": 2}, (4, 4, 3), 0, 0),
    ([6, 9, 2], {"type": "slice", "axis": [0, 1], "start": [1, 0], "stop": [-1, 9], "step": [1, 3]},
     (4, 3, 2), 0, 0),
    ([2, 3, 5], {"type": "permute", "axes": [2, 0, 1]}, (5, 2, 3), 0, 0),
    ([7, 7, 8], {"type": "roll", "shift": [3, 3], "axis": [0, 1]}, (7, 7, 8), 0, 0),
    # pixel shuffle r = 2: [H·2, W·2, C/4]; unshuffle back
    ([4, 4, 16], {"type": "pixel_shuffle", "factor": 2}, (8, 8, 4), 0, 0),
    ([8, 8, 4], {"type": "pixel_unshuffle", "factor": 2}, (4, 4, 16), 0, 0),
    ([4, 6, 3], {"type": "upsample2d", "size": [9, 5], "mode": "bilinear"}, (9, 5, 3), 0, 0),
    # subtract: two inputs of one shape (the second here is the model input itself)
    ([3, 4], {"type": "subtract", "inputs": ["input", "input"]}, (3, 4), 0, 0),
    # matmul of the input with itself, [2, 4, 4] × [2, 4, 4]: 2 · 4·4·4 MACs
    ([2, 4, 4], {"type": "matmul", "inputs": ["input", "input"]}, (2, 4, 4), 0, 2 * 4 * 4 * 4),
    # a learned position table longer than the sequence: 1,024 rows × 768 (GPT-2's wpe at T = 8)
    ([8, 768], {"type": "position_embedding", "max_positions": 1024}, (8, 768), 1024 * 768, 0),
    # Keras LSTM(64) on 128 features, one bias vector per gate: 4·(64·(128 + 64) + 64) = 49,408
    ([10, 128], {"type": "lstm", "units": 64, "bias": "single"}, (10, 64), 49408, 10 * 4 * 64 * 192),
    # bidirectional 2-layer GRU (PyTorch), units 8 on C = 4: layer 1 2·3·(8·12 + 16) = 672,
    # layer 2 reads 16: 2·3·(8·24 + 16) = 1,248; MACs 5 steps · 2 · 3 · 8 · (12 + 24) = 8,640
    ([5, 4], {"type": "gru", "units": 8, "bidirectional": True, "layers": 2}, (5, 16), 1920, 8640),
    # learned_bias: Swin's 169×3 table added (gathered and broadcast) to [3, 49, 49] scores: 507 params
    ([3, 49, 49], {"type": "learned_bias", "shape": [169, 3]}, (3, 49, 49), 507, 0),
    # reduce over axes 0 and 1 of [3, 4, 5]: [5] (or [1, 1, 5] keeping them); no MACs
    ([3, 4, 5], {"type": "reduce", "op": "mean", "axis": [0, 1]}, (5,), 0, 0),
    ([3, 4, 5], {"type": "reduce", "op": "max", "axis": -1, "keepdims": True}, (3, 4, 1), 0, 0),
    # element-wise with a constant (ONNX's Div by √d): same shape, no params, no MACs
    ([3, 4], {"type": "elementwise", "op": "divide", "value": 8.0}, (3, 4), 0, 0),
    ([5, 4], {"type": "rnn", "units": 8, "bidirectional": True, "return_sequences": False}, (16,),
     2 * (8 * 12 + 16), 2 * 5 * 8 * 12),
]

ACTIVATIONS = ["relu", "relu6", "leaky_relu", "sigmoid", "tanh", "gelu", "silu", "hardswish",
               "hardsigmoid", "softmax", "log_softmax", "elu", "selu", "celu", "mish", "softplus"]


@pytest.mark.parametrize("input_shape, layer, shape, params, macs", CASES)
def test_layer(input_shape, layer, shape, params, macs):
    row = only_layer(input_shape, layer)
    assert (row.output_shape, row.params, row.macs) == (shape, params, macs)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_keeps_shape_and_has_no_weights(name):
    row = only_layer([3, 5, 7], name)
    assert (row.output_shape, row.params, row.macs, row.flops) == ((3, 5, 7), 0, 0, 3 * 5 * 7)


def test_every_registered_type_has_a_case():
    covered = {(c[1] if isinstance(c[1], str) else c[1]["type"]) for c in CASES} | set(ACTIVATIONS)
    covered |= {"add", "multiply", "concat"}  # test_merge.py
    assert set(RULES) - covered == set()


def test_batchnorm_buffers():
    assert only_layer([4, 4, 16], "batchnorm").buffers == 32
    # the running statistics stay whatever Keras's scale and center say
    assert only_layer([4, 4, 16], {"type": "batchnorm", "scale": False, "center": False}).buffers == 32


@pytest.mark.parametrize("layer, buffers", [
    # mean and variance of the 3 channels, and Keras's scalar count: 2·3 + 1
    ({"type": "normalize", "count": True}, 7),
    # kept axes [1, 2] of [4, 5, 3]: 5·3 positions, a mean and a variance each
    ({"type": "normalize", "axis": [1, 2]}, 30),
    # axis []: one mean and one variance for the whole sample
    ({"type": "normalize", "axis": []}, 2),
    # given as constants of the graph (Keras's mean= and variance=): nothing stored
    ({"type": "normalize", "stored": False}, 0),
])
def test_normalize_buffers(layer, buffers):
    row = only_layer([4, 5, 3], layer)
    # one FLOP per element, as every normalisation: 4·5·3
    assert (row.params, row.buffers, row.flops) == (0, buffers, 60)


def test_rescale_flops():
    # the product per element, and the sum when the offset is not zero: 4·4·3 = 48
    assert only_layer([4, 4, 3], {"type": "rescale", "scale": 0.5}).flops == 48
    assert only_layer([4, 4, 3], {"type": "rescale", "scale": 0.5, "offset": -1}).flops == 96


def test_flops_add_bias_per_output_element():
    # 2 FLOPs per MAC + one per output for the bias: 2·128 + 8
    assert only_layer([16], {"type": "dense", "units": 8}).flops == 264
    assert only_layer([16], {"type": "dense", "units": 8, "bias": False}).flops == 256


def test_pool_flops_count_window_elements():
    # 2×2 outputs × 3 channels, each a 2×2 window
    assert only_layer([4, 4, 3], {"type": "maxpool2d", "kernel": 2}).flops == 2 * 2 * 3 * 4
