"""Reductions over axes: mean, sum, max or min (ONNX's ReduceMean and its kin)."""

from __future__ import annotations

from typing import Any

from ..args import Arg, boolean, choice, describe, kinded
from ..errors import ArgumentError
from ..shapes import Shape, distinct_axes, elements
from .registry import Call, Rule, keeps_inputs_and_output, register, zero
from ..fieldmaps import Field, gathered


def _axes(value: Any) -> tuple[int, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise ArgumentError(f"expected an axis or a list of axes, got {describe(value)}")
    return tuple(values)


kinded(_axes, "int | list of int")


def _output(call: Call) -> Shape:
    axes = distinct_axes(call["axis"], len(call.input))
    if call["keepdims"]:
        return tuple(1 if i in axes else n for i, n in enumerate(call.input))
    kept = tuple(n for i, n in enumerate(call.input) if i not in axes)
    return kept or (1,)


def _fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Each output reads every unit of the reduced axes."""
    axes = sorted(distinct_axes(call["axis"], len(call.input)))
    field = gathered(inputs[0], axes, [call.input[a] for a in axes], keep=call["keepdims"])
    return field if field.axes else Field((None,), field.gathered)


register(Rule(
    type="reduce", family="reduce",
    summary="Mean, sum, maximum or minimum over one or more axes (keepdims keeps them as size 1).",
    args=(Arg("op", choice("mean", "sum", "max", "min")), Arg("axis", _axes, -1), Arg("keepdims", boolean, False)),
    output_shape=_output, params=zero("no weights"), macs=zero("no products"),
    flops=lambda call: elements(call.input), flops_rule="1 per input element",
    saved=lambda call: keeps_inputs_and_output(call) if call["op"] in ("max", "min") else (),
    fields=_fields,
))
