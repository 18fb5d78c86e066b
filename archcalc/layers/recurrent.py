"""Recurrent layers on [T, C] sequences: LSTM, GRU and Elman RNN.

Gates g = 4 (LSTM), 3 (GRU), 1 (RNN). One direction of one layer reading width n
holds g·units·(n + units) weights and, by `bias`, two bias vectors per gate
(`true`: PyTorch, and Keras's GRU), one (`single`: Keras's LSTM and SimpleRNN) or none.
`bidirectional` doubles every figure and the output width; `layers` stacks them as
PyTorch's num_layers, layer 2 onwards reading units (2·units when bidirectional).
MACs count every step of every layer and direction, whatever `return_sequences` keeps.
"""

from __future__ import annotations

from typing import Any

from ..args import Arg, boolean, describe, kinded, positive
from ..errors import ArgumentError, ShapeError
from ..shapes import Shape, elements
from .registry import Call, Kept, Params, Rule, register
from ..fieldmaps import Field, causal, gathered, moved, spread

# gates, and element-wise FLOPs per unit per step besides the matrix products:
# lstm: 4 gate activations, c = f·c + i·g (3), h = o·tanh(c) (2);
# gru: 3 gate activations, r·(W_hn h + b_hn) (1), h = (1 - z)·n + z·h (3);
# rnn: 1 tanh.
_KINDS = {
    "lstm": (4, 9, "LSTM", ("LSTM",)),
    "gru": (3, 7, "GRU", ("GRU",)),
    "rnn": (1, 1, "Elman RNN (tanh)", ("RNN", "SimpleRNN")),
}


def _bias_vectors(value: Any) -> int:
    """`bias` as the number of bias vectors per gate: true 2, single 1, false 0."""
    if value is True:
        return 2
    if value is False:
        return 0
    if value == "single":
        return 1
    raise ArgumentError(f"expected true, single or false, got {describe(value)}")


kinded(_bias_vectors, "true | single | false")


def _output(call: Call) -> Shape:
    if len(call.input) != 2:
        raise ShapeError("expects a [T, C] sequence")
    width = call["units"] * (2 if call["bidirectional"] else 1)
    return (call.input[0], width) if call["return_sequences"] else (width,)


def _widths(call: Call) -> list[int]:
    """The input width each stacked layer reads."""
    directions = 2 if call["bidirectional"] else 1
    return [call.input[-1]] + [directions * call["units"]] * (call["layers"] - 1)


def _fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Step t has read steps 0..t (both directions: every step); only the last step: all."""
    field, steps = inputs[0], call.input[0]
    if not call["return_sequences"]:
        return gathered(field, (0,), (steps,))
    if call["bidirectional"]:
        return spread(field, (0,), (steps,))
    return moved(field, {0: causal()})


def _rule(kind: str) -> Rule:
    gates, pointwise, title, aliases = _KINDS[kind]

    def directions(call: Call) -> int:
        return 2 if call["bidirectional"] else 1

    def params(call: Call) -> Params:
        units = call["units"]
        bias = call["bias"] * units
        return Params(directions(call) * sum(gates * (units * (n + units) + bias) for n in _widths(call)))

    def macs(call: Call) -> int:
        steps, units = call.input[0], call["units"]
        return directions(call) * sum(steps * gates * units * (n + units) for n in _widths(call))

    def flops(call: Call) -> int:
        steps, units = call.input[0], call["units"]
        per_step = gates * units * call["bias"] + pointwise * units
        return 2 * macs(call) + directions(call) * call["layers"] * steps * per_step

    def saved(call: Call) -> tuple[Kept, ...]:
        """Its input, and per step, layer and direction the gates' activations and the states
        the next step's gradient reads (hidden, and the cell of an LSTM)."""
        steps, units = call.input[0], call["units"]
        states = 2 if kind == "lstm" else 1
        per_step = (gates + states) * units
        return (Kept("input", elements(call.input), 0),
                Kept("gates and states", directions(call) * call["layers"] * steps * per_step))

    return Rule(
        type=kind, family="recurrent", summary=f"{title} over a [T, C] sequence.",
        args=(Arg("units", positive, help="hidden size"),
              Arg("bias", _bias_vectors, True, help="true: two vectors per gate (PyTorch); single: one (Keras LSTM)"),
              Arg("return_sequences", boolean, True, help="false: only the last step, [units]"),
              Arg("bidirectional", boolean, False, help="both directions: twice the figures, 2·units wide"),
              Arg("layers", positive, 1, help="stacked layers (PyTorch's num_layers)")),
        output_shape=_output, params=params, macs=macs, flops=flops,
        flops_rule=(f"2 per MAC, plus per step, layer and direction: {gates} bias additions per unit and "
                    f"bias vector, and {pointwise} element-wise operations per unit"),
        aliases=aliases, saved=saved, fields=_fields,
    )


for _kind in _KINDS:
    register(_rule(_kind))
