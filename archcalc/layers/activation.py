"""Element-wise activations (PReLU with its learned slopes), identity and dropout: same shape out."""

from __future__ import annotations

from ..args import Arg, boolean, choice, number
from ..shapes import Shape, elements as elements_of
from .registry import (MASK_BYTES, Call, Kept, Params, Rule, keeps_input, keeps_nothing, keeps_output,
                       one_flop_per_output, register, zero)
from ..fieldmaps import mixes_last_axis, unchanged


def _same(call: Call) -> Shape:
    return call.input


_ACTIVATIONS = {
    "relu": ("max(x, 0)", ("ReLU",)),
    "relu6": ("min(max(x, 0), 6)", ("ReLU6",)),
    "leaky_relu": ("x if x > 0 else slope · x", ("LeakyReLU",)),
    "sigmoid": ("1 / (1 + e^-x)", ("Sigmoid",)),
    "tanh": ("hyperbolic tangent", ("Tanh",)),
    "silu": ("x · sigmoid(x) (swish)", ("SiLU", "swish")),
    "hardswish": ("x · relu6(x + 3) / 6", ("Hardswish", "hard_swish")),
    "hardsigmoid": ("relu6(x + 3) / 6", ("Hardsigmoid", "hard_sigmoid")),
    "softmax": ("e^x / Σ e^x along the last axis", ("Softmax",)),
    "log_softmax": ("log of softmax along the last axis", ("LogSoftmax",)),
    "elu": ("x if x > 0 else alpha · (e^x − 1)", ("ELU",)),
    "selu": ("scale · elu(x) with SELU's fixed constants", ("SELU",)),
    "celu": ("max(0, x) + min(0, alpha · (e^(x/alpha) − 1))", ("CELU",)),
    "mish": ("x · tanh(softplus(x))", ("Mish",)),
    "softplus": ("log(1 + e^x)", ("Softplus",)),
    "gelu": ("x · Φ(x) (erf form; approximate: tanh form)", ("GELU",)),
}
# What PyTorch's backward of each reads: the output where the derivative is a function of it
# (relu, sigmoid, tanh, softmax, log_softmax), else the input.
_KEEPS_OUTPUT = {"relu", "sigmoid", "tanh", "softmax", "log_softmax"}

_EXTRA_ARGS = {
    "leaky_relu": (Arg("negative_slope", number(), 0.01),),
    "elu": (Arg("alpha", number(), 1.0),),
    "celu": (Arg("alpha", number(), 1.0),),
    "softplus": (Arg("beta", number(), 1.0), Arg("threshold", number(), 20.0)),
    "gelu": (Arg("approximate", choice("none", "tanh"), "none"),),
}

# Normalised along the last axis: each output reads the whole row (positions, if it holds them).
_ALONG_LAST_AXIS = {"softmax", "log_softmax"}

for _name, (_formula, _aliases) in _ACTIVATIONS.items():
    register(Rule(
        type=_name, family="activation", summary=f"Activation: {_formula}.",
        args=_EXTRA_ARGS.get(_name, ()),
        output_shape=_same, params=zero("no weights"), macs=zero("element-wise, no products"),
        flops=one_flop_per_output, flops_rule="1 per output element", aliases=_aliases,
        saved=keeps_output if _name in _KEEPS_OUTPUT else keeps_input,
        fields=mixes_last_axis if _name in _ALONG_LAST_AXIS else unchanged,
    ))


def _prelu_params(call: Call) -> Params:
    return Params(call.input[-1] if call["per_channel"] else 1)


register(Rule(
    type="prelu", family="activation",
    summary="Leaky ReLU with a learned slope: one for all channels (PyTorch's default) or one per channel.",
    args=(Arg("per_channel", boolean, False, help="true: a slope per channel (last axis)"),),
    output_shape=_same, params=_prelu_params, macs=zero("element-wise, no products"),
    flops=one_flop_per_output, flops_rule="1 per output element", aliases=("PReLU",), saved=keeps_input,
    fields=unchanged,
))

register(Rule(
    type="identity", family="activation", summary="The identity: passes its input on unchanged.",
    output_shape=_same, params=zero("no weights"), macs=zero("no products"), flops=zero("no arithmetic"),
    aliases=("Identity",), saved=keeps_nothing("it passes the gradient on unchanged"), fields=unchanged,
))


def _dropout_mask(call: Call) -> tuple[Kept, ...]:
    """A 1-byte mask per element while training; nothing at rate 0."""
    if not call["rate"]:
        return ()
    return (Kept("dropout mask", elements_of(call.input), bytes=MASK_BYTES),)

register(Rule(
    type="dropout", family="regularisation",
    summary="Dropout; the identity at inference.",
    args=(Arg("rate", number(minimum=0.0, below=1.0), 0.5),),
    output_shape=_same, params=zero("no weights"), macs=zero("no products"),
    flops=zero("the identity at inference"), aliases=("Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
                                                     "SpatialDropout1D", "SpatialDropout2D", "AlphaDropout"),
    saved=_dropout_mask, fields=unchanged,
))
