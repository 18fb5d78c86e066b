"""Embedding tables: integer ids in, vectors out."""

from __future__ import annotations

from ..args import Arg, positive
from ..shapes import Shape, elements
from .registry import INDEX_BYTES, Call, Kept, Params, Rule, register, zero
from ..fieldmaps import Field


def _output(call: Call) -> Shape:
    return call.input + (call["dim"],)


def _params(call: Call) -> Params:
    return Params(call["vocab"] * call["dim"])


register(Rule(
    type="embedding", family="embedding",
    summary="Lookup table: [T] ids to [T, dim] vectors.",
    args=(Arg("vocab", positive, help="number of ids"), Arg("dim", positive, help="vector size")),
    output_shape=_output, params=_params, macs=zero("a table lookup, no products"),
    flops=zero("a table lookup"), weight_elements=lambda call: call["vocab"] * call["dim"],
    weights_read=lambda call: elements(call.input) * call["dim"],     # the rows of its ids
    aliases=("Embedding",),
    saved=lambda call: (Kept("ids", elements(call.input), 0, bytes=INDEX_BYTES),),   # int64, as PyTorch keeps them
    fields=lambda call, inputs: Field(inputs[0].axes + (None,), inputs[0].gathered),   # a vector per id
))
