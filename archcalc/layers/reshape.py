"""Layers that only rearrange or repeat elements: flatten, reshape, upsample2d."""

from __future__ import annotations

from ..args import Arg, choice, int_list, optional, per_axis
from ..errors import ShapeError
from ..shapes import Shape, elements, fmt
from .registry import Call, Rule, keeps_nothing, register, zero


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


_MOVES = dict(params=zero("no weights"), macs=zero("it only moves data"), flops=zero("it only moves data"),
              saved=keeps_nothing("it only moves data"))

register(Rule(type="flatten", family="reshape", summary="All axes into one.", output_shape=_flatten,
              aliases=("Flatten",), **_MOVES))

register(Rule(
    type="reshape", family="reshape", summary="A new shape with the same element count (one -1 allowed).",
    args=(Arg("shape", int_list(allow_unknown=True), help="per-sample shape, without the batch"),),
    output_shape=_reshape, aliases=("Reshape",), **_MOVES,
))

register(Rule(
    type="upsample2d", family="reshape", summary="Upsampling of H and W, nearest-neighbour or bilinear.",
    args=(Arg("scale", optional(per_axis(2)), None, help="int or [sh, sw]"),
          Arg("size", optional(int_list(2)), None, help="[h, w] instead of a scale"),
          Arg("mode", choice("nearest", "bilinear"), "nearest")),
    output_shape=_upsample, params=zero("no weights"), macs=zero("no products (interpolation is element-wise)"),
    flops=_upsample_flops, flops_rule="nearest: none (copies); bilinear: 7 per output element",
    aliases=("Upsample", "UpSampling2D"), saved=keeps_nothing("its backward needs only the sizes"),
))
