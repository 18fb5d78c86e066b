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
