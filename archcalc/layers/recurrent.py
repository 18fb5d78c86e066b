"""Recurrent layers on [T, C] sequences, in PyTorch's layout (two bias vectors per gate)."""

from __future__ import annotations

from ..args import Arg, boolean, positive
from ..errors import ShapeError

from .registry import Call, Params, Rule, register

# gates, and element-wise FLOPs per unit per step besides the matrix products:
# lstm: 4 gate activations, c = f·c + i·g (3), h = o·tanh(c) (2);
# gru: 3 gate activations, r·(W_hn h + b_hn) (1), h = (1 - z)·n + z·h (3);
# rnn: 1 tanh.
_KINDS = {"lstm": (4, 9, "LSTM"), "gru": (3, 7, "GRU"), "rnn": (1, 1, "Elman RNN (tanh)")}


def _output(call: Call):
    if len(call.input) != 2:
        raise ShapeError("expects a [T, C] sequence")
    steps = call.input[0]
    return (steps, call["units"]) if call["return_sequences"] else (call["units"],)


def _rule(kind: str) -> Rule:
    gates, pointwise, title = _KINDS[kind]

    def params(call: Call) -> Params:
        units, c_in = call["units"], call.input[-1]
        bias = 2 * units if call["bias"] else 0
        return Params(gates * (units * (c_in + units) + bias))

    def macs(call: Call) -> int:
        steps, c_in = call.input
        # Every step runs, whatever return_sequences keeps.
        return steps * gates * call["units"] * (c_in + call["units"])

    def flops(call: Call) -> int:
        steps, units = call.input[0], call["units"]
        bias = 2 * gates * units if call["bias"] else 0
        return 2 * macs(call) + steps * (bias + pointwise * units)

    return Rule(
        type=kind, family="recurrent", summary=f"{title} over a [T, C] sequence.",
        args=(Arg("units", positive, help="hidden size"), Arg("bias", boolean, True),
              Arg("return_sequences", boolean, True, help="false: only the last step, [units]")),
        output_shape=_output, params=params, macs=macs, flops=flops,
        flops_rule=(f"2 per MAC, plus per step: {2 * gates} bias additions per unit (if bias) "
                    f"and {pointwise} element-wise operations per unit"),
    )


for _kind in _KINDS:
    register(_rule(_kind))
