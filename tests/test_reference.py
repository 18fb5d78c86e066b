"""The reference pass: hand-computed values, slow definitions, coverage, and verify's verdicts."""

import math
from array import array

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.cli import cli
from archcalc.layers import RULES
from archcalc.reference.kernels import KERNELS
from archcalc.reference.tensor import Tensor
from archcalc.reference.unweighted import pool2d
from archcalc.reference.weighted import conv2d

from helpers import SPECS


class FixedWeights:
    """Hands a kernel the weights a test chose, in the order the kernel draws them."""

    def __init__(self, *arrays):
        self.arrays = list(arrays)
        self.learned_count = self.buffer_count = 0

    def learned(self, n):
        values = self.arrays.pop(0)
        assert len(values) == n
        self.learned_count += n
        return array("d", values)   # as Weights.learned does


class RandomWeights(FixedWeights):
    def __init__(self, rng):
        self.rng = rng
        self.learned_count = self.buffer_count = 0
        self.drawn = []

    def learned(self, n):
        values = [self.rng.uniform(-1, 1) for _ in range(n)]
        self.drawn.append(values)
        return array("d", values)


def test_every_rule_has_a_kernel():
    assert set(RULES) - set(KERNELS) == set()


def test_edge_filter_on_a_4x4_image():
    # a vertical edge: left half 0, right half 1; the Sobel-like filter [-1 0 1] on every row
    image = Tensor((4, 4, 1), [0, 0, 1, 1] * 4)
    sobel = [-1, 0, 1, -2, 0, 2, -1, 0, 1]
    out, macs = conv2d(image, 1, (3, 3), (1, 1), (0, 0), (1, 1), 1, False, FixedWeights(sobel))
    # each 3×3 window sees columns (0,0,1) or (0,1,1): responses 1+2+1 = 4 and 4
    assert out.shape == (2, 2, 1) and out.data == [4, 4, 4, 4]
    assert macs == 2 * 2 * 9


def test_max_pool_of_a_known_grid():
    grid = Tensor((4, 4, 1), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    assert pool2d(grid, (2, 2), (2, 2), (0, 0), False, "max").data == [6, 8, 14, 16]
    assert pool2d(grid, (2, 2), (2, 2), (0, 0), False, "avg").data == [3.5, 5.5, 11.5, 13.5]
    # ceil_mode on 4 with k=3, s=2: windows start at 0 and 2 (the second is cut at the edge)
    assert pool2d(grid, (3, 3), (2, 2), (0, 0), True, "max").data == [11, 12, 15, 16]


def slow_conv(x, c_out, k, s, p, d, groups, weights):
    """Convolution written from its definition: sum over taps of input (0 outside) × weight."""
    (h, w, c), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = x.shape, k, s, p, d
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cg, og = c // groups, c_out // groups

    def at(y, xx, ch):
        return x.data[(y * w + xx) * c + ch] if 0 <= y < h and 0 <= xx < w else 0.0
    out = []
    for oy in range(ho):
        for ox in range(wo):
            for o in range(c_out):
                g = o // og
                out.append(sum(at(oy * sh - ph + i * dh, ox * sw - pw + j * dw, g * cg + ci)
                               * weights[o][(i * kw + j) * cg + ci]
                               for i in range(kh) for j in range(kw) for ci in range(cg)))
    return (ho, wo, c_out), out


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 7), st.integers(3, 7), st.sampled_from([1, 2, 4]), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 2), st.integers(0, 1), st.integers(1, 2), st.sampled_from([1, 2]), st.randoms())
def test_conv_matches_its_definition(h, w, groups, kh, kw, stride, pad, dil, per_group, rng):
    c, c_out = groups * 2, groups * per_group
    if h + 2 * pad < dil * (kh - 1) + 1 or w + 2 * pad < dil * (kw - 1) + 1:
        return
    x = Tensor((h, w, c), [rng.uniform(-1, 1) for _ in range(h * w * c)])
    weights = RandomWeights(rng)
    out, macs = conv2d(x, c_out, (kh, kw), (stride, stride), (pad, pad), (dil, dil), groups, False, weights)
    per_filter = kh * kw * 2
    rows = [weights.drawn[0][o * per_filter:(o + 1) * per_filter] for o in range(c_out)]
    shape, expected = slow_conv(x, c_out, (kh, kw), (stride,) * 2, (pad,) * 2, (dil,) * 2, groups, rows)
    assert out.shape == shape
    assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(out.data, expected))
    assert macs == shape[0] * shape[1] * c_out * kh * kw * 2


