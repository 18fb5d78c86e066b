"""Receptive fields, the records and the small algebra each rule's field transfer uses.

A tensor's `Field` says, for each of its axes, which positions of the model's input axes a
unit along that axis depends on. A unit is one position with all its channels (a pixel of a
feature map, a token of a sequence). Along a spatial axis the field of unit o is the interval
[start(o), end(o)] of one input axis (a `Span`), periodic: every `period` units, starts and
ends move by a fixed number of input positions, so one short table describes a whole axis
and fractional strides (upsampling, transposed convolutions) stay exact. Fields are not
clipped to the input: a field that reaches into padding starts below 0 (the convention of
published receptive-field tables). `gathered` holds, per input axis, the positions every
unit depends on (after a global pool, an attention, a flatten into a dense layer).

A rule's field transfer is a function (call, input fields) -> output field, built from the
helpers below; docs/layers.md states each type's rule in words.
"""

from __future__ import annotations

from math import gcd
from typing import TYPE_CHECKING, Callable, NamedTuple, Sequence

from .shapes import resolve_padding

if TYPE_CHECKING:        # the rules import this module: their Call only for the annotations
    from .layers.registry import Call

# Beyond this many units in one period an axis is not tracked unit by unit (a roll of a
# 10^6-long axis, say): its entry becomes Folded, reported as null.
MAX_PERIOD = 4096


class Span(NamedTuple):
    """Along one tensor axis: unit o depends on input positions [start(o), end(o)] of input
    axis `source`, where start(o + period) = start(o) + start_step (ends likewise)."""

    source: int
    period: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    start_step: int
    end_step: int

    def start(self, unit: int) -> int:
        q, r = divmod(unit, self.period)
        return self.starts[r] + q * self.start_step

    def end(self, unit: int) -> int:
        q, r = divmod(unit, self.period)
        return self.ends[r] + q * self.end_step


class Folded(NamedTuple):
    """An axis whose units mix positions of several input axes, or positions with channels
    (a flatten, a reshape of H×W into tokens): only the hull over all its units is known,
    as (source, first, last) per input axis. Reported as null."""

    hulls: tuple[tuple[int, int, int], ...]


Entry = Span | Folded | None          # None: a channel (feature) axis


class Field(NamedTuple):
    axes: tuple[Entry, ...]                              # one entry per tensor axis
    gathered: tuple[tuple[int, int, int], ...] = ()      # (source, first, last): every unit's
    note: str = ""                                       # "branches misaligned: …" on a merge


class Map(NamedTuple):
    """A layer's own dependency along one axis, in units of its input axis: output unit o
    reads input units [start(o), end(o)] (the same periodic form as a Span)."""

    period: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    start_step: int
    end_step: int

    def start(self, unit: int) -> int:
        q, r = divmod(unit, self.period)
        return self.starts[r] + q * self.start_step

    def end(self, unit: int) -> int:
        q, r = divmod(unit, self.period)
        return self.ends[r] + q * self.end_step


Transfer = Callable[..., Field]        # (call, inputs: tuple[Field, ...]) -> Field


# -- maps a rule builds ---------------------------------------------------------------------

def window(kernel: int, stride: int, before: int, dilation: int = 1) -> Map:
    """A sliding window: unit o reads [o·stride − before, o·stride − before + (kernel − 1)·dilation]."""
    return Map(1, (-before,), (-before + (kernel - 1) * dilation,), stride, stride)


def fixed(first: int, last: int) -> Map:
    """Every unit reads the same input units (the whole axis: an attention, a recurrence)."""
    return Map(1, (first,), (last,), 0, 0)


def tabulated(period: int, bounds: Sequence[tuple[int, int]], advance: int) -> Map:
    """A map given unit by unit over one period: (first, last) input unit of each."""
    return Map(period, tuple(b[0] for b in bounds), tuple(b[1] for b in bounds), advance, advance)


