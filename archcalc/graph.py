"""The layer graph: the one thing every front door produces and every analysis reads.

A front door (YAML spec, ONNX, Hugging Face config, Keras JSON) turns a file
into a frozen `Graph`. Nothing after it knows where the graph came from,
except through `Graph.origin`, which turns a node's opaque `where` into a
located error (`FILE:LINE:COL: …` for YAML, `FILE: node 'x': …` for a model file).
"""

from __future__ import annotations

import heapq
from typing import Any, Mapping, NamedTuple, Protocol

from .dtypes import Dtypes
from .errors import SpecError

MODEL_INPUT = "input"        # the name of a one-input model's input

MAX_BATCH = 2**31       # with at most 2^62 elements a tensor, totals stay far inside a float's range



class Origin(Protocol):
    """Where a graph came from: the file name for messages, and how to place a `where`."""

    @property
    def file(self) -> str: ...

    def error(self, message: str, where: Any = None) -> SpecError: ...


class PlainOrigin:
    """An origin that knows only a name: a mapping built in Python, for instance."""

    __slots__ = ("file",)

    def __init__(self, file: str = "<spec>"):
        self.file = file

    def error(self, message: str, where: Any = None) -> SpecError:
        return SpecError(message, self.file)


# Node and Graph are NamedTuples, not dataclasses: immutable all the same, and they cost
# nothing at import (every command imports them) nor at creation (a node per layer).
class Node(NamedTuple):
    """One layer after block expansion.

    `name` is fully scoped (`layer1.0.c1`); `type` is canonical; `args` are bound by the
    type's rule; `inputs` are node names or model input names; `blocks` lists the enclosing
    block uses as (full use name, block type), outermost first; `where` is opaque to all
    but the front door that made it (its origin places it in errors).
    """

    name: str
    type: str
    args: Mapping[str, Any]
    inputs: tuple[str, ...]
    trainable: bool = True
    blocks: tuple[tuple[str, str], ...] = ()
    where: Any = None
    tied_to: str | None = None         # uses that node's weight: its own counts 0 params
    shares: str | None = None          # a repetition of that node with the same weights (`shared: true`)
    copies: tuple[int, int] = (1, 1)   # experts: (copies held, copies run per token)


# The attention kernels `--attention` chooses between. Left unset, inference is costed as a
# fused kernel runs it (the score matrix never held) and training as PyTorch's standard
# modules run it (the probabilities kept for the backward pass): `eager` holds the scores at
# inference too, `flash` keeps only the softmax statistics for training.
ATTENTION = ("eager", "flash")


class Graph(NamedTuple):
    name: str
    inputs: tuple[tuple[str, tuple[int, ...]], ...]     # (name, shape) in order
    nodes: tuple[Node, ...]
    batch: int = 1
    dtype: Dtypes = Dtypes()
    budget: Mapping[str, Any] = {}
    origin: Origin = PlainOrigin()
    notes: tuple[str, ...] = ()           # said to the user (e.g. an importer's remarks)
    warnings: tuple[str, ...] = ()        # likely mistakes that do not stop the analysis
    context: int | None = None            # `workload: {context: T}`: tokens cached when decoding
    attention: str | None = None          # the attention kernel assumed: None, "eager" or "flash" (ATTENTION)

    @property
    def input(self) -> tuple[int, ...]:
        """The first input's shape (the only one of most models)."""
        return self.inputs[0][1]

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.inputs)

    def with_input(self, shape: tuple[int, ...]) -> "Graph":
        """The same graph with its first input resized (scale, verify --input)."""
        first, *rest = self.inputs
        return self._replace(inputs=((first[0], tuple(shape)), *rest))

    def with_settings(self, *, batch: int | None = None, dtype: Dtypes | None = None,
                      attention: str | None = None) -> "Graph":
        return self._replace(batch=self.batch if batch is None else batch,
                             dtype=self.dtype if dtype is None else dtype,
                             attention=self.attention if attention is None else attention)

    def error(self, message: str, node: Node | None = None) -> SpecError:
        return self.origin.error(message, None if node is None else node.where)


def order_nodes(graph: Graph) -> list[Node]:
    """The nodes in an order where every input runs first, keeping the spec's
    order wherever the edges allow (it is the order peak memory assumes).

    Raises SpecError on a duplicate name or a cycle.
    """
    return wire_nodes(graph)[0]


def wire_nodes(graph: Graph) -> tuple[list[Node], list[tuple[int, ...]]]:
    """`order_nodes`, and for each ordered node the positions of its inputs in that
    order; model input k is position -1 - k, so later passes index lists instead of names."""
    nodes = graph.nodes
    index: dict[str, int] = {}
    for k, name in enumerate(graph.input_names):
        index[name] = -1 - k
    for i, node in enumerate(nodes):
        if node.name in index:
            raise graph.error(f"duplicate layer name '{node.name}'", node)
        index[node.name] = i

    try:
        sources = [tuple([index[name] for name in node.inputs]) for node in nodes]
    except KeyError as exc:
        bad = next(node for node in nodes if any(name not in index for name in node.inputs))
        raise graph.error(f"layer '{bad.name}' reads an unknown input '{exc.args[0]}'", bad) from None
    # The common case: every input is written before its consumer, so the spec's order is it.
    if all(max(inputs) < i for i, inputs in enumerate(sources)):
        return list(nodes), sources

    waiting = [0] * len(nodes)
    consumers: list[list[int]] = [[] for _ in nodes]
    for i in range(len(nodes)):
        for j in set(sources[i]):
            if j >= 0:
                waiting[i] += 1
                consumers[j].append(i)

    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in consumers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) < len(nodes):
        stuck = {i for i, n in enumerate(waiting) if n}
        cycle = _find_cycle(sources, stuck)
        names = [nodes[j].name for j in cycle]
        shown = names if len(names) <= 8 else [*names[:4], "…", *names[-3:]]
        raise graph.error("cycle in layer inputs: " + " -> ".join([*shown, names[0]]), nodes[cycle[0]])
    position = {i: k for k, i in enumerate(order)}
    return ([nodes[i] for i in order],
            [tuple([position[j] if j >= 0 else j for j in sources[i]]) for i in order])


def _find_cycle(sources: list[tuple[int, ...]], stuck: set[int]) -> list[int]:
    """Walk input edges among stuck nodes until one repeats: that loop is a cycle (linear time)."""
    i = min(stuck)
    seen: dict[int, int] = {}
    walk: list[int] = []
    while i not in seen:
        seen[i] = len(walk)
        walk.append(i)
        i = next(j for j in sources[i] if j in stuck)
    return list(reversed(walk[seen[i]:]))
