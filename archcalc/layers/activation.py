"""Element-wise activations and dropout: same shape out, no parameters."""

from __future__ import annotations

from ..args import Arg, number
from .registry import Call, Rule, one_flop_per_output, register, zero


def _same(call: Call):
    return call.input


_ACTIVATIONS = {
    "relu": "max(x, 0)",
    "relu6": "min(max(x, 0), 6)",
    "leaky_relu": "x if x > 0 else slope · x",
    "sigmoid": "1 / (1 + e^-x)",
    "tanh": "hyperbolic tangent",
    "gelu": "x · Φ(x) (exact, erf form)",
    "silu": "x · sigmoid(x) (swish)",
    "hardswish": "x · relu6(x + 3) / 6",
    "hardsigmoid": "relu6(x + 3) / 6",
    "softmax": "e^x / Σ e^x along the last axis",
}

for _name, _formula in _ACTIVATIONS.items():
    register(Rule(
        type=_name, family="activation", summary=f"Activation: {_formula}.",
        args=(Arg("negative_slope", number(), 0.01),) if _name == "leaky_relu" else (),
        output_shape=_same, params=zero("no weights"), macs=zero("element-wise, no products"),
        flops=one_flop_per_output, flops_rule="1 per output element",
    ))

register(Rule(
    type="dropout", family="regularisation",
    summary="Dropout; the identity at inference.",
    args=(Arg("rate", number(minimum=0.0, below=1.0), 0.5),),
    output_shape=_same, params=zero("no weights"), macs=zero("no products"),
    flops=zero("the identity at inference"),
))
