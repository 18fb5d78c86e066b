"""Element-wise arithmetic with a constant or a plain math function, as exported graphs hold
them (ONNX's Div by √d, Pow, Sqrt, Erf, Exp, …): no weights, one FLOP per element."""

from __future__ import annotations

from ..args import Arg, choice, number, optional
from .registry import Call, Kept, Rule, keeps_input, keeps_output, one_flop_per_output, register, zero
from ..fieldmaps import unchanged

OPS = ("add", "subtract", "multiply", "divide", "power", "sqrt", "reciprocal", "exp", "log", "erf", "neg",
       "abs", "clip", "mask", "where", "sin", "cos")

# What PyTorch's backward of each reads: nothing for a sum, a constant factor or a negation
# (and a mask that is a constant), the output where the derivative is a function of it, else
# the input.
_KEEPS_NOTHING = {"add", "subtract", "multiply", "divide", "neg", "mask", "where"}
_KEEPS_OUTPUT = {"sqrt", "reciprocal", "exp"}


def _saved(call: Call) -> tuple[Kept, ...]:
    op = call["op"]
    if op in _KEEPS_NOTHING:
        return ()
    return keeps_output(call) if op in _KEEPS_OUTPUT else keeps_input(call)


register(Rule(
    type="elementwise", family="pointwise",
    summary="An element-wise operation with a constant `value` (add, multiply, power, …) or a math "
            "function (sqrt, exp, erf, …); `mask`/`where` keep or replace elements by a constant mask.",
    args=(Arg("op", choice(*OPS), help="the operation"), Arg("value", optional(number()), None,
                                                              help="the constant operand, if any")),
    output_shape=lambda call: call.input, params=zero("its constants are not learned"),
    macs=zero("element-wise, no products"), flops=one_flop_per_output, flops_rule="1 per output element",
    saved=_saved, fields=unchanged,
))
