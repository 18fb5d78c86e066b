"""Locally connected 2-D layer: a convolution whose weights are not shared across positions
(Keras's LocallyConnected2D), to show what a filter would cost without parameter sharing."""

from __future__ import annotations

from math import prod

from ..args import Arg, boolean, padding, per_axis, positive
from ..errors import ShapeError
from ..shapes import Shape, elements, sliding_output
from .registry import keeps_input, WEIGHTED_FLOPS_RULE, Call, Params, Rule, register, weighted_flops
from ..fieldmaps import sliding


def _output(call: Call) -> Shape:
    if len(call.input) != 3:
        raise ShapeError("expects a [H, W, C] input")
    spatial = sliding_output(call.input[:-1], call["kernel"], call["stride"], call["padding"], (1, 1))
    return spatial + (call["filters"],)


def _taps(call: Call) -> int:
    return prod(call["kernel"]) * call.input[-1]


def _params(call: Call) -> Params:
    # Every output position has its own filters (and its own biases, as in Keras).
    return Params(elements(call.output) * (_taps(call) + (1 if call["bias"] else 0)))


def _macs(call: Call) -> int:
    return elements(call.output) * _taps(call)


register(Rule(
    type="locally_connected2d", family="conv",
    summary="2-D convolution without weight sharing: separate filters at every output position.",
    args=(Arg("filters", positive, help="output channels"), Arg("kernel", per_axis(2)),
          Arg("stride", per_axis(2), 1), Arg("padding", padding(2), 0), Arg("bias", boolean, True)),
    output_shape=_output, params=_params, macs=_macs,
    flops=weighted_flops(_macs), flops_rule=WEIGHTED_FLOPS_RULE, takes_activation=True, saved=keeps_input,
    fields=sliding(2, dilated=False),
))
