"""Bad arguments and shapes of the v2 layer types: one exact message each."""

import pytest

from archcalc.errors import SpecError

from helpers import only_layer

CASES = [
    ([8, 8, 6], {"type": "conv2d", "filters": 4, "kernel": 3, "groups": 4}, "groups=4 does not divide the 6 input channels"),
    ([8, 8, 8], {"type": "conv3d", "filters": 4, "kernel": 3}, "expects a [D, H, W, C] input"),
    ([4, 4, 8], {"type": "conv_transpose2d", "filters": 4, "kernel": 3, "stride": 2, "output_padding": 2},
     "output_padding 2 must be smaller than the stride 2 or the dilation 1"),
    ([4, 4, 6], {"type": "conv_transpose2d", "filters": 4, "kernel": 3, "groups": 4},
     "groups=4 must divide the 6 input and 4 output channels"),
    ([8, 8, 6], {"type": "groupnorm", "groups": 4}, "groups=4 does not divide the 6 channels"),
    ([4, 4, 6], {"type": "slice", "start": 6}, "slice 6::1 of axis -1 (6 long) selects nothing"),
    ([4, 4, 6], {"type": "slice", "step": 0}, "step must not be 0"),
    ([4, 4, 6], {"type": "permute", "axes": [0, 0, 1]}, "axes [0, 0, 1] is not a permutation of the 3 axes 0..2"),
    # found by benchmarks/fuzz.py: a bare integer where a list of axes belongs
    ([4, 4, 6], {"type": "permute", "axes": 1}, "axes [1] is not a permutation of the 3 axes 0..2"),
    ([4, 4, 6], {"type": "pixel_shuffle", "factor": 2}, "6 channels are not divisible by factor² = 4"),
    ([5, 4, 6], {"type": "pixel_unshuffle", "factor": 2}, "height 5 and width 4 must be multiples of the factor 2"),
    ([4, 4, 6], {"type": "pad", "padding": [1, 1]}, "padding has 2 entries for 3 axes (one per axis)"),
    ([4, 4, 6], {"type": "pad", "padding": -1}, "expected padding amounts >= 0, got integer -1"),
    ([4, 4, 6], {"type": "roll", "shift": [1, 2], "axis": 0}, "shift and axis must have one entry each"),
    ([4, 4, 6], {"type": "upsample2d"}, "give either scale or size"),
    ([4, 4, 6], {"type": "upsample2d", "scale": 2, "mode": "cubic"}, "expected one of nearest, bilinear"),
    ([9, 8], {"type": "position_embedding", "max_positions": 8}, "9 positions are more than the table's max_positions 8"),
    ([5, 4], {"type": "lstm", "units": 8, "bias": "double"}, "expected true, single or false, got string 'double'"),
    ([5, 4], {"type": "layernorm", "eps": "tiny"}, "'eps': expected a number, got string 'tiny'"),
    ([5, 4], {"type": "layernorm", "eps": float("nan")}, "'eps': expected a finite number, got nan"),
    ([5, 4], {"type": "layernorm", "eps": 10**400}, "too large for a float"),
    ([5, 4], {"type": "gelu", "approximate": "fast"}, "expected one of none, tanh"),
    ([3, 4], {"type": "matmul", "inputs": ["input", "input"]}, "inner sizes differ: [.., 3, 4] times [.., 3, 4]"),
]


@pytest.mark.parametrize("shape, layer, message", CASES)
def test_error(shape, layer, message):
    with pytest.raises(SpecError) as info:
        only_layer(shape, layer)
    assert message in str(info.value)


def test_float_arguments_read_numeric_strings():
    # YAML 1.1 reads `1e-6` as text; a float argument takes it as the number it spells.
    assert only_layer([5, 4], {"type": "layernorm", "eps": "1e-6"}).params == 8
