"""A learned per-channel scale (ConvNeXt's and CaiT's layer scale), optionally with a shift."""

from __future__ import annotations

from ..args import Arg, boolean, int_list, number
from ..shapes import elements
from .registry import Call, Params, Rule, keeps_input, keeps_nothing, register, zero
from ..fieldmaps import unchanged


def _params(call: Call) -> Params:
    return Params((2 if call["bias"] else 1) * call.input[-1])


def _flops(call: Call) -> int:
    return (2 if call["bias"] else 1) * elements(call.output)


register(Rule(
    type="layer_scale", family="scale",
    summary="Multiplies each channel (last axis) by a learned factor, and adds a learned shift with bias.",
    args=(Arg("bias", boolean, False, help="also a learned per-channel shift"),),
    output_shape=lambda call: call.input, params=_params,
    macs=zero("element-wise, as torchvision and fvcore count it"), flops=_flops,
    flops_rule="1 per output element, 2 with bias", aliases=("scale",),
    saved=keeps_input,   # for the factor's gradient
    fields=unchanged,
))


def _bias_params(call: Call) -> Params:
    total = 1
    for n in call["shape"]:
        total *= n
    return Params(total)


register(Rule(
    type="learned_bias", family="scale",
    summary="Adds a learned tensor to its input (a table gathered and broadcast, as Swin's relative position "
            "bias on attention scores); params are the tensor's elements, whatever the broadcast.",
    args=(Arg("shape", int_list(), help="the learned tensor's shape"),),
    output_shape=lambda call: call.input, params=_bias_params,
    macs=zero("an element-wise addition"), flops=lambda call: elements(call.output),
    flops_rule="1 per output element", saved=keeps_nothing("an addition"), fields=unchanged,
))


def _rescale_flops(call: Call) -> int:
    return (2 if call["offset"] else 1) * elements(call.output)


register(Rule(
    type="rescale", family="scale",
    summary="x · scale + offset with fixed numbers (Keras's Rescaling, as 1/255 at a model's start): no weights.",
    args=(Arg("scale", number()), Arg("offset", number(), 0.0)),
    output_shape=lambda call: call.input, params=zero("fixed numbers, not weights"),
    macs=zero("element-wise"), flops=_rescale_flops,
    flops_rule="1 per output element (the product), 2 with a non-zero offset", aliases=("Rescaling",),
    saved=keeps_nothing("a product with a constant"), fields=unchanged,
))
