import pytest

import archcalc
from archcalc.errors import SpecError


def model(input_shape, layers):
    return archcalc.analyze({"input": input_shape, "layers": layers})


def test_add_residual():
    r = model([4, 4, 8], [{"type": "conv2d", "name": "c", "filters": 8, "kernel": 3, "padding": 1},
                          {"type": "add", "inputs": ["c", "input"]}])
    add = r.layers[-1]
    assert add.output_shape == (4, 4, 8) and add.inputs == ("c", "input") and add.flops == 4 * 4 * 8


def test_add_of_three_costs_two_per_element():
    r = model([6], [{"type": "relu", "name": "a"}, {"type": "sigmoid", "name": "b", "inputs": ["input"]},
                    {"type": "add", "inputs": ["a", "b", "input"]}])
    assert r.layers[-1].flops == 2 * 6


def test_add_shape_mismatch_names_both_shapes():
    with pytest.raises(SpecError, match=r"same shape; received \[4, 4, 2\] and \[4, 4, 8\]"):
        model([4, 4, 8], [{"type": "conv2d", "name": "c", "filters": 2, "kernel": 1},
                          {"type": "add", "inputs": ["c", "input"]}])


@pytest.mark.parametrize("gate", [[8], [1, 1, 8], [4, 1, 1]])
def test_multiply_broadcasts(gate):
    # a gate vector from the input, reshaped to `gate`, scales [4, 4, 8] (squeeze-and-excitation style)
    r = model([4, 4, 8], [{"type": "global_avgpool", "name": "p"},
                          {"type": "dense", "name": "g", "units": max(gate)},
                          {"type": "reshape", "name": "gr", "shape": gate},
                          {"type": "multiply", "inputs": ["input", "gr"]}])
    assert r.layers[-1].output_shape == (4, 4, 8)
    assert r.layers[-1].flops == 4 * 4 * 8


def test_multiply_rejects_unbroadcastable():
    with pytest.raises(SpecError, match="broadcast"):
        model([4, 4, 8], [{"type": "dense", "name": "g", "units": 3, "inputs": ["input"]},
                          {"type": "multiply", "inputs": ["input", "g"]}])


@pytest.mark.parametrize("axis, shape", [(-1, (4, 4, 10)), (2, (4, 4, 10))])
def test_concat_channels(axis, shape):
    r = model([4, 4, 8], [{"type": "conv2d", "name": "c", "filters": 2, "kernel": 1},
                          {"type": "concat", "axis": axis, "inputs": ["input", "c"]}])
    assert r.layers[-1].output_shape == shape


def test_concat_on_height():
    r = model([4, 4, 8], [{"type": "maxpool2d", "name": "p", "kernel": [2, 1]},
                          {"type": "concat", "axis": 0, "inputs": ["input", "p"]}])
    assert r.layers[-1].output_shape == (6, 4, 8)


def test_concat_mismatch():
    with pytest.raises(SpecError, match="every axis but"):
        model([4, 4, 8], [{"type": "maxpool2d", "name": "p", "kernel": 2},
                          {"type": "concat", "inputs": ["input", "p"]}])


def test_merge_needs_two_inputs():
    with pytest.raises(SpecError, match="takes 2 or more inputs, got 1"):
        model([4], ["add"])
