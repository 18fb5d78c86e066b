"""The graph's layers in execution order with their rules and calls, rebuilt from a Report."""

from __future__ import annotations

from typing import Iterator, NamedTuple

from ..graph import Graph, Node, wire_nodes
from ..layers import RULES, Call
from ..layers.registry import Rule
from ..report import LayerReport, Report


class Step(NamedTuple):
    node: Node
    rule: Rule
    call: Call               # per-sample input and output shapes
    row: LayerReport
    sources: tuple[int, ...]  # positions of its inputs (-1 - k: model input k)


def walk(graph: Graph, report: Report) -> Iterator[Step]:
    nodes, sources = wire_nodes(graph)
    shapes = [row.output_shape for row in report.layers] + [shape for _, shape in reversed(graph.inputs)]
    for i, (node, row) in enumerate(zip(nodes, report.layers)):
        inputs = tuple(shapes[j] for j in sources[i])
        yield Step(node, RULES[node.type], Call(node.args, inputs, row.output_shape), row, sources[i])
