"""Fully connected layers."""

from __future__ import annotations

from ..args import Arg, boolean, positive
from ..errors import ShapeError
from ..shapes import Shape, elements
from .registry import keeps_input, WEIGHTED_FLOPS_RULE, Call, Params, Rule, register, weighted_flops
from ..fieldmaps import mixes_last_axis


def _output(call: Call) -> Shape:
    if not call.input:
        raise ShapeError("dense needs an input with at least one axis")
    return call.input[:-1] + (call["units"],)


def _params(call: Call) -> Params:
    units = call["units"]
    return Params(call.input[-1] * units + (units if call["bias"] else 0))


def _macs(call: Call) -> int:
    # Every input element meets every unit once: (elements / in) rows × in × units.
    return elements(call.input) * call["units"]


register(Rule(
    type="dense", family="dense", aliases=("linear", "Dense"),
    summary="Fully connected layer on the last axis.",
    args=(Arg("units", positive, help="output features"), Arg("bias", boolean, True)),
    output_shape=_output, params=_params, macs=_macs, flops=weighted_flops(_macs),
    flops_rule=WEIGHTED_FLOPS_RULE,
    takes_activation=True, weight_elements=lambda call: call.input[-1] * call["units"],
    saved=keeps_input,   # its input, for the weight gradient
    fields=mixes_last_axis,
))