def sliding_maps(call: Call, axes: int, stride_of: Callable[[Call], tuple[int, ...]] | None = None,
                 dilated: bool = True) -> tuple[Map, ...]:
    """The windows of a convolution or pooling over the first `axes` axes, from its arguments."""
    args = call.args
    lengths = call.input[:axes]
    kernels = args["kernel"]
    strides = stride_of(call) if stride_of else args["stride"]
    dilations = args["dilation"] if dilated else (1,) * axes
    pads = resolve_padding(args["padding"], lengths, kernels, strides, dilations)
    return tuple(window(k, s, before, d) for k, s, (before, _), d in zip(kernels, strides, pads, dilations))


# -- the algebra ----------------------------------------------------------------------------

def _lcm(a: int, b: int) -> int:
    return a * b // gcd(a, b)


def compose(span: Span, layer: Map) -> Span | Folded:
    """The field of a layer's output units: its map's input units, through `span`."""
    period = span.period
    if period == 1 and layer.period == 1:       # most layers: plain windows over plain fields
        return Span(span.source, 1, (span.starts[0] + layer.starts[0] * span.start_step,),
                    (span.ends[0] + layer.ends[0] * span.end_step,), span.start_step * layer.start_step,
                    span.end_step * layer.end_step)

    def need(step: int) -> int:
        return layer.period * period // gcd(step, period)
    units = _lcm(need(layer.start_step), need(layer.end_step))
    if units > MAX_PERIOD:
        return Folded(((span.source,) + _hull_of_units(span, layer.start(0), layer.end(units - 1)),))
    starts = tuple(span.start(layer.start(o)) for o in range(units))
    ends = tuple(span.end(layer.end(o)) for o in range(units))
    return Span(span.source, units, starts, ends, span.start(layer.start(units)) - starts[0],
                span.end(layer.end(units)) - ends[0])


def _hull_of_units(span: Span, first: int, last: int) -> tuple[int, int]:
    """The input positions units first..last of `span` depend on together."""
    lows, highs = [], []
    for unit in {first, last, *range(first, min(last, first + span.period) + 1),
                 *range(max(first, last - span.period), last + 1)}:
        lows.append(span.start(unit))
        highs.append(span.end(unit))
    return min(lows), max(highs)


def hull(entry: Span | Folded, length: int) -> tuple[tuple[int, int, int], ...]:
    """(source, first, last) of everything the `length` units of an axis depend on."""
    if isinstance(entry, Folded):
        return entry.hulls
    return ((entry.source,) + _hull_of_units(entry, 0, length - 1),)


def join_hulls(*groups: Sequence[tuple[int, int, int]]) -> tuple[tuple[int, int, int], ...]:
    merged: dict[int, tuple[int, int]] = {}
    for group in groups:
        for source, first, last in group:
            old = merged.get(source)
            merged[source] = (first, last) if old is None else (min(old[0], first), max(old[1], last))
    return tuple((s, a, b) for s, (a, b) in sorted(merged.items()))


def moved(field: Field, maps: dict[int, Map]) -> Field:
    """`field` with axis k's units read through maps[k] (a window, an upsampling, a slice)."""
    axes = list(field.axes)
    for axis, layer in maps.items():
        entry = axes[axis]
        if isinstance(entry, Span):
            axes[axis] = compose(entry, layer)
    return Field(tuple(axes), field.gathered)


def gathered(field: Field, axes: Sequence[int], lengths: Sequence[int], keep: bool = False) -> Field:
    """Every unit now depends on all units of `axes` (of the given lengths): a global pool or a
    flatten-and-dense. The axes are dropped, or with `keep`, stay as channel-like axes."""
    hulls = [hull(entry, n) for axis, n in zip(axes, lengths) if (entry := field.axes[axis]) is not None]
    chosen = set(axes)
    rest = tuple(None if i in chosen else e for i, e in enumerate(field.axes) if keep or i not in chosen)
    return Field(rest, join_hulls(field.gathered, *hulls))


