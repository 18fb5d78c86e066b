"""Shape inference and counting: a `Graph` becomes a `Report`.

Each layer's rule gives per-sample figures; this module only propagates
shapes along the graph, scales by the batch and adds up.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from .dtypes import Dtypes, nbytes
from .errors import ShapeError
from .fields import FieldTracer
from .gcpause import without_gc
from .graph import Graph, Node, wire_nodes
from .layers import RULES, Call
from .memory import peak_live_elements
from .report import LayerReport, Memory, Report, Totals
from .shapes import Shape, elements, fmt

# The bound on any one tensor: every total stays an exact integer that prints and fits a float.
MAX_ELEMENTS = 2**100

class Figures(NamedTuple):
    """One distinct layer's figures for the batch, before tied, shared or expert weights."""

    output: Shape
    learned: int
    buffers: int
    macs: int
    flops: int
    weight: int | None      # the main weight's elements, for tied_to; None: the rule has none
    weights_read: int       # weight elements one copy of the layer reads for the batch
    moved: int              # bytes one copy moves: weights read, inputs and output (bytes_moved)
    dense_equivalent: int   # in·out + out: a dense layer mapping this layer's input to its output
    reuse: int | float | None       # MACs per weight (the batch's); None without weights
    sharing: int | float | None     # dense_equivalent / own params; None without params
    scores: int = 0         # the score matrix's elements per sample (attention), for --attention eager

class Held(NamedTuple):
    """A node's figures as its weights are held (see `_held`)."""

    learned: int
    buffers: int
    macs: int
    flops: int
    active: int             # params of the copies a token runs

def _apply(node: Node, inputs: tuple[Shape, ...], graph: Graph) -> Call:
    rule = RULES[node.type]
    try:
        output = tuple(rule.output_shape(Call(node.args, inputs)))
        if not output or min(output) < 1:
            raise ShapeError(f"output shape {fmt(output)} has an empty axis")
        if elements(output) > MAX_ELEMENTS:
            raise ShapeError(f"its output would hold more than 2^100 elements per sample ({len(output)} axes)")
    except ShapeError as exc:
        received = " and ".join(fmt(s) for s in inputs)
        raise graph.error(f"layer '{node.name}' ({node.type}): {exc}; received {received}", node) from None
    return Call(node.args, inputs, output)

def _count(node: Node, call: Call, batch: int, dtype: Dtypes) -> Figures:
    rule = RULES[node.type]
    params = rule.params(call)
    weight = rule.weight_elements(call) if rule.weight_elements else None
    held = params.learned + params.buffers
    read = held if rule.weights_read is None else min(held, rule.weights_read(call) * batch)
    tensors = sum(nbytes(elements(shape) * batch, dtype.activations) for shape in (*call.inputs, call.output))
    macs = rule.macs(call)
    out = elements(call.output)
    dense = sum(elements(shape) for shape in call.inputs) * out + out
    # The products of two activations (attention's scores) use no weight: they are not reuse.
    weight_macs = macs - (rule.product_macs(call) if rule.product_macs else 0)
    own = weight or params.learned
    weighted = bool(weight_macs and own)       # sharing is measured on layers whose weights do MACs
    return Figures(call.output, params.learned, params.buffers, macs * batch, rule.flops(call) * batch, weight,
                   read, nbytes(read, dtype.weights) + tensors,
                   dense, _quotient(weight_macs * batch, own) if weighted else None,
                   _quotient(dense, params.learned) if weighted and params.learned else None,
                   rule.scores(call) if rule.scores else 0)

def _quotient(a: int, b: int) -> int | float:
    """a / b, an int when it divides exactly."""
    q, r = divmod(a, b)
    return q if not r else a / b

def _moved(node: Node, figures: Figures, dtype: Dtypes) -> int:
    """Bytes moved by a layer whose weights are held apart (tied, shared or experts): it reads
    the weight it uses whoever owns it, and each of the copies a token runs."""
    runs = node.copies[1]
    if runs == 1:
        return figures.moved
    return figures.moved - nbytes(figures.weights_read, dtype.weights) + nbytes(figures.weights_read * runs,
                                                                                dtype.weights)

def _held(node: Node, figures: Figures) -> Held:
    """A node's figures as its weights are held: a tied weight is the other layer's, a shared
    repetition owns nothing, experts hold E (+ shared) copies and run k (+ shared) of them."""
    learned, buffers = figures.learned, figures.buffers
    if node.tied_to is not None:
        learned -= figures.weight or 0        # a weightless target is refused by _check_ties
    if node.shares is not None:
        learned = buffers = 0
    held, run = node.copies
    return Held(learned * held, buffers * held, figures.macs * run, figures.flops * run, learned * run)

