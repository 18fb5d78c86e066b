"""Shape arithmetic (archcalc/shapes.py): every pure function directly, table-driven."""

import pytest

from archcalc.errors import ShapeError
from archcalc.shapes import (adaptive_windows, broadcast, elements, fmt, normalise_axis, same_padding,
                             sliding_output, window_output_length)


@pytest.mark.parametrize("shape, expected", [((), 1), ((7,), 7), ((2, 3, 4), 24)])
def test_elements(shape, expected):
    assert elements(shape) == expected


@pytest.mark.parametrize("length, kernel, stride, dilation, expected", [
    (7, 3, 2, 1, (1, 1)),    # out ceil(7/2) = 4; (4-1)·2 + 3 - 7 = 2 -> 1 + 1
    (5, 2, 1, 1, (0, 1)),    # even kernel: out 5; 4 + 2 - 5 = 1 -> the odd one at the end
    (8, 3, 2, 1, (0, 1)),    # out 4; 6 + 3 - 8 = 1
    (4, 1, 1, 1, (0, 0)),
    (9, 3, 1, 2, (2, 2)),    # extent 5; out 9; 8 + 5 - 9 = 4
])
def test_same_padding(length, kernel, stride, dilation, expected):
    assert same_padding(length, kernel, stride, dilation) == expected


@pytest.mark.parametrize("args, expected", [
    ((112, 3, 2, 1, 1), 56),               # floor((112 + 2 - 3) / 2) + 1
    ((5, 2, 2, 0, 0, 1, False), 2),        # floor(3 / 2) + 1
    ((5, 2, 2, 0, 0, 1, True), 3),         # ceil(3 / 2) + 1
    ((6, 2, 2, 1, 1, 1, True), 4),         # ceil(6 / 2) + 1 = 4; (4-1)·2 = 6 < 6 + 1 keeps it
    ((5, 3, 2, 1, 1, 1, True), 3),
    ((9, 3, 1, 0, 0, 2, False), 5),        # dilation 2: extent 5; 9 - 5 + 1
])
def test_window_output_length(args, expected):
    assert window_output_length(*args) == expected


def test_window_larger_than_input():
    with pytest.raises(ShapeError, match="kernel extent 5 is larger than the padded input \\(3 \\+ 0 padding\\)"):
        window_output_length(3, 5, 1, 0, 0)


@pytest.mark.parametrize("lengths, kernels, strides, padding, dilations, expected", [
    ((224, 224), (7, 7), (2, 2), (3, 3), (1, 1), (112, 112)),
    ((7, 5), (3, 3), (2, 2), "same", (1, 1), (4, 3)),
    ((10,), (3,), (1,), (0,), (1,), (8,)),
])
def test_sliding_output(lengths, kernels, strides, padding, dilations, expected):
    assert sliding_output(lengths, kernels, strides, padding, dilations) == expected


@pytest.mark.parametrize("length, out, expected", [
    (13, 6, [(0, 3), (2, 5), (4, 7), (6, 9), (8, 11), (10, 13)]),   # AlexNet's 13 -> 6
    (7, 1, [(0, 7)]),
    (4, 4, [(0, 1), (1, 2), (2, 3), (3, 4)]),
])
def test_adaptive_windows(length, out, expected):
    assert adaptive_windows(length, out) == expected


@pytest.mark.parametrize("shapes, expected", [
    ([(4, 4, 8), (8,)], (4, 4, 8)),
    ([(4, 4, 8), (1, 1, 8)], (4, 4, 8)),
    ([(3, 1), (1, 5)], (3, 5)),
])
def test_broadcast(shapes, expected):
    assert broadcast(shapes) == expected


def test_broadcast_mismatch():
    with pytest.raises(ShapeError, match="cannot be broadcast"):
        broadcast([(4, 3), (4, 5)])


@pytest.mark.parametrize("axis, rank, expected", [(-1, 3, 2), (0, 3, 0), (2, 3, 2)])
def test_normalise_axis(axis, rank, expected):
    assert normalise_axis(axis, rank) == expected


def test_normalise_axis_out_of_range():
    with pytest.raises(ShapeError, match="axis 3 is out of range for rank 3"):
        normalise_axis(3, 3)


def test_fmt():
    assert fmt((224, 224, 3)) == "[224, 224, 3]" and fmt(()) == "[]"
