"""Shape inference and counting: a `Graph` becomes a `Report`.

Each layer's rule gives per-sample figures; this module only propagates
shapes along the graph, scales by the batch and adds up.
"""

from __future__ import annotations

from .errors import ShapeError
from .gcpause import without_gc
from .graph import Graph, wire_nodes
from .layers import RULES, Call
from .memory import peak_live_elements
from .report import LayerReport, Memory, Report, Totals
from .shapes import elements, fmt


def _apply(node, inputs, graph: Graph) -> Call:
    rule = RULES[node.type]
    try:
        output = tuple(rule.output_shape(Call(node.args, inputs)))
        if not output or min(output) < 1:
            raise ShapeError(f"output shape {fmt(output)} has an empty axis")
    except ShapeError as exc:
        received = " and ".join(fmt(s) for s in inputs)
        raise graph.error(f"layer '{node.name}' ({node.type}): {exc}; received {received}", node) from None
    return Call(node.args, inputs, output)


def _count(node, call: Call, batch: int) -> tuple:
    rule = RULES[node.type]
    params = rule.params(call)
    return call.output, params.learned, params.buffers, rule.macs(call) * batch, rule.flops(call) * batch


@without_gc
def analyze_graph(graph: Graph) -> Report:
    batch = graph.batch
    nodes, sources = wire_nodes(graph)
    # Model input k sits at position -1 - k, counted from the end of the list.
    shapes: list = [None] * len(nodes) + [shape for _, shape in reversed(graph.inputs)]
    # Repeated layers share one args object (see expand.py), so a layer's figures are
    # computed once per distinct (type, arguments, input shapes) and reused.
    known: dict = {}
    layers = []
    for i, node in enumerate(nodes):
        inputs = tuple([shapes[j] for j in sources[i]])
        key = (node.type, id(node.args), inputs)
        figures = known.get(key)
        if figures is None:
            figures = known[key] = _count(node, _apply(node, inputs, graph), batch)
        output, learned, buffers, macs, flops = figures
        shapes[i] = output
        # positional: name, type, inputs, output shape, params, trainable, buffers, MACs, FLOPs, blocks
        layers.append(LayerReport(node.name, node.type, node.inputs, output, learned,
                                  learned if node.trainable else 0, buffers, macs, flops, node.blocks))

    params = sum(layer.params for layer in layers)
    trainable = sum(layer.trainable_params for layer in layers)
    buffers = sum(layer.buffers for layer in layers)
    size = graph.dtype_bytes
    sizes = [elements(layer.output_shape) for layer in layers]
    peak = peak_live_elements(sources, sizes, [elements(shape) for _, shape in graph.inputs])
    memory = Memory(
        params_bytes=(params + buffers) * size,
        activations_bytes=sum(sizes) * batch * size,
        peak_activation_bytes=peak * batch * size,
    )
    totals = Totals(params=params, trainable_params=trainable, non_trainable_params=params - trainable,
                    buffers=buffers, macs=sum(layer.macs for layer in layers),
                    flops=sum(layer.flops for layer in layers), memory=memory)
    return Report(name=graph.name, input=graph.input, batch=batch, dtype=graph.dtype,
                  totals=totals, layers=tuple(layers), inputs=graph.inputs)
