"""Transposed convolutions (1-D, 2-D, 3-D), as PyTorch's ConvTranspose*d defines them.

Each axis grows to (n − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1.
Every input element meets every weight of its group once, so MACs are
E(input)·k…·filters / groups — PyTorch's and fvcore's count (the zeros a
"fractionally strided" view would insert are not multiplied).
"""

from __future__ import annotations

from typing import Callable

from math import prod

from ..args import Arg, boolean, per_axis, positive
from ..errors import ShapeError
from ..shapes import Shape, elements
from .registry import keeps_input, WEIGHTED_FLOPS_RULE, Call, Params, Rule, register, weighted_flops
from ..fieldmaps import Field, moved, tabulated, untracked

_LAYOUTS = {1: "[T, C]", 2: "[H, W, C]", 3: "[D, H, W, C]"}


def _output_for(axes: int) -> Callable[[Call], Shape]:
    def output(call: Call) -> Shape:
        if len(call.input) != axes + 1:
            raise ShapeError(f"expects a {_LAYOUTS[axes]} input")
        c_in, groups, filters = call.input[-1], call["groups"], call["filters"]
        if c_in % groups or filters % groups:
            raise ShapeError(f"groups={groups} must divide the {c_in} input and {filters} output channels")
        sizes = []
        for n, k, s, p, d, extra in zip(call.input[:-1], call["kernel"], call["stride"], call["padding"],
                                        call["dilation"], call["output_padding"]):
            if extra >= s and extra >= d:
                raise ShapeError(f"output_padding {extra} must be smaller than the stride {s} or the dilation {d}")
            sizes.append((n - 1) * s - 2 * p + d * (k - 1) + extra + 1)
        return tuple(sizes) + (filters,)
    return output


def _weight_elements(call: Call) -> int:
    return prod(call["kernel"]) * (call.input[-1] // call["groups"]) * call["filters"]


def _params(call: Call) -> Params:
    return Params(_weight_elements(call) + (call["filters"] if call["bias"] else 0))


def _macs(call: Call) -> int:
    return elements(call.input) * prod(call["kernel"]) * call["filters"] // call["groups"]


def _fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Output o reads input i where o = i·stride − padding + j·dilation for a kernel tap j: per
    residue of o modulo the stride, the taps that land give the field (a fractional stride)."""
    maps, holes = {}, []
    for axis, (k, s, p, d) in enumerate(zip(call["kernel"], call["stride"], call["padding"], call["dilation"])):
        bounds = []
        for r in range(s):
            hits = [(r + p - j * d) // s for j in range(k) if (r + p - j * d) % s == 0]
            bounds.append((min(hits), max(hits)) if hits else None)
        if None in bounds:            # some outputs read no input at all (kernel < stride)
            holes.append(axis)
        else:
            maps[axis] = tabulated(s, [b for b in bounds if b is not None], 1)
    field = moved(inputs[0], maps)
    return untracked(field, holes, [call.output[a] for a in holes]) if holes else field


for _axes in (1, 2, 3):
    register(Rule(
        type=f"conv_transpose{_axes}d", family="conv",
        summary=f"{_axes}-D transposed convolution ({_LAYOUTS[_axes]} input), PyTorch's output sizes.",
        args=(Arg("filters", positive, help="output channels"),
              Arg("kernel", per_axis(_axes), help="window size, int or per-axis list"),
              Arg("stride", per_axis(_axes), 1),
              Arg("padding", per_axis(_axes, minimum=0), 0),
              Arg("output_padding", per_axis(_axes, minimum=0), 0, help="added to one side of the output"),
              Arg("dilation", per_axis(_axes), 1),
              Arg("groups", positive, 1), Arg("bias", boolean, True)),
        output_shape=_output_for(_axes), params=_params, macs=_macs, flops=weighted_flops(_macs),
        flops_rule=WEIGHTED_FLOPS_RULE, takes_activation=True, weight_elements=_weight_elements, saved=keeps_input,
        aliases=(f"ConvTranspose{_axes}d", f"Conv{_axes}DTranspose"), fields=_fields,
    ))
