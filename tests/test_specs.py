"""Shipped specs against published or hand-derived figures."""

import archcalc

from helpers import SPECS


def test_ann_4x4_has_154_params():
    # hand count: 16·8 + 8 = 136, 8·2 + 2 = 18
    assert archcalc.analyze(SPECS / "seed/ann_4x4.yaml").totals.params == 154


def test_cnn_4x4_has_38_params_and_88_macs():
    r = archcalc.analyze(SPECS / "seed/cnn_4x4.yaml")
    # conv: 2·9 + 2 = 20, dense: 8·2 + 2 = 18; MACs: 2×2 positions × 2 filters × 9 = 72, plus 8·2 = 16
    assert (r.totals.params, r.totals.macs) == (38, 88)
    assert [layer.macs for layer in r.layers if layer.macs] == [72, 16]


def test_resnet50_matches_torchvision():
    r = archcalc.analyze(SPECS / "resnet50.yaml")
    # torchvision's published parameter count for resnet50 (IMAGENET1K_V1 weights' meta)
    assert r.totals.params == 25_557_032
    # torchvision publishes 4.09 GFLOPS (its "GFLOPS" are multiply-accumulates, fvcore's convention);
    # 4,089,184,256 is fvcore's exact count for the model at 224×224
    assert r.totals.macs == 4_089_184_256
    # running mean + variance of every batchnorm: 2 × 26,560 channels
    assert r.totals.buffers == 53_120
    assert r.layers[0].name == "conv1" and r.layers[-1].name == "fc"


def test_resnet50_names_are_scoped():
    names = {layer.name for layer in archcalc.analyze(SPECS / "resnet50.yaml").layers}
    # torchvision's module paths (tests/test_zoo_names.py holds every zoo model to them)
    assert {"layer1.0.conv1", "layer1.1.conv1", "layer1.2.conv3", "layer4.0.downsample.0"} <= names
