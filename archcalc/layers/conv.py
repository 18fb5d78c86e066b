"""Convolutions: conv1d on [T, C], conv2d and depthwise_conv2d on [H, W, C], conv3d on [D, H, W, C]."""

from __future__ import annotations

from typing import Callable

from math import prod

from ..args import Arg, boolean, padding, per_axis, positive
from ..errors import ShapeError
from ..shapes import Shape, elements, sliding_output
from .registry import keeps_input, WEIGHTED_FLOPS_RULE, Call, Params, Rule, register, weighted_flops
from ..fieldmaps import sliding


def _in_channels(call: Call) -> int:
    return call.input[-1]


def _groups(call: Call) -> int:
    # Depthwise: one group per input channel.
    return call.args.get("groups") or _in_channels(call)


def _out_channels(call: Call) -> int:
    if "filters" in call.args:
        return call["filters"]
    return _in_channels(call) * call["multiplier"]


def _output_for(axes: int) -> Callable[[Call], Shape]:
    def output(call: Call) -> Shape:
        if len(call.input) != axes + 1:
            raise ShapeError(f"expects a {_LAYOUTS[axes]} input")
        groups, c_in, c_out = _groups(call), _in_channels(call), _out_channels(call)
        if c_in % groups:
            raise ShapeError(f"groups={groups} does not divide the {c_in} input channels")
        if c_out % groups:
            raise ShapeError(f"groups={groups} does not divide the {c_out} output channels")
        spatial = sliding_output(call.input[:-1], call["kernel"], call["stride"],
                                 call["padding"], call["dilation"])
        return spatial + (c_out,)
    return output


def _weights_per_output(call: Call) -> int:
    return prod(call["kernel"]) * _in_channels(call) // _groups(call)


def _params(call: Call) -> Params:
    c_out = _out_channels(call)
    return Params(_weight_elements(call) + (c_out if call["bias"] else 0))


def _weight_elements(call: Call) -> int:
    return _weights_per_output(call) * _out_channels(call)


def _macs(call: Call) -> int:
    return elements(call.output) * _weights_per_output(call)


def _geometry(axes: int) -> tuple[Arg, ...]:
    return (
        Arg("kernel", per_axis(axes), help="window size, int or per-axis list"),
        Arg("stride", per_axis(axes), 1),
        Arg("padding", padding(axes), 0, help="int, per-axis list, same or valid"),
        Arg("dilation", per_axis(axes), 1),
    )


_LAYOUTS = {1: "[T, C]", 2: "[H, W, C]", 3: "[D, H, W, C]"}

for _axes, _aliases in ((1, ("Conv1d", "Conv1D")), (2, ("Conv2d", "Conv2D")), (3, ("Conv3d", "Conv3D"))):
    register(Rule(
        type=f"conv{_axes}d", family="conv",
        summary=f"{_axes}-D convolution ({_LAYOUTS[_axes]} input).",
        args=(Arg("filters", positive, help="output channels"), *_geometry(_axes),
              Arg("groups", positive, 1), Arg("bias", boolean, True)),
        output_shape=_output_for(_axes), params=_params, macs=_macs, flops=weighted_flops(_macs),
        flops_rule=WEIGHTED_FLOPS_RULE, takes_activation=True, weight_elements=_weight_elements,
        aliases=_aliases, saved=keeps_input, fields=sliding(_axes),
    ))

register(Rule(
    type="depthwise_conv2d", family="conv",
    summary="Depthwise 2-D convolution: conv2d with groups = input channels.",
    args=(*_geometry(2), Arg("multiplier", positive, 1, help="output channels per input channel"),
          Arg("bias", boolean, True)),
    output_shape=_output_for(2), params=_params, macs=_macs, flops=weighted_flops(_macs),
    flops_rule=WEIGHTED_FLOPS_RULE, takes_activation=True, aliases=("DepthwiseConv2D", "DepthwiseConv2d"),
    weight_elements=_weight_elements, saved=keeps_input, fields=sliding(2),
))
