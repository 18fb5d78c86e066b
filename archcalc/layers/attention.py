"""Multi-head self-attention over a [T, C] sequence."""

from __future__ import annotations

from ..args import Arg, boolean, positive
from ..errors import ShapeError

from .registry import Call, Params, Rule, register


def _output(call: Call):
    if len(call.input) != 2:
        raise ShapeError("expects a [T, C] sequence")
    if call["dim"] % call["heads"]:
        raise ShapeError(f"dim {call['dim']} is not divisible by heads {call['heads']}")
    return (call.input[0], call["dim"])


def _params(call: Call) -> Params:
    c_in, dim = call.input[-1], call["dim"]
    bias = dim if call["bias"] else 0
    # Q, K and V project C -> dim; the output projection dim -> dim.
    return Params(3 * (c_in * dim + bias) + dim * dim + bias)


def _macs(call: Call) -> int:
    steps, c_in = call.input
    dim = call["dim"]
    projections = 3 * steps * c_in * dim + steps * dim * dim
    # Scores Q·Kᵀ and the weighted sum of V: T·T·(dim / heads) per head each.
    return projections + 2 * steps * steps * dim


def _flops(call: Call) -> int:
    steps, dim, heads = call.input[0], call["dim"], call["heads"]
    bias = 4 * steps * dim if call["bias"] else 0
    return 2 * _macs(call) + bias + 2 * heads * steps * steps


register(Rule(
    type="attention", family="attention",
    summary="Multi-head self-attention with Q, K, V and output projections.",
    args=(Arg("heads", positive), Arg("dim", positive, help="model width"), Arg("bias", boolean, True)),
    output_shape=_output, params=_params, macs=_macs, flops=_flops,
    flops_rule=("2 per MAC, plus 1 per projection output element for biases, and per head 1 per "
                "score for the 1/sqrt(d) scaling and 1 per score for the softmax"),
))
