"""Layers that select, pad or rearrange elements without arithmetic: pad, slice, permute, roll,
pixel_shuffle and pixel_unshuffle. Axes count the per-sample shape (no batch axis)."""

from __future__ import annotations

from typing import Any

from ..args import Arg, any_integer, describe, kinded, number, positive
from ..errors import ArgumentError, ShapeError
from ..shapes import Shape, normalise_axis
from .registry import Call, Rule, keeps_nothing, register, zero
from ..fieldmaps import MAX_PERIOD, Field, Map, moved, tabulated, untracked, window

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


def _pad_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Output o of a padded axis is input o − before (the padding itself reads nothing)."""
    padding, rank = call["padding"], len(call.input)
    pairs = ((padding, padding),) * (rank - 1) + ((0, 0),) if isinstance(padding, int) else padding
    return moved(inputs[0], {axis: window(1, 1, before) for axis, (before, _) in enumerate(pairs) if before})


def _slice_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Output o of a sliced axis is input start + o·step."""
    axes = _as_list(call["axis"], 1)
    count = len(axes)
    starts, stops, steps = (_as_list(call[k], count) for k in ("start", "stop", "step"))
    maps = {}
    for axis, start, stop, step in zip(axes, starts, stops, steps):
        index = normalise_axis(axis, len(call.input))
        first, _, step = slice(start, stop, step).indices(call.input[index])
        maps[index] = Map(1, (first,), (first,), step, step)
    return moved(inputs[0], maps)


def _permute_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    axes = call["axes"] if isinstance(call["axes"], tuple) else (call["axes"],)
    return Field(tuple(inputs[0].axes[a] for a in axes), inputs[0].gathered)


def _roll_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Output o of a rolled axis of length n is input (o − shift) mod n: periodic every n units."""
    field = inputs[0]
    for shift, axis in zip(_as_list(call["shift"], 1), _as_list(call["axis"], 1)):
        index = normalise_axis(axis, len(call.input))
        n = call.input[index]
        if n > MAX_PERIOD:
            field = untracked(field, (index,), (n,))
        else:
            field = moved(field, {index: tabulated(n, [((o - shift) % n,) * 2 for o in range(n)], n)})
    return field


def _shuffle_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Depth to space: output o reads input o // r (a stride of 1/r)."""
    r = call["factor"]
    return moved(inputs[0], {axis: tabulated(r, [(0, 0)] * r, 1) for axis in (0, 1)})


def _unshuffle_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Space to depth: output o holds inputs o·r .. o·r + r − 1 in its channels."""
    r = call["factor"]
    return moved(inputs[0], {axis: window(r, r, 0) for axis in (0, 1)})


register(Rule(
    type="pad", family="shaping",
    summary="Pads with a constant: an int pads every axis but the channels on both sides.",
    args=(Arg("padding", _ints_or_pairs, help="int, or per axis an int or [before, after]"),
          Arg("value", number(finite=False), 0.0, help="the padding's value; -inf (before a max pool) too")),
    output_shape=_pad_output, aliases=("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "ConstantPad2d"),
    fields=_pad_fields, **_MOVES,
))

register(Rule(
    type="slice", family="shaping",
    summary="start:stop:step along an axis (or several: lists), NumPy's rules; negatives count from the end.",
    args=(Arg("axis", _int_or_list, -1), Arg("start", _int_or_list, 0), Arg("stop", _int_or_list, None),
          Arg("step", _int_or_list, 1)),
    output_shape=_slice_output, fields=_slice_fields, **_MOVES,
))

register(Rule(
    type="permute", family="shaping", summary="Reorders the axes (a permutation of 0..rank-1).",
    args=(Arg("axes", _int_or_list),), output_shape=_permute_output,
    fields=_permute_fields, **_MOVES,
))

register(Rule(
    type="roll", family="shaping", summary="Cyclic shift of the elements along an axis (or several).",
    args=(Arg("shift", _int_or_list), Arg("axis", _int_or_list)), output_shape=_roll_output,
    fields=_roll_fields, **_MOVES,
))

register(Rule(
    type="pixel_shuffle", family="shaping", summary="Depth to space: [H, W, C] to [H·r, W·r, C/r²].",
    args=(Arg("factor", positive),), output_shape=_pixel_shuffle_output, aliases=("PixelShuffle",),
    fields=_shuffle_fields, **_MOVES,
))

register(Rule(
    type="pixel_unshuffle", family="shaping", summary="Space to depth: [H, W, C] to [H/r, W/r, C·r²].",
    args=(Arg("factor", positive),), output_shape=_pixel_unshuffle_output, aliases=("PixelUnshuffle",),
    fields=_unshuffle_fields, **_MOVES,
))
