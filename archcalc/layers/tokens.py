"""Token layers of vision transformers on [T, C] sequences: class token, position embedding, take."""

from __future__ import annotations

from ..shapes import Shape
from ..args import Arg, any_integer, optional, positive
from ..errors import ShapeError
from .registry import Call, Params, PositionLimit, Rule, keeps_nothing, one_flop_per_output, register, zero
from ..fieldmaps import Field, Span, hull, join_hulls, moved, unchanged, window


def _sequence(call: Call) -> Shape:
    if len(call.input) != 2:
        raise ShapeError("expects a [T, C] sequence")
    return call.input


def _class_token_output(call: Call) -> Shape:
    steps, channels = _sequence(call)
    return (steps + 1, channels)


def _take_output(call: Call) -> Shape:
    steps, channels = _sequence(call)
    if not -steps <= call["index"] < steps:
        raise ShapeError(f"index {call['index']} is outside the {steps} tokens")
    return (channels,)


register(Rule(
    type="class_token", family="tokens",
    summary="Prepends one learned token: [T, C] to [T + 1, C] (ViT's class token).",
    output_shape=_class_token_output, params=lambda call: Params(call.input[-1]),
    macs=zero("a copy"), flops=zero("a copy"), saved=keeps_nothing("a concatenation"),
    fields=lambda call, inputs: moved(inputs[0], {0: window(1, 1, 1)}),   # token t + 1 is input t
))

def _positions(call: Call) -> Shape:
    steps, _ = _sequence(call)
    limit = call["max_positions"]
    if limit is not None and steps > limit:
        raise ShapeError(f"{steps} positions are more than the table's max_positions {limit}")
    return call.input


def _rows(call: Call) -> int:
    return call["max_positions"] if call["max_positions"] is not None else call.input[0]


def _table(call: Call) -> Params:
    return Params(_rows(call) * call.input[-1])


def _limit(call: Call) -> PositionLimit:
    if call["max_positions"] is None:
        return PositionLimit(_rows(call), learned=True, source="no max_positions: as many rows as the input's T")
    return PositionLimit(_rows(call), learned=True, source=f"max_positions: {call['max_positions']}")


register(Rule(
    type="position_embedding", family="tokens",
    summary="Adds rows of a learned position table to a [T, C] sequence (ViT, GPT-2, BERT).",
    args=(Arg("max_positions", optional(positive), None,
              help="rows of the table (default: T); the first T are used"),),
    output_shape=_positions, params=_table, position_limit=_limit,
    weights_read=lambda call: call.input[0] * call.input[-1],        # the first T rows
    macs=zero("an element-wise addition"), flops=one_flop_per_output, flops_rule="1 per output element (the addition)",
    saved=keeps_nothing("an addition"), fields=unchanged,
))

def _take_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """One token: its field becomes what the whole output depends on."""
    field, steps = inputs[0], call.input[0]
    entry, index = field.axes[0], call["index"] % steps
    if isinstance(entry, Span):
        taken: tuple[tuple[int, int, int], ...] = ((entry.source, entry.start(index), entry.end(index)),)
    else:
        taken = hull(entry, steps) if entry is not None else ()
    return Field(field.axes[1:], join_hulls(field.gathered, taken))


register(Rule(
    type="take", family="tokens",
    summary="One token of a [T, C] sequence: [C] (e.g. the class token, index 0).",
    args=(Arg("index", any_integer, 0, help="token position; negative counts from the end"),),
    output_shape=_take_output, params=zero("no weights"), macs=zero("it only moves data"), flops=zero("it only moves data"),
    saved=keeps_nothing("it only moves data"), fields=_take_fields,
))