def _check_ties(graph: Graph, nodes: list[Node], weights: dict[str, int | None]) -> None:
    for node in nodes:
        if node.tied_to is None:
            continue
        target = weights.get(node.tied_to, 0)
        if target is None or target == 0:
            raise graph.error(f"layer '{node.name}': tied_to '{node.tied_to}' names a layer without a weight", node)
        if target != weights[node.name]:
            raise graph.error(f"layer '{node.name}': tied_to '{node.tied_to}': that weight has {target:,} "
                              f"elements, this layer's {weights[node.name] or 0:,}", node)

def _totals(graph: Graph, layers: list[LayerReport], sources: list[tuple[int, ...]], active: int,
            tracer: FieldTracer, dense_total: int, dense_params: int, working: Sequence[int] = ()) -> Totals:
    batch = graph.batch
    params = sum(layer.params for layer in layers)
    trainable = sum(layer.trainable_params for layer in layers)
    buffers = sum(layer.buffers for layer in layers)
    held_as, activations = graph.dtype.weights, graph.dtype.activations
    sizes = [elements(layer.output_shape) for layer in layers]
    peak = peak_live_elements(sources, sizes, [elements(shape) for _, shape in graph.inputs], working)
    memory = Memory(
        params_bytes=sum(nbytes(layer.params + layer.buffers, held_as) for layer in layers),
        activations_bytes=sum(nbytes(n * batch, activations) for n in sizes),
        peak_activation_bytes=nbytes(peak * batch, activations),
    )
    return Totals(params=params, trainable_params=trainable, non_trainable_params=params - trainable,
                  buffers=buffers, macs=sum(layer.macs for layer in layers),
                  flops=sum(layer.flops for layer in layers), memory=memory, active_params=active,
                  whole_input_layer=tracer.whole_input_layer,
                  input_sized_field_layer=tracer.input_sized_field_layer,
                  dense_equivalent_params=dense_total,
                  sharing_factor=_quotient(dense_total, dense_params) if dense_params else None)

@without_gc
def analyze_graph(graph: Graph) -> Report:
    batch = graph.batch
    nodes, sources = wire_nodes(graph)
    # Model input k sits at position -1 - k, counted from the end of the list; a node's own
    # slot is filled before any later node reads it (wire_nodes orders them so).
    shapes: list[Shape] = [()] * len(nodes) + [shape for _, shape in reversed(graph.inputs)]
    # Repeated layers share one args object (see expand.py), so a layer's figures are
    # computed once per distinct (type, arguments, input shapes) and reused.
    known: dict[tuple[str, int, tuple[Shape, ...]], Figures] = {}
    layers = []
    active = 0
    weights: dict[str, int | None] = {}          # name -> main weight elements, for checking tied_to
    ties = False
    tracer = FieldTracer(len(nodes), graph.inputs, sources)
    dense_total = dense_params = 0
    # An eager kernel holds, while an attention layer runs, its scores and their softmax.
    working: list[int] | None = [] if graph.attention == "eager" else None
    for i, node in enumerate(nodes):
        inputs = tuple([shapes[j] for j in sources[i]])
        key = (node.type, id(node.args), inputs)
        figures = known.get(key)
        if figures is None:
            figures = known[key] = _count(node, _apply(node, inputs, graph), batch, graph.dtype)
        output = shapes[i] = figures.output
        if node.tied_to is None and node.shares is None and node.copies == (1, 1):
            learned, buffers, macs, flops = figures.learned, figures.buffers, figures.macs, figures.flops
            moved = figures.moved
            active += learned
        else:
            held = _held(node, figures)
            learned, buffers, macs, flops = held.learned, held.buffers, held.macs, held.flops
            active += held.active
            moved = _moved(node, figures, graph.dtype)
            ties = ties or node.tied_to is not None
        weights[node.name] = figures.weight
        seen = tracer.step(i, node, sources[i], inputs, output)
        if figures.reuse is not None and learned:
            dense_total += figures.dense_equivalent
            dense_params += learned
        if working is not None:
            working.append(2 * figures.scores * node.copies[1])
        layers.append(LayerReport(
            name=node.name, type=node.type, inputs=node.inputs, output_shape=output, params=learned,
            trainable_params=learned if node.trainable else 0, buffers=buffers, macs=macs, flops=flops,
            blocks=node.blocks, tied_to=node.tied_to, receptive_field=seen.receptive_field,
            effective_stride=seen.effective_stride, field_offset=seen.field_offset, fields_note=seen.note,
            weight_reuse=figures.reuse, dense_equivalent_params=figures.dense_equivalent,
            sharing_factor=figures.sharing, bytes_moved=moved))
    if ties:
        _check_ties(graph, nodes, weights)

    totals = _totals(graph, layers, sources, active, tracer, dense_total, dense_params, working or ())
    return Report(name=graph.name, input=graph.input, batch=batch, dtype=graph.dtype,
                  totals=totals, layers=tuple(layers), inputs=graph.inputs, attention=graph.attention)
