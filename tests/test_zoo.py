"""The model zoo against published figures.

Parameter counts are torchvision's published integers (each model's weights
metadata, `num_params`) and LeNet-5's classic 61,706. MACs are compared with
torchvision's published "GFLOPS" (which count multiply-accumulates, fvcore's
convention) at their printed precision of two decimals.
"""

import pytest

import archcalc

from helpers import SPECS

ZOO = [
    ("lenet5", 61_706, None),
    ("alexnet", 61_100_840, 0.71),
    ("vgg16", 138_357_544, 15.47),
    ("resnet18", 11_689_512, 1.81),
    ("resnet50", 25_557_032, 4.09),
    ("mobilenet_v2", 3_504_872, 0.30),
    ("efficientnet_b0", 5_288_548, 0.39),
    ("densenet121", 7_978_856, 2.83),
    ("vit_b_16", 86_567_656, 17.56),
    ("mobilenet_v3_large", 5_483_032, 0.22),
    ("resnext50_32x4d", 25_028_904, 4.23),
    ("regnet_y_400mf", 4_344_144, 0.40),
    ("convnext_tiny", 28_589_128, 4.46),
    ("shufflenet_v2_x1_0", 2_278_604, 0.14),
    ("swin_t", 28_288_354, 4.49),
    ("r3d_18", 33_371_472, 40.70),       # at its 16×112×112 clips
]


@pytest.mark.parametrize("name, params, gmacs", ZOO)
def test_zoo_model(name, params, gmacs):
    report = archcalc.analyze(SPECS / f"{name}.yaml")
    assert report.totals.params == params
    if gmacs is not None:
        assert round(report.totals.macs / 1e9, 2) == gmacs


def test_lenet5_macs_by_hand():
    # c1: 28·28·6·25 = 117,600; c3: 10·10·16·150 = 240,000; dense: 400·120 + 120·84 + 84·10 = 58,920
    assert archcalc.analyze(SPECS / "lenet5.yaml").totals.macs == 117_600 + 240_000 + 58_920


def test_vit_macs_by_hand():
    # patches: 196·768·(16·16·3); per block: attention 4·197·768² + 2·197²·768, MLP 2·197·768·3072; head 768·1000
    per_block = 4 * 197 * 768**2 + 2 * 197**2 * 768 + 2 * 197 * 768 * 3072
    expected = 196 * 768 * 768 + 12 * per_block + 768 * 1000
    assert archcalc.analyze(SPECS / "vit_b_16.yaml").totals.macs == expected


def test_dcgan_generator_by_hand():
    # transposed convolutions, kernel 4, no bias: C_in·C_out·16 weights each; BN 2·C each.
    # MACs: every input element meets every weight of a filter: E(in)·16·C_out.
    convs = [(1, 100, 512), (4, 512, 256), (8, 256, 128), (16, 128, 64), (32, 64, 3)]   # (side in, C_in, C_out)
    params = sum(c_in * c_out * 16 for _, c_in, c_out in convs) + 2 * (512 + 256 + 128 + 64)
    macs = sum(side * side * c_in * 16 * c_out for side, c_in, c_out in convs)
    report = archcalc.analyze(SPECS / "dcgan_generator.yaml")
    assert (report.totals.params, report.totals.macs) == (params, macs) == (3_576_704, 104_628_224)
    assert report.layers[-1].output_shape == (64, 64, 3)


def test_unet_by_hand():
    def double_conv(c_in, f, side):      # two 3×3 convolutions without bias, two batchnorms
        return 9 * c_in * f + 9 * f * f + 4 * f, side * side * 9 * f * (c_in + f)

    def up(c_in, f, side_in):            # a 2×2 stride-2 transposed convolution with bias
        return 4 * c_in * f + f, side_in * side_in * c_in * 4 * f

    parts = [double_conv(1, 32, 128), double_conv(32, 64, 64), double_conv(64, 128, 32),
             double_conv(128, 256, 16), double_conv(256, 512, 8),
             up(512, 256, 8), double_conv(512, 256, 16), up(256, 128, 16), double_conv(256, 128, 32),
             up(128, 64, 32), double_conv(128, 64, 64), up(64, 32, 64), double_conv(64, 32, 128),
             (32 * 2 + 2, 128 * 128 * 2 * 32)]                                        # the 1×1 classifier
    report = archcalc.analyze(SPECS / "unet.yaml")
    assert report.totals.params == sum(p for p, _ in parts)
    assert report.totals.macs == sum(m for _, m in parts)
    assert report.layers[-1].output_shape == (128, 128, 2)
