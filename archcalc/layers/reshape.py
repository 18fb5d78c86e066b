"""Layers that only rearrange or repeat elements: flatten, reshape, upsample2d."""

from __future__ import annotations

from ..args import Arg, choice, int_list, optional, per_axis
from ..errors import ShapeError
from ..shapes import Shape, elements, fmt
from .registry import Call, Rule, keeps_nothing, register, zero
from ..fieldmaps import Field, folded, moved, tabulated, unchanged
from math import gcd


def _flatten(call: Call) -> Shape:
    return (elements(call.input),)


def _reshape(call: Call) -> Shape:
    target, total = call["shape"], elements(call.input)
    if -1 in target:
        known = -elements(target)  # the -1 makes the product negative
        if total % known:
            raise ShapeError(f"cannot reshape {total} elements to {fmt(target)}")
        return tuple(total // known if n == -1 else n for n in target)
    if elements(target) != total:
        raise ShapeError(f"cannot reshape {total} elements to {fmt(target)} ({elements(target)} elements)")
    return target


def _upsample(call: Call) -> Shape:
    if len(call.input) != 3:
        raise ShapeError("expects a [H, W, C] input")
    if (call["scale"] is None) == (call["size"] is None):
        raise ShapeError("give either scale or size")
    h, w, c = call.input
    if call["size"] is not None:
        return tuple(call["size"]) + (c,)
    sh, sw = call["scale"]
    return (h * sh, w * sw, c)


def _upsample_flops(call: Call) -> int:
    # Bilinear: each output element is a weighted sum of its four neighbours (4 products, 3 sums).
    return 7 * elements(call.output) if call["mode"] == "bilinear" else 0


def _flatten_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Positions and channels in one axis: its units are followed only as a whole (Folded)."""
    return folded(inputs[0], call.input, 1)


def _reshape_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Leading axes the reshape leaves alone keep their fields; the rest are merged (Folded)."""
    keep = 0
    while keep < min(len(call.input), len(call.output)) and call.input[keep] == call.output[keep]:
        keep += 1
    if keep == len(call.input) == len(call.output):
        return unchanged(call, inputs)
    return folded(inputs[0], call.input, len(call.output), keep)


def _upsample_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Nearest: output o reads input floor(o·L/O). Bilinear (PyTorch, corners not aligned):
    source x = (o + ½)·L/O − ½, reading floor(x) and the next one unless x is a whole number."""
    maps = {}
    for axis, (length, out) in enumerate(zip(call.input[:2], call.output[:2])):
        g = gcd(length, out)
        period = out // g
        bounds = []
        for o in range(period):
            if call["mode"] == "nearest":
                first = o * length // out
                bounds.append((first, first))
            else:
                twice = (2 * o + 1) * length - out           # 2·O·x
                first = twice // (2 * out)
                bounds.append((first, first + (1 if twice % (2 * out) else 0)))
        maps[axis] = tabulated(period, bounds, length // g)
    return moved(inputs[0], maps)


_MOVES = dict(params=zero("no weights"), macs=zero("it only moves data"), flops=zero("it only moves data"),
              saved=keeps_nothing("it only moves data"))

register(Rule(type="flatten", family="reshape", summary="All axes into one.", output_shape=_flatten,
              aliases=("Flatten",), fields=_flatten_fields, **_MOVES))

register(Rule(
    type="reshape", family="reshape", summary="A new shape with the same element count (one -1 allowed).",
    args=(Arg("shape", int_list(allow_unknown=True), help="per-sample shape, without the batch"),),
    output_shape=_reshape, aliases=("Reshape",), fields=_reshape_fields, **_MOVES,
))

register(Rule(
    type="upsample2d", family="reshape", summary="Upsampling of H and W, nearest-neighbour or bilinear.",
    args=(Arg("scale", optional(per_axis(2)), None, help="int or [sh, sw]"),
          Arg("size", optional(int_list(2)), None, help="[h, w] instead of a scale"),
          Arg("mode", choice("nearest", "bilinear"), "nearest")),
    output_shape=_upsample, params=zero("no weights"), macs=zero("no products (interpolation is element-wise)"),
    flops=_upsample_flops, flops_rule="nearest: none (copies); bilinear: 7 per output element",
    aliases=("Upsample", "UpSampling2D"), saved=keeps_nothing("its backward needs only the sizes"),
    fields=_upsample_fields,
))