def spread(field: Field, axes: Sequence[int], lengths: Sequence[int]) -> Field:
    """Every unit along `axes` depends on all of them, the axes staying (self-attention, a
    normalisation over positions): a Span becomes the constant hull of its units."""
    out = list(field.axes)
    extra = []
    for axis, n in zip(axes, lengths):
        entry = out[axis]
        if isinstance(entry, Span):
            (source, first, last), = hull(entry, n)
            out[axis] = Span(source, 1, (first,), (last,), 0, 0)
        elif isinstance(entry, Folded):
            extra.append(entry.hulls)
    return Field(tuple(out), join_hulls(field.gathered, *extra))


def folded(field: Field, lengths: Sequence[int], out_rank: int, keep: int = 0) -> Field:
    """A reshape that keeps its first `keep` axes and merges the rest into `out_rank - keep`
    axes: the merged positions go to the first new axis as a Folded entry (or nowhere when
    none are positional)."""
    hulls = join_hulls(*(hull(e, n) for e, n in zip(field.axes[keep:], lengths[keep:]) if e is not None))
    new: list[Entry] = [None] * (out_rank - keep)
    if hulls and new:
        new[0] = Folded(hulls)
    return Field(field.axes[:keep] + tuple(new), field.gathered if new else join_hulls(field.gathered, hulls))


