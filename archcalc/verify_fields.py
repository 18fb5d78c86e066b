"""`archcalc verify --fields`: every layer's receptive field against the reference's exact
dependency sets (archcalc/reference/fields.py), position by position.

The analysis's fields are not clipped to the input (a field may start in the padding); the
reference's sets are exact, so they are compared for every output position whose analysed
field lies inside the input: there, its first and last input position must be the set's
smallest and largest. Positions that read no input at all (padding added by a layer, a class
token) are left out: the analysis gives them the field its periodic form extends to them. Run it at an input large enough that deep layers have such positions
(the test suite scales each shipped spec's input so they do)."""

from __future__ import annotations

from typing import NamedTuple

from .fieldmaps import Field, Folded, Span
from .fields import FieldTracer
from .graph import Graph, wire_nodes


class FieldCheck(NamedTuple):
    name: str
    type: str
    compared: int                 # output positions (per axis) and hulls compared
    problems: tuple[str, ...]     # where the analysis and the reference disagree

    @property
    def agrees(self) -> bool:
        return not self.problems


class FieldsVerification(NamedTuple):
    name: str
    input: tuple[int, ...]
    checks: tuple[FieldCheck, ...]
    whole_input_layer: str | None             # the analysis's
    reference_whole_input_layer: str | None   # from the exact sets

    @property
    def agrees(self) -> bool:
        return all(c.agrees for c in self.checks) and self.whole_input_layer == self.reference_whole_input_layer


def _low(bits: int) -> int:
    return (bits & -bits).bit_length() - 1


def _high(bits: int) -> int:
    return bits.bit_length() - 1


def verify_fields(graph: Graph) -> FieldsVerification:
    from .analysis import analyze_graph
    from .reference.fields import run_dependencies
    from .reference import fields_mixing  # noqa: F401  (registers the joining kernels)
    report = analyze_graph(graph)
    nodes, sources = wire_nodes(graph)
    shapes = [layer.output_shape for layer in report.layers] + [shape for _, shape in reversed(graph.inputs)]
    tracer = FieldTracer(len(nodes), graph.inputs)
    for i, node in enumerate(nodes):
        tracer.step(i, node, sources[i], tuple([shapes[j] for j in sources[i]]), shapes[i])
    deps = run_dependencies(nodes, sources, shapes, graph.inputs)
    lengths = tracer.lengths
    checks = []
    reference_whole = None
    done: dict[tuple[int, int], FieldCheck] = {}      # (field, dependency sets) objects compared already
    for i, node in enumerate(nodes):
        # A layer that passes its input's field on (an activation, a norm) hands on the very same
        # objects on both sides: its comparison is its input's.
        field = tracer.fields[i]
        assert field is not None          # made without `sources`, the tracer keeps every field
        key = (id(field), id(deps[i]))
        earlier = done.get(key)
        if earlier is None:
            problems: list[str] = []
            compared = _compare(field, deps[i], shapes[i], lengths, problems)
            earlier = done[key] = FieldCheck(node.name, node.type, compared, tuple(problems[:5]))
        checks.append(earlier._replace(name=node.name, type=node.type))
        if reference_whole is None and _whole_input(deps[i], lengths):
            reference_whole = node.name
    return FieldsVerification(graph.name, graph.input, tuple(checks), report.totals.whole_input_layer,
                              reference_whole)


def _compare(field: Field, dep, shape, lengths, problems: list[str]) -> int:
    from .reference.fields import Merged, Positions
    compared = 0
    extra = {s: (a, b) for s, a, b in field.gathered}
    if len(field.axes) != len(dep.axes):
        problems.append(f"{len(field.axes)} axes analysed, {len(dep.axes)} in the reference")
        return 0
    for axis, (mine, theirs) in enumerate(zip(field.axes, dep.axes)):
        if mine is None or theirs is None:
            if (mine is None) != (theirs is None):
                problems.append(f"axis {axis}: {'channels' if mine is None else 'positions'} analysed, "
                                f"{'channels' if theirs is None else 'positions'} in the reference")
            continue
        if isinstance(mine, Span) and isinstance(theirs, Positions):
            if mine.source != theirs.source:
                problems.append(f"axis {axis}: input axis {mine.source} analysed, {theirs.source} in the reference")
                continue
            size, also = lengths[mine.source], extra.get(mine.source)
            every = dep.every.get(mine.source, 0)
            for o in range(shape[axis]):
                first, last = mine.start(o), mine.end(o)
                if also is not None:
                    first, last = min(first, also[0]), max(last, also[1])
                bits = theirs.sets[o] | every
                # Outside the input, or a position that reads no input at all (padding, a class
                # token), whose field the analysis extends from its neighbours': not compared.
                if first < 0 or last > size - 1 or not bits:
                    continue
                compared += 1
                if (_low(bits), _high(bits)) != (first, last):
                    problems.append(f"axis {axis} position {o}: field [{first}, {last}] analysed, "
                                    f"{_words(bits)} in the reference")
        elif isinstance(mine, Folded) and isinstance(theirs, Merged):
            compared += _compare_hulls(mine.hulls, theirs.sets, lengths, problems, f"axis {axis}")
        else:
            problems.append(f"axis {axis}: {type(mine).__name__} analysed, {type(theirs).__name__} in the reference")
    compared += _compare_hulls(field.gathered, dep.every, lengths, problems, "every position's")
    return compared


def _compare_hulls(hulls, sets, lengths, problems: list[str], what: str) -> int:
    compared = 0
    mine = {s: (a, b) for s, a, b in hulls}
    for source in sorted(set(mine) | set(sets)):
        if source not in mine or source not in sets:
            problems.append(f"{what} input axis {source}: only in the {'reference' if source in sets else 'analysis'}")
            continue
        # A hull over many positions is cut to the input: its ends are read unless the
        # positions at the edge are skipped (which the comparison would then show).
        first, last = max(mine[source][0], 0), min(mine[source][1], lengths[source] - 1)
        compared += 1
        if (_low(sets[source]), _high(sets[source])) != (first, last):
            problems.append(f"{what} input axis {source}: [{first}, {last}] analysed, "
                            f"{_words(sets[source])} in the reference")
    return compared


def _words(bits: int) -> str:
    return "nothing" if not bits else f"[{_low(bits)}, {_high(bits)}]"


def _whole_input(dep, lengths) -> bool:
    from .reference.fields import Positions
    if not lengths:
        return False
    for source, size in enumerate(lengths):
        ends = 1 | (1 << (size - 1))
        every = dep.every.get(source, 0)
        positioned = [e for e in dep.axes if isinstance(e, Positions) and e.source == source]
        if positioned:
            if not any((bits | every) & ends == ends for e in positioned for bits in e.sets):
                return False
        elif every & ends != ends:
            return False
    return True