def run_cli(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("spec", ["seed/ann_4x4.yaml", "seed/cnn_4x4.yaml", "seed/all_layers.yaml"])
def test_verify_agrees_on_shipped_specs(spec):
    result = run_cli("verify", str(SPECS / spec))
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output


@pytest.mark.parametrize("spec, args", [
    ("seed/all_layers_v2.yaml", []),
    ("mobilenet_v3_large.yaml", ["--input", "32,32,3"]),
    ("resnext50_32x4d.yaml", ["--input", "32,32,3"]),
    ("regnet_y_400mf.yaml", ["--input", "32,32,3"]),
    ("convnext_tiny.yaml", ["--input", "32,32,3"]),
    ("shufflenet_v2_x1_0.yaml", ["--set", "size=32"]),
    ("swin_t.yaml", ["--input", "32,32,3", "--set", "window=2"]),
    ("r3d_18.yaml", ["--input", "2,16,16,3"]),
    ("unet.yaml", ["--input", "16,16,1"]),
    # dcgan_generator: 105 M MACs at its only size; its transposed convolutions are verified
    # in seed/all_layers_v2, its totals derived by hand in test_zoo.py
])
def test_verify_agrees_on_the_v2_zoo_at_small_inputs(spec, args):
    result = run_cli("verify", str(SPECS / spec), *args)
    assert result.exit_code == 0 and "✗" not in result.output, result.output[-500:]


def test_verify_resnet50_at_small_input():
    result = run_cli("verify", str(SPECS / "resnet50.yaml"), "--input", "32,32,3")
    assert result.exit_code == 0 and "174 of 174 layers agree" in result.output


def test_verify_catches_a_broken_rule(monkeypatch):
    rule = RULES["conv2d"]
    monkeypatch.setitem(RULES, "conv2d", rule._replace(macs=lambda call: rule.macs(call) + 1))
    result = run_cli("verify", str(SPECS / "seed/cnn_4x4.yaml"))
    assert result.exit_code == 1 and "✗ conv2d_1" in result.output


def test_verify_catches_a_broken_shape(monkeypatch):
    rule = RULES["maxpool2d"]
    monkeypatch.setitem(RULES, "maxpool2d", rule._replace(output_shape=lambda call: rule.output_shape(call)[:2] + (1,)))
    spec = "input: [4, 4, 2]\nlayers:\n  - {type: maxpool2d, kernel: 2}\n"
    result = CliRunner().invoke(cli, ["verify", "-"], input=spec)
    assert result.exit_code == 1


def test_verify_refuses_a_huge_pass():
    result = run_cli("verify", str(SPECS / "resnet50.yaml"))
    assert result.exit_code == 2 and "--max-macs" in result.stderr and "4.09 G" in result.stderr


def test_verify_checks_batch():
    result = run_cli("verify", str(SPECS / "seed/cnn_4x4.yaml"), "--batch", "3")
    assert result.exit_code == 0 and "264" in result.output   # 3 × 88 MACs


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 7), st.integers(2, 7), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 1), st.booleans(), st.sampled_from(["max", "avg"]), st.randoms())
def test_pooling_matches_its_definition(h, w, c, k, s, pad, ceil_mode, mode, rng):
    if 2 * pad > k or h + 2 * pad < k or w + 2 * pad < k:
        return
    x = Tensor((h, w, c), [rng.uniform(-1, 1) for _ in range(h * w * c)])
    out = pool2d(x, (k, k), (s, s), (pad, pad), ceil_mode, mode)

    def size(n):   # PyTorch's documented formula, with its ceil_mode correction
        room = n + 2 * pad - k
        o = (-(-room // s) if ceil_mode else room // s) + 1
        return o - 1 if ceil_mode and (o - 1) * s >= n + pad else o
    ho, wo = size(h), size(w)
    assert out.shape == (ho, wo, c)
    for oy in range(ho):
        for ox in range(wo):
            ys = range(max(oy * s - pad, 0), min(oy * s - pad + k, h))
            xs = range(max(ox * s - pad, 0), min(ox * s - pad + k, w))
            # divisor: the window clipped to the padded input (count_include_pad)
            inside = (min(oy * s - pad + k, h + pad) - (oy * s - pad)) * (min(ox * s - pad + k, w + pad) - (ox * s - pad))
            for ch in range(c):
                values = [x.data[(y * w + xx) * c + ch] for y in ys for xx in xs]
                want = max(values) if mode == "max" else sum(values) / inside
                assert math.isclose(out.data[(oy * wo + ox) * c + ch], want, abs_tol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), st.booleans(), st.randoms())
def test_dense_matches_its_definition(rows, n_in, units, bias, rng):
    x = Tensor((rows, n_in), [rng.uniform(-1, 1) for _ in range(rows * n_in)])
    weights = RandomWeights(rng)
    out, macs = KERNELS["dense"]({"units": units, "bias": bias}, [x], weights)
    w_rows = [weights.drawn[0][u * n_in:(u + 1) * n_in] for u in range(units)]
    b = weights.drawn[1] if bias else [0.0] * units
    for r in range(rows):
        for u in range(units):
            want = sum(x.data[r * n_in + i] * w_rows[u][i] for i in range(n_in)) + b[u]
            assert math.isclose(out.data[r * units + u], want, abs_tol=1e-9)
    assert macs == rows * n_in * units


def test_softmax_and_batchnorm_by_hand():
    probs, _ = KERNELS["softmax"]({}, [Tensor((2,), [0.0, math.log(3)])], None)
    assert [round(p, 12) for p in probs.data] == [0.25, 0.75]
    norm = FixedWeights([2.0], [1.0])          # gamma 2, beta 1
    buffers = iter([[0.5], [4.0]])                                   # running mean 0.5, variance 4
    norm.buffer = lambda n, *bounds: next(buffers)
    out, _ = KERNELS["batchnorm"]({"eps": 0.0}, [Tensor((1,), [2.5])], norm)
    assert out.data == [2.0 * (2.5 - 0.5) / 2.0 + 1.0]


def test_run_returns_values_and_records():
    from archcalc import load
    from archcalc.reference import run
    graph = load(str(SPECS / "seed/cnn_4x4.yaml"))
    result = run(graph, seed=3)
    assert [r.name for r in result.layers] == ["conv2d_1", "conv2d_1_relu", "flatten_1", "dense_1"]
    assert result.outputs[0].shape == (2,)
    assert run(graph, seed=3).outputs[0].data == result.outputs[0].data
    assert run(graph, seed=4).outputs[0].data != result.outputs[0].data
