"""Layers that only rearrange or repeat elements: flatten, reshape, upsample2d."""

from __future__ import annotations

from ..args import Arg, int_list, per_axis
from ..errors import ShapeError
from ..shapes import elements, fmt
from .registry import Call, Rule, register, zero


def _flatten(call: Call):
    return (elements(call.input),)


def _reshape(call: Call):
    target, total = call["shape"], elements(call.input)
    if -1 in target:
        known = -elements(target)  # the -1 makes the product negative
        if total % known:
            raise ShapeError(f"cannot reshape {total} elements to {fmt(target)}")
        return tuple(total // known if n == -1 else n for n in target)
    if elements(target) != total:
        raise ShapeError(f"cannot reshape {total} elements to {fmt(target)} ({elements(target)} elements)")
    return target


def _upsample(call: Call):
    if len(call.input) != 3:
        raise ShapeError("expects a [H, W, C] input")
    (h, w, c), (sh, sw) = call.input, call["scale"]
    return (h * sh, w * sw, c)


register(Rule(type="flatten", family="reshape", summary="All axes into one.", output_shape=_flatten,
                   params=zero("no weights"), macs=zero("it only moves data"), flops=zero("it only moves data")))

register(Rule(
    type="reshape", family="reshape", summary="A new shape with the same element count (one -1 allowed).",
    args=(Arg("shape", int_list(allow_unknown=True), help="per-sample shape, without the batch"),),
    output_shape=_reshape, params=zero("no weights"), macs=zero("it only moves data"), flops=zero("it only moves data"),
))

register(Rule(
    type="upsample2d", family="reshape", summary="Nearest-neighbour upsampling of H and W.",
    args=(Arg("scale", per_axis(2), help="int or [sh, sw]"),),
    output_shape=_upsample, params=zero("no weights"), macs=zero("no products"),
    flops=zero("nearest-neighbour copies"),
))
