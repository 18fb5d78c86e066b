"""torchvision's classification models through the PyTorch door, against PyTorch's own figures
computed here (torch_oracle.py): params as `sum(p.numel())` over unique Parameters, buffers,
and MACs as FlopCounterMode's matrix-product and convolution FLOPs / 2.

A model takes 2 to 60 s on the shared 2-core machine (torch.export dominates; twelve took
3 min 50 s together), so the suite runs one model of most families (about 2 min);
`benchmarks/bench_torch_models.py` runs every one of them and benchmarks/README.md records
the result.
"""

import importlib.util

import pytest

from torch_oracle import archcalc_figures, build_meta, input_size, torch_figures

# torch is imported inside the tests only (see test_torch_door.py).
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                       reason="the PyTorch door's tests need torch (pip install 'archcalc[torch]')"),
    pytest.mark.skipif(importlib.util.find_spec("torchvision") is None,
                       reason="the torchvision models need torchvision"),
]

# One of most families: plain convolutions, residual blocks, depthwise convolutions with
# squeeze-excitation (as EfficientNet and MnasNet), channel shuffles, fire modules, dense
# concatenations, a shifted-window transformer (masks, relative position bias), a vision transformer (nn.MultiheadAttention, sequence-first inside), inception
# branches (with an auxiliary head the forward never runs in eval), RegNet (built late, its
# factory computes with tensors) and ConvNeXt (permutes, layer norm and layer scale).
FAMILIES = ["alexnet", "resnet18", "mobilenet_v3_small", "shufflenet_v2_x0_5", "squeezenet1_1", "regnet_x_400mf", "vit_b_32",
            "googlenet", "convnext_tiny", "densenet121", "swin_t"]


@pytest.mark.parametrize("name", FAMILIES)
def test_figures_equal_pytorchs(name):
    model = build_meta(name)
    shape = (1, 3, input_size(name), input_size(name))
    assert archcalc_figures(model, shape) == torch_figures(model, shape)


def test_the_published_resnet50_figures():
    # torchvision's weights meta for ResNet50_Weights.IMAGENET1K_V1: 25,557,032 params, 4.09 GFLOPS
    # (their GFLOPS are MACs, fvcore's convention).
    import archcalc
    report = archcalc.analyze("torchvision.models:resnet50", input="1,3,224,224")
    assert report.totals.params == 25_557_032
    assert round(report.totals.macs / 1e9, 2) == 4.09
