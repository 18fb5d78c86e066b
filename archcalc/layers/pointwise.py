"""Element-wise arithmetic with a constant or a plain math function, as exported graphs hold
them (ONNX's Div by √d, Pow, Sqrt, Erf, Exp, …): no weights, one FLOP per element."""

from __future__ import annotations

from ..args import Arg, choice, number, optional
from .registry import Rule, one_flop_per_output, register, zero

OPS = ("add", "subtract", "multiply", "divide", "power", "sqrt", "reciprocal", "exp", "log", "erf", "neg",
       "abs", "clip", "mask", "where")


register(Rule(
    type="elementwise", family="pointwise",
    summary="An element-wise operation with a constant `value` (add, multiply, power, …) or a math "
            "function (sqrt, exp, erf, …); `mask`/`where` keep or replace elements by a constant mask.",
    args=(Arg("op", choice(*OPS), help="the operation"), Arg("value", optional(number()), None,
                                                              help="the constant operand, if any")),
    output_shape=lambda call: call.input, params=zero("its constants are not learned"),
    macs=zero("element-wise, no products"), flops=one_flop_per_output, flops_rule="1 per output element",
))