def unchanged(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Element by element: every output unit depends on the same unit of its input."""
    field = inputs[0]
    return field._replace(note="") if field.note else field


def mixes_last_axis(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Acts on the last axis (dense, layer norm, softmax): the last axis is usually channels,
    and when it holds positions (a flattened image, a vector input) they are gathered."""
    field = inputs[0]
    last = len(field.axes) - 1
    if field.axes[last] is None:
        return unchanged(call, inputs)
    return gathered(field, (last,), (call.input[last],), keep=True)


def over_positions(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Every unit depends on every position (global pooling): spatial axes dropped, channels kept."""
    field = inputs[0]
    shape = call.input
    spatial = range(len(shape) - 1)
    return gathered(field, spatial, [shape[i] for i in spatial])


def spread_over_positions(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Every unit depends on every position, the shape unchanged (group and instance norm)."""
    shape = call.input
    spatial = range(len(shape) - 1)
    return spread(inputs[0], spatial, [shape[i] for i in spatial])


def sliding(axes: int, stride_of: Callable[[Call], tuple[int, ...]] | None = None,
            dilated: bool = True) -> Transfer:
    """A window over the first `axes` axes, channels mixed or not (convolution, pooling)."""
    def transfer(call: Call, inputs: tuple[Field, ...]) -> Field:
        maps = sliding_maps(call, axes, stride_of, dilated)
        return moved(inputs[0], dict(enumerate(maps)))
    return transfer


# -- joins ----------------------------------------------------------------------------------

def _stride_words(span: Span) -> str:
    q, r = divmod(span.end_step, span.period)
    return str(q) if not r else f"{span.end_step}/{span.period}"


def _join_spans(spans: list[Span], length: int) -> tuple[Span, str]:
    """The union of branches' fields, unit by unit, and what disagrees ("" when they agree):
    the distance between neighbours' fields (the stride we report), or unit 0's centre."""
    first = spans[0]
    if all(s == first for s in spans):
        return first, ""
    note = ""
    if any(s.end_step * first.period != first.end_step * s.period for s in spans):
        strides = sorted({_stride_words(s) for s in spans}, key=lambda w: (len(w), w))
        note = "branches misaligned: strides " + " and ".join(strides)
    else:
        centres = sorted({s.start(0) + s.end(0) for s in spans})
        if len(centres) > 1:
            note = "branches misaligned: field centres " + " and ".join(_half(c) for c in centres)
    period = first.period
    for s in spans[1:]:
        period = _lcm(period, s.period)
    if all(s.start_step * first.period == first.start_step * s.period for s in spans) and not note.startswith(
            "branches misaligned: strides"):
        starts = tuple(min(s.start(o) for s in spans) for o in range(period))
        ends = tuple(max(s.end(o) for s in spans) for o in range(period))
        scale = period // first.period
        return Span(first.source, period, starts, ends, first.start_step * scale, first.end_step * scale), note
    return _tabulated_union(spans, length, period), note


def _tabulated_union(spans: list[Span], length: int, period: int) -> Span:
    """A union whose ends move at different rates per branch (a residual around a causal
    attention: [t, t] and [0, t]). Along each residue of the common period every branch's
    start is linear, so where one branch is lowest at the first and the last unit of the
    axis it is lowest throughout: when that holds with one rate for every residue (it usually
    does), the union keeps the periodic form; otherwise it is written out unit by unit."""
    n = max(length, 1)
    last_q = max((n - 1) // period, 0)
    starts, ends, start_steps, end_steps = [], [], set(), set()
    for r in range(period):
        low = [s for s in spans if all(s.start(r + q * period) <= t.start(r + q * period)
                                       for t in spans for q in (0, last_q))]
        high = [s for s in spans if all(s.end(r + q * period) >= t.end(r + q * period)
                                        for t in spans for q in (0, last_q))]
        if not low or not high:
            break
        starts.append(low[0].start(r))
        ends.append(high[0].end(r))
        start_steps.add(low[0].start(r + period) - low[0].start(r))
        end_steps.add(high[0].end(r + period) - high[0].end(r))
    else:
        if len(start_steps) == len(end_steps) == 1:
            return Span(spans[0].source, period, tuple(starts), tuple(ends), start_steps.pop(), end_steps.pop())
    table_starts = [min(s.start(o) for s in spans) for o in range(n + 1)]
    table_ends = [max(s.end(o) for s in spans) for o in range(n + 1)]
    return Span(spans[0].source, n, tuple(table_starts[:n]), tuple(table_ends[:n]),
                table_starts[n] - table_starts[0], table_ends[n] - table_ends[0])


def _half(twice: int) -> str:
    return str(twice // 2) if twice % 2 == 0 else f"{twice / 2:g}"


def join(fields: Sequence[Field], shapes: Sequence[tuple[int, ...]], out: tuple[int, ...],
         concat_axis: int | None = None) -> Field:
    """The field of an element-wise join (add, multiply; broadcasting from the right) or a
    concatenation: each unit depends on the union of its branches' units."""
    rank = len(out)
    axes: list[Entry] = []
    extra: list[Sequence[tuple[int, int, int]]] = [f.gathered for f in fields]
    notes = []
    for axis in range(rank):
        entries: list[Span | Folded] = []
        for field, shape in zip(fields, shapes):
            at = axis - (rank - len(shape))
            if at < 0 or field.axes[at] is None:
                continue
            entry = field.axes[at]
            assert entry is not None
            if shape[at] == 1 and out[axis] != 1:          # broadcast: one unit for all
                extra.append(hull(entry, 1))
            else:
                entries.append(entry)
        if not entries:
            axes.append(None)
        elif axis == concat_axis or any(isinstance(e, Folded) for e in entries) \
                or len({e.source for e in entries if isinstance(e, Span)}) > 1:
            axes.append(Folded(join_hulls(*(hull(e, out[axis]) for e in entries))))
        else:
            span, note = _join_spans([e for e in entries if isinstance(e, Span)], out[axis])
            axes.append(span)
            if note:
                notes.append(note)
    return Field(tuple(axes), join_hulls(*extra), "; ".join(dict.fromkeys(notes)))


def untracked(field: Field, axes: Sequence[int], lengths: Sequence[int]) -> Field:
    """Axes whose units are not followed one by one: only their hulls are kept (Folded)."""
    out = list(field.axes)
    for axis, n in zip(axes, lengths):
        entry = out[axis]
        if entry is not None:
            out[axis] = Folded(hull(entry, n))
    return Field(tuple(out), field.gathered)


def joined(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Element-wise joins (add, subtract, multiply with broadcasting): the union of the inputs'."""
    return join(inputs, call.inputs, call.output)


def causal(window: int | None = None) -> Map:
    """Unit t reads units 0..t (a causal attention or a forward recurrence), or only the last
    `window` of them (a sliding window)."""
    if window is None:
        return Map(1, (0,), (0,), 0, 1)
    return Map(1, (1 - window,), (0,), 1, 1)
