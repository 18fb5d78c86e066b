"""Pooling: windowed (max/avg, 1-D, 2-D and 3-D), global and adaptive."""

from __future__ import annotations

from typing import Callable

from math import gcd, prod

from ..args import Arg, boolean, int_list, padding, per_axis
from ..errors import ShapeError
from ..shapes import Shape, elements, sliding_output
from .registry import (INDEX_BYTES, Call, Kept, Rule, keeps_input, keeps_inputs_and_output, keeps_nothing,
                       register, zero)
from ..fieldmaps import Field, moved, over_positions, sliding, tabulated


_LAYOUTS = {1: "[T, C]", 2: "[H, W, C]", 3: "[D, H, W, C]"}
_ALIASES = {("max", n): (f"MaxPool{n}d", f"MaxPooling{n}D") for n in (1, 2, 3)}
_ALIASES.update({("avg", n): (f"AvgPool{n}d", f"AveragePooling{n}D") for n in (1, 2, 3)})


def _stride(call: Call) -> Shape:
    return call["stride"] if call["stride"] is not None else call["kernel"]


def _output_for(axes: int) -> Callable[[Call], Shape]:
    def output(call: Call) -> Shape:
        if len(call.input) != axes + 1:
            raise ShapeError(f"expects a {_LAYOUTS[axes]} input")
        pad = call["padding"]
        if pad != "same":
            for p, k in zip(pad, call["kernel"]):
                if 2 * p > k:  # PyTorch's rule: padding at most half the window
                    raise ShapeError(f"padding {p} is more than half the kernel {k}")
        ones = (1,) * axes
        spatial = sliding_output(call.input[:-1], call["kernel"], _stride(call), pad, ones,
                                 call["ceil_mode"])
        return spatial + call.input[-1:]
    return output


def _window_flops(call: Call) -> int:
    return elements(call.output) * prod(call["kernel"])


def _max_saved(call: Call) -> tuple[Kept, ...]:
    """PyTorch's max pooling keeps its input and the int64 position of each output's maximum."""
    return (*keeps_input(call), Kept("argmax", elements(call.output), bytes=INDEX_BYTES))


for _axes in (1, 2, 3):
    for _kind, _what in (("max", "maximum"), ("avg", "average")):
        register(Rule(
            type=f"{_kind}pool{_axes}d", family="pooling",
            summary=f"{_what.capitalize()} over sliding {_axes}-D windows.",
            args=(Arg("kernel", per_axis(_axes)),
                  Arg("stride", per_axis(_axes), None, help="default: kernel"),
                  Arg("padding", padding(_axes), 0),
                  Arg("ceil_mode", boolean, False)),
            output_shape=_output_for(_axes), params=zero("no weights"), macs=zero("no products"),
            flops=_window_flops,
            flops_rule="1 per window element per output element", aliases=_ALIASES[_kind, _axes],
            saved=_max_saved if _kind == "max" else keeps_input,
            fields=sliding(_axes, stride_of=_stride, dilated=False),
        ))


def _global_output(call: Call) -> Shape:
    if len(call.input) < 2:
        raise ShapeError("expects a [H, W, C] or [T, C] input")
    return call.input[-1:]


def _global_flops(call: Call) -> int:
    return elements(call.input)


for _kind, _what in (("avg", "Average"), ("max", "Maximum")):
    register(Rule(
        type=f"global_{_kind}pool", family="pooling",
        summary=f"{_what} over every position: [T, C], [H, W, C] or [D, H, W, C] to [C].",
        aliases=tuple(f"Global{'Average' if _kind == 'avg' else 'Max'}Pooling{n}D" for n in (1, 2, 3)),
        output_shape=_global_output, params=zero("no weights"), macs=zero("no products"),
        flops=_global_flops,
        flops_rule="1 per input element",
        saved=keeps_inputs_and_output if _kind == "max" else keeps_nothing("a mean: its backward needs only the sizes"),
        fields=over_positions,
    ))


def _adaptive_output(call: Call) -> Shape:
    if len(call.input) != 3:
        raise ShapeError("expects a [H, W, C] input")
    return tuple(call["output"]) + call.input[-1:]


def _window_total(length: int, out: int) -> int:
    """Σ over PyTorch's adaptive windows [floor(i·L/o), ceil((i+1)·L/o)) of their sizes, in closed
    form: L + o − gcd(L, o) (a window's end rounds up except where o divides i·L, which happens
    gcd(L, o) times), so a huge output costs no list of windows."""
    return length + out - gcd(length, out)


def _adaptive_flops(call: Call) -> int:
    (h, w), (oh, ow) = call.input[:2], call["output"]
    return _window_total(h, oh) * _window_total(w, ow) * call.input[-1]


def _adaptive_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Window i of each axis is [floor(i·L/o), ceil((i+1)·L/o) − 1]: periodic every o/g units."""
    maps = {}
    for axis, (length, out) in enumerate(zip(call.input[:2], call["output"])):
        g = gcd(length, out)
        period = out // g
        maps[axis] = tabulated(period, [(i * length // out, -(-(i + 1) * length // out) - 1) for i in range(period)],
                               length // g)
    return moved(inputs[0], maps)


register(Rule(
    type="adaptive_avgpool2d", family="pooling",
    summary="Average pooling to a fixed [h, w] output (PyTorch's windows).",
    args=(Arg("output", int_list(2), help="[h, w] or an int for both"),),
    output_shape=_adaptive_output, params=zero("no weights"), macs=zero("no products"),
    flops=_adaptive_flops,
    flops_rule="1 per window element per output element", aliases=("AdaptiveAvgPool2d",), saved=keeps_input,
    fields=_adaptive_fields,
))
