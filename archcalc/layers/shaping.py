"""Layers that select, pad or rearrange elements without arithmetic: pad, slice, permute, roll,
pixel_shuffle and pixel_unshuffle. Axes count the per-sample shape (no batch axis)."""

from __future__ import annotations

from typing import Any

from ..args import Arg, any_integer, describe, kinded, number, positive
from ..errors import ArgumentError, ShapeError
from ..shapes import Shape, normalise_axis
from .registry import Call, Rule, keeps_nothing, register, zero

_MOVES = dict(params=zero("no weights"), macs=zero("it only moves data"), flops=zero("it only moves data"),
              saved=keeps_nothing("it only moves data"))


def _ints_or_pairs(value: Any) -> Any:
    """`pad`'s padding: an int, or a list with an int or a [before, after] pair per axis."""
    def amount(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ArgumentError(f"expected padding amounts >= 0, got {describe(value)}")
        return v
    if isinstance(value, list):
        pairs = []
        for item in value:
            if isinstance(item, list):
                if len(item) != 2:
                    raise ArgumentError(f"expected [before, after] pairs, got {describe(value)}")
                pairs.append((amount(item[0]), amount(item[1])))
            else:
                pairs.append((amount(item),) * 2)
        return tuple(pairs)
    return amount(value)


kinded(_ints_or_pairs, "int | list of int or [before, after]")


def _int_or_list(value: Any) -> Any:
    if isinstance(value, list):
        if not value:
            raise ArgumentError("expected an integer or a non-empty list of integers")
        return tuple(any_integer(v) for v in value)
    return any_integer(value) if value is not None else None


kinded(_int_or_list, "int | list of int")


def _pad_output(call: Call) -> Shape:
    shape, padding = call.input, call["padding"]
    if isinstance(padding, int):
        pairs = ((padding, padding),) * (len(shape) - 1) + ((0, 0),)
    else:
        if len(padding) != len(shape):
            raise ShapeError(f"padding has {len(padding)} entries for {len(shape)} axes (one per axis)")
        pairs = padding
    return tuple(n + before + after for n, (before, after) in zip(shape, pairs))


def _as_list(value: Any, count: int) -> list[Any]:
    return list(value) if isinstance(value, tuple) else [value] * count


def _slice_output(call: Call) -> Shape:
    shape = list(call.input)
    axes = _as_list(call["axis"], 1)
    count = len(axes)
    starts, stops, steps = (_as_list(call[k], count) for k in ("start", "stop", "step"))
    if not len(starts) == len(stops) == len(steps) == count:
        raise ShapeError("axis, start, stop and step lists must have one entry per sliced axis")
    for axis, start, stop, step in zip(axes, starts, stops, steps):
        index = normalise_axis(axis, len(shape))
        if step == 0:
            raise ShapeError("step must not be 0")
        size = len(range(*slice(start, stop, step).indices(shape[index])))
        if size == 0:
            raise ShapeError(f"slice {start}:{'' if stop is None else stop}:{step} of axis {axis} "
                             f"({shape[index]} long) selects nothing")
        shape[index] = size
    return tuple(shape)


def _permute_output(call: Call) -> Shape:
    axes, shape = call["axes"], call.input
    axes = axes if isinstance(axes, tuple) else (axes,)
    if sorted(axes) != list(range(len(shape))):
        raise ShapeError(f"axes {list(axes)} is not a permutation of the {len(shape)} axes 0..{len(shape) - 1}")
    return tuple(shape[a] for a in axes)


def _roll_output(call: Call) -> Shape:
    shifts, axes = _as_list(call["shift"], 1), _as_list(call["axis"], 1)
    if len(shifts) != len(axes):
        raise ShapeError("shift and axis must have one entry each per rolled axis")
    for axis in axes:
        normalise_axis(axis, len(call.input))
    return call.input


def _pixel_shuffle_output(call: Call) -> Shape:
    if len(call.input) != 3:
        raise ShapeError("expects a [H, W, C] input")
    (h, w, c), r = call.input, call["factor"]
    if c % (r * r):
        raise ShapeError(f"{c} channels are not divisible by factor² = {r * r}")
    return (h * r, w * r, c // (r * r))


def _pixel_unshuffle_output(call: Call) -> Shape:
    if len(call.input) != 3:
        raise ShapeError("expects a [H, W, C] input")
    (h, w, c), r = call.input, call["factor"]
    if h % r or w % r:
        raise ShapeError(f"height {h} and width {w} must be multiples of the factor {r}")
    return (h // r, w // r, c * r * r)


register(Rule(
    type="pad", family="shaping",
    summary="Pads with a constant: an int pads every axis but the channels on both sides.",
    args=(Arg("padding", _ints_or_pairs, help="int, or per axis an int or [before, after]"),
          Arg("value", number(), 0.0)),
    output_shape=_pad_output, aliases=("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "ConstantPad2d"),
    **_MOVES,
))

register(Rule(
    type="slice", family="shaping",
    summary="start:stop:step along an axis (or several: lists), NumPy's rules; negatives count from the end.",
    args=(Arg("axis", _int_or_list, -1), Arg("start", _int_or_list, 0), Arg("stop", _int_or_list, None),
          Arg("step", _int_or_list, 1)),
    output_shape=_slice_output, **_MOVES,
))

register(Rule(
    type="permute", family="shaping", summary="Reorders the axes (a permutation of 0..rank-1).",
    args=(Arg("axes", _int_or_list),), output_shape=_permute_output, **_MOVES,
))

register(Rule(
    type="roll", family="shaping", summary="Cyclic shift of the elements along an axis (or several).",
    args=(Arg("shift", _int_or_list), Arg("axis", _int_or_list)), output_shape=_roll_output, **_MOVES,
))

register(Rule(
    type="pixel_shuffle", family="shaping", summary="Depth to space: [H, W, C] to [H·r, W·r, C/r²].",
    args=(Arg("factor", positive),), output_shape=_pixel_shuffle_output, aliases=("PixelShuffle",), **_MOVES,
))

register(Rule(
    type="pixel_unshuffle", family="shaping", summary="Space to depth: [H, W, C] to [H/r, W/r, C·r²].",
    args=(Arg("factor", positive),), output_shape=_pixel_unshuffle_output, aliases=("PixelUnshuffle",),
    **_MOVES,
))
