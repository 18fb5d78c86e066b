"""The `fields` stage: receptive field, effective stride and field offset of every layer.

Each rule's field transfer (archcalc.fieldmaps) maps its inputs' fields to its output's; this
module starts from the model inputs, runs the transfers in graph order, and sums each
layer's field up in the figures a report carries. It also finds the zoom-out point: the
first layer with a unit whose field reaches both ends of every input axis.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from .fieldmaps import Field, Span
from .layers import RULES, Call
from .graph import Node

Shape = tuple[int, ...]


class LayerFields(NamedTuple):
    """One layer's fields, per spatial axis of its output in axis order; None where the output
    has no spatial axis, and a None entry for an axis whose units are not followed one by
    one (it merges positions of several input axes, or positions with channels)."""

    receptive_field: tuple[int | None, ...] | None
    effective_stride: tuple[int | float | None, ...] | None
    field_offset: tuple[int | None, ...] | None
    note: str                    # "branches misaligned: …", or ""
    whole_input: bool            # a unit depends on both ends of every input axis
    input_sized: bool            # the field is at least as large as the input along every axis


class FieldsTrace(NamedTuple):
    layers: tuple[LayerFields, ...]
    whole_input_layer: str | None
    input_sized_field_layer: str | None


def input_fields(inputs: Sequence[tuple[str, Shape]]) -> tuple[list[Field], list[int]]:
    """Each model input's field (every position its own unit) and the length of every input
    axis, numbered in order: the spatial axes of each input (all but channels; the one axis of
    a vector or of token ids)."""
    fields: list[Field] = []
    lengths: list[int] = []
    for _, shape in inputs:
        spatial = len(shape) - 1 if len(shape) > 1 else 1
        axes: list[Span | None] = []
        for axis in range(len(shape)):
            if axis < spatial:
                axes.append(Span(len(lengths), 1, (0,), (0,), 1, 1))
                lengths.append(shape[axis])
            else:
                axes.append(None)
        fields.append(Field(tuple(axes)))
    return fields, lengths


class FieldTracer:
    """Runs the field transfers one layer at a time, as the analysis reaches each layer (model
    input k sits at position -1 - k, as in the analysis's own lists)."""

    __slots__ = ("fields", "lengths", "whole_input_layer", "input_sized_field_layer", "_last", "_last_reader")

    def __init__(self, count: int, inputs: Sequence[tuple[str, Shape]],
                 sources: Sequence[tuple[int, ...]] | None = None):
        """With the graph's `sources`, a field is let go once its last reader has run (a
        million-layer chain holds a few fields, not a million); without, all are kept."""
        starts, self.lengths = input_fields(inputs)
        self.fields: list[Field | None] = [*([Field(())] * count), *starts[::-1]]
        self._last_reader: list[int] | None = None
        if sources is not None:
            last = [-1] * count
            for i, reads in enumerate(sources):
                for j in reads:
                    if j >= 0:
                        last[j] = i
            self._last_reader = last
        self.whole_input_layer: str | None = None
        self.input_sized_field_layer: str | None = None
        self._last: tuple[Field, Shape, LayerFields] | None = None

    def step(self, i: int, node: Node, reads: tuple[int, ...], inputs: tuple[Shape, ...], output: Shape) -> LayerFields:
        transfer = RULES[node.type].fields
        assert transfer is not None      # tests/layers/test_rule_fields.py: every rule states one
        fields = self.fields
        field = transfer(Call(node.args, inputs, output), tuple([fields[j] for j in reads]))
        if field.gathered or any(type(e) is Span and not (e.start_step or e.end_step) for e in field.axes):
            field = self._clipped(field)
        fields[i] = field
        if self._last_reader is not None:
            for j in reads:
                if j >= 0 and self._last_reader[j] == i:
                    fields[j] = None
        last = self._last
        if last is not None and last[0] is field and last[1] == output:
            return last[2]            # an activation or a norm after the last layer: its very field
        summary = summarise(field, output, self.lengths, self.whole_input_layer is None,
                            self.input_sized_field_layer is None)
        self._last = (field, output, summary)
        if self.whole_input_layer is None and summary.whole_input:
            self.whole_input_layer = node.name
        if self.input_sized_field_layer is None and summary.input_sized:
            self.input_sized_field_layer = node.name
        return summary


    def _clipped(self, field: Field) -> Field:
        """Positions every unit depends on are real input positions: a hull reaching into the
        padding (a global pool or an attention over a map whose edge fields do) is cut to the
        input, both where it is gathered and where every unit of an axis reads the same positions."""
        lengths = self.lengths
        clipped = tuple((s, max(first, 0), min(last, lengths[s] - 1)) for s, first, last in field.gathered)
        axes = tuple(Span(e.source, 1, (max(e.starts[0], 0),), (min(e.ends[0], lengths[e.source] - 1),), 0, 0)
                     if type(e) is Span and e.period == 1 and not (e.start_step or e.end_step) else e
                     for e in field.axes)
        if clipped == field.gathered and axes == field.axes:
            return field
        return Field(axes, clipped, field.note)


def trace_fields(nodes: Sequence[Node], sources: Sequence[tuple[int, ...]], shapes: Sequence[Shape],
                 inputs: Sequence[tuple[str, Shape]]) -> FieldsTrace:
    """Every layer's fields, given the analysis's wiring and shapes."""
    tracer = FieldTracer(len(nodes), inputs)
    layers = tuple(tracer.step(i, node, sources[i], tuple([shapes[j] for j in sources[i]]), shapes[i])
                   for i, node in enumerate(nodes))
    return FieldsTrace(layers, tracer.whole_input_layer, tracer.input_sized_field_layer)


def _gathered_of(field: Field, source: int) -> tuple[int, int] | None:
    for s, first, last in field.gathered:
        if s == source:
            return first, last
    return None


def _units(span: Span, length: int) -> list[int]:
    """Units where a field's width can be largest: the first and last of each residue (a
    field's ends move linearly along a residue, so its width is extreme at its ends)."""
    out = []
    for r in range(min(span.period, length)):
        out += [r, r + (length - 1 - r) // span.period * span.period]
    return out


def _bounds(span: Span, unit: int, extra: tuple[int, int] | None) -> tuple[int, int]:
    first, last = span.start(unit), span.end(unit)
    if extra is not None:
        first, last = min(first, extra[0]), max(last, extra[1])
    return first, last


def _stride(span: Span) -> int | float:
    q, r = divmod(span.end_step, span.period)
    return q if not r else span.end_step / span.period


def summarise(field: Field, shape: Shape, lengths: Sequence[int], whole_wanted: bool = True,
              sized_wanted: bool = True) -> LayerFields:
    """A layer's figures from its output field; whether it sees the whole input (and has an
    input-sized field) only while that is still wanted (the first such layer is all we keep)."""
    rf: list[int | None] = []
    stride: list[int | float | None] = []
    offset: list[int | None] = []
    widest = [0] * len(lengths)          # per input axis, the widest field of a unit
    covered = [False] * len(lengths)     # per input axis, one unit reaches both ends
    gathered = field.gathered
    for axis, entry in enumerate(field.axes):
        if entry is None:
            continue
        if type(entry) is not Span:
            rf.append(None)
            stride.append(None)
            offset.append(None)
            continue
        extra = _gathered_of(field, entry.source) if gathered else None
        if extra is None and entry.period == 1 and entry.start_step == entry.end_step:
            width, first = entry.ends[0] - entry.starts[0] + 1, entry.starts[0]     # the common case
        else:
            width = max(last - first + 1 for first, last in
                        (_bounds(entry, unit, extra) for unit in _units(entry, shape[axis])))
            first = _bounds(entry, 0, extra)[0]
        rf.append(width)
        stride.append(_stride(entry))
        offset.append(first)
        s = entry.source
        if width > widest[s]:
            widest[s] = width
        if whole_wanted and not covered[s]:
            covered[s] = _reaches_both_ends(entry, shape[axis], extra, lengths[s])
    if gathered:
        spanned = {e.source for e in field.axes if type(e) is Span}
        for s, first, last in gathered:
            widest[s] = max(widest[s], last - first + 1)
            if s not in spanned:
                covered[s] = first <= 0 and last >= lengths[s] - 1
    whole = whole_wanted and bool(lengths) and all(covered)
    sized = sized_wanted and bool(lengths) and all(w >= n for w, n in zip(widest, lengths))
    if not rf:
        return LayerFields(None, None, None, field.note, whole, sized)
    return LayerFields(tuple(rf), tuple(stride), tuple(offset), field.note, whole, sized)


def _reaches_both_ends(span: Span, length: int, extra: tuple[int, int] | None, size: int) -> bool:
    """Whether some unit 0 <= o < length has start(o) <= 0 and end(o) >= size - 1 (with the
    positions every unit reads, `extra`), solved per residue rather than unit by unit."""
    low_ok = extra is not None and extra[0] <= 0
    high_ok = extra is not None and extra[1] >= size - 1
    for r in range(min(span.period, length)):
        last_q = (length - 1 - r) // span.period
        lo_q, hi_q = 0, last_q
        if not low_ok:        # starts[r] + q·start_step <= 0
            lo_q, hi_q = _solve(span.starts[r], span.start_step, lo_q, hi_q)
        if not high_ok:       # ends[r] + q·end_step >= size - 1, i.e. (size - 1 - ends[r]) - q·end_step <= 0
            lo_q, hi_q = _solve(size - 1 - span.ends[r], -span.end_step, lo_q, hi_q)
        if lo_q <= hi_q:
            return True
    return False


def _solve(const: int, coef: int, lo: int, hi: int) -> tuple[int, int]:
    """The q in [lo, hi] with const + q·coef <= 0."""
    if coef == 0:
        return (lo, hi) if const <= 0 else (1, 0)
    if coef > 0:
        return lo, min(hi, (-const) // coef)
    return max(lo, -(-const // -coef)), hi
