"""Shape arithmetic as pure functions of integers (no layer knowledge here).

Shapes exclude the batch axis and are tuples of ints, channels last.
"""

from __future__ import annotations

from math import prod
from typing import Sequence

from .errors import ShapeError

Shape = tuple[int, ...]


def elements(shape: Shape) -> int:
    return prod(shape)


def same_padding(length: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's `same`: output ceil(length / stride), odd extra padding at the end."""
    out = -(-length // stride)
    span = dilation * (kernel - 1) + 1
    total = max((out - 1) * stride + span - length, 0)
    return total // 2, total - total // 2


def window_output_length(length: int, kernel: int, stride: int, pad_before: int, pad_after: int,
                         dilation: int = 1, ceil_mode: bool = False) -> int:
    """Positions of a sliding window; PyTorch's rule for `ceil_mode`.

    With `ceil_mode`, a last window that would start inside the right padding
    is dropped, as PyTorch does.
    """
    span = dilation * (kernel - 1) + 1
    room = length + pad_before + pad_after - span
    if room < 0:
        raise ShapeError(
            f"kernel extent {span} is larger than the padded input "
            f"({length} + {pad_before + pad_after} padding)")
    if ceil_mode:
        out = -(-room // stride) + 1
        if (out - 1) * stride >= length + pad_before:
            out -= 1
    else:
        out = room // stride + 1
    return out


def resolve_padding(padding: str | tuple[int, ...], lengths: Shape, kernels: Shape,
                    strides: Shape, dilations: Shape) -> tuple[tuple[int, int], ...]:
    """Per-axis (before, after) padding from a normalised `padding` argument."""
    if isinstance(padding, str):       # "same": the only word left after normalising
        return tuple(same_padding(n, k, s, d) for n, k, s, d in zip(lengths, kernels, strides, dilations))
    return tuple((p, p) for p in padding)


def sliding_output(lengths: Shape, kernels: Shape, strides: Shape, padding: str | tuple[int, ...], dilations: Shape,
                   ceil_mode: bool = False) -> Shape:
    pads = resolve_padding(padding, lengths, kernels, strides, dilations)
    return tuple(
        window_output_length(n, k, s, before, after, d, ceil_mode)
        for n, k, s, (before, after), d in zip(lengths, kernels, strides, pads, dilations))


def adaptive_windows(length: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive pooling windows: [floor(i·L/o), ceil((i+1)·L/o))."""
    return [((i * length) // out, -(-((i + 1) * length) // out)) for i in range(out)]


def broadcast(shapes: list[Shape]) -> Shape:
    """NumPy broadcasting over trailing axes; raises ShapeError when shapes do not fit."""
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    out = []
    for sizes in zip(*padded):
        wide = {n for n in sizes if n != 1}
        if len(wide) > 1:
            raise ShapeError("shapes cannot be broadcast together")
        out.append(wide.pop() if wide else 1)
    return tuple(out)


def normalise_axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def distinct_axes(axes: Sequence[int], rank: int) -> set[int]:
    """`axes` counted from 0 (negatives from the end), each in range and named once."""
    found = {normalise_axis(a, rank) for a in axes}
    if len(found) != len(axes):
        raise ShapeError(f"axis {list(axes)} names an axis twice")
    return found


def fmt(shape: Shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"
