"""Layers that join two or more tensors: add, multiply, concat."""

from __future__ import annotations

from ..args import Arg, any_integer
from ..errors import ShapeError
from ..shapes import Shape, broadcast, elements, normalise_axis
from .registry import Call, Rule, keeps_inputs, keeps_nothing, register, zero
from ..fieldmaps import Field, join, joined


def _add_output(call: Call) -> Shape:
    first = call.inputs[0]
    for other in call.inputs[1:]:
        if other != first:
            raise ShapeError("inputs must have the same shape")
    return first


def _multiply_output(call: Call) -> Shape:
    return broadcast(list(call.inputs))


def _joins(call: Call) -> int:
    # n inputs need n - 1 element-wise operations per output element.
    return (len(call.inputs) - 1) * elements(call.output)


def _concat_output(call: Call) -> Shape:
    rank = len(call.inputs[0])
    if any(len(s) != rank for s in call.inputs):
        raise ShapeError("inputs must have the same rank")
    axis = normalise_axis(call["axis"], rank)
    rest = {s[:axis] + s[axis + 1:] for s in call.inputs}
    if len(rest) > 1:
        raise ShapeError(f"inputs must match on every axis but axis {call['axis']}")
    first = call.inputs[0]
    return first[:axis] + (sum(s[axis] for s in call.inputs),) + first[axis + 1:]


register(Rule(
    type="add", family="merge", summary="Element-wise sum of inputs of one shape (residual connection).",
    output_shape=_add_output, params=zero("no weights"), macs=zero("element-wise"), flops=_joins, min_inputs=2, max_inputs=None,
    flops_rule="(inputs - 1) per output element", aliases=("Add",), saved=keeps_nothing("a sum"), fields=joined,
))

register(Rule(
    type="subtract", family="merge", summary="Element-wise difference of two inputs of one shape (first − second).",
    output_shape=_add_output, params=zero("no weights"), macs=zero("element-wise"), flops=_joins,
    min_inputs=2, max_inputs=2, flops_rule="1 per output element", aliases=("Subtract",),
    saved=keeps_nothing("a difference"), fields=joined,
))

register(Rule(
    type="multiply", family="merge",
    summary="Element-wise product; broadcasts (e.g. [C] or [1, 1, C] over [H, W, C]).",
    output_shape=_multiply_output, params=zero("no weights"), macs=zero("element-wise"), flops=_joins, min_inputs=2, max_inputs=None,
    flops_rule="(inputs - 1) per output element", aliases=("Multiply",),
    saved=keeps_inputs,   # each operand's gradient is the other operand
    fields=joined,
))

def _concat_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Along channels, each unit reads the same unit of every input; along a spatial axis the
    units come from different inputs, and that axis is only followed as a whole."""
    return join(inputs, call.inputs, call.output, concat_axis=normalise_axis(call["axis"], len(call.output)))


register(Rule(
    type="concat", family="merge", summary="Concatenation along an axis (default: channels).",
    args=(Arg("axis", any_integer, -1, help="axis of the per-sample shape; negative counts from the end"),),
    output_shape=_concat_output, params=zero("no weights"), macs=zero("it only moves data"),
    flops=zero("it only moves data"), aliases=("Concatenate", "Concat"), min_inputs=2, max_inputs=None,
    saved=keeps_nothing("it only moves data"), fields=_concat_fields,
))
