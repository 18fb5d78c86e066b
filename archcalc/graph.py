"""The layer graph: checks names and edges, and orders layers for execution."""

from __future__ import annotations

import heapq

from .spec import MODEL_INPUT, Node, Spec


def order_nodes(spec: Spec) -> list[Node]:
    """The nodes in an order where every input runs first, keeping the spec's
    order wherever the edges allow (it is the order peak memory assumes).

    Raises SpecError on a duplicate name or a cycle.
    """
    return wire_nodes(spec)[0]


def wire_nodes(spec: Spec) -> tuple[list[Node], list[tuple[int, ...]]]:
    """`order_nodes`, and for each ordered node the positions of its inputs in that
    order (-1 for the model input), so later passes index lists instead of names."""
    nodes = spec.nodes
    index = {}
    for i, node in enumerate(nodes):
        if node.name in index or node.name == MODEL_INPUT:
            raise spec.source.error(f"duplicate layer name '{node.name}'", node.path)
        index[node.name] = i

    index[MODEL_INPUT] = -1
    sources = [tuple(index[name] for name in node.inputs) for node in nodes]
    # The common case: every input is written before its consumer, so the spec's order is it.
    if all(max(inputs) < i for i, inputs in enumerate(sources)):
        return list(nodes), sources

    waiting = [0] * len(nodes)
    consumers: list[list[int]] = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        for j in set(sources[i]):
            if j >= 0:
                waiting[i] += 1
                consumers[j].append(i)

    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(nodes[i])
        for j in consumers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) < len(nodes):
        stuck = {i for i, n in enumerate(waiting) if n}
        cycle = _find_cycle(nodes, index, stuck)
        first = nodes[index[cycle[0]]]
        raise spec.source.error("cycle in layer inputs: " + " -> ".join([*cycle, cycle[0]]), first.path)
    position = {node.name: k for k, node in enumerate(order)}
    position[MODEL_INPUT] = -1
    return order, [tuple(position[name] for name in node.inputs) for node in order]


def _find_cycle(nodes, index, stuck) -> list[str]:
    """Walk input edges among stuck nodes until one repeats: that loop is a cycle."""
    i = min(stuck)
    seen: list[int] = []
    while i not in seen:
        seen.append(i)
        i = next(index[n] for n in nodes[i].inputs if n != MODEL_INPUT and index[n] in stuck)
    loop = seen[seen.index(i):]
    return [nodes[j].name for j in reversed(loop)]
