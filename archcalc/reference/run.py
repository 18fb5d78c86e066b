"""Running a spec's graph through the reference kernels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..graph import Graph, order_nodes
from . import attention, unweighted, weighted  # noqa: F401  (registers the kernels)
from .kernels import KERNELS
from .tensor import Tensor, Weights, random_tensor


@dataclass(frozen=True)
class LayerRun:
    """What one layer did in the reference pass, over the whole batch."""

    name: str
    type: str
    shape: tuple[int, ...]          # of every sample's output
    macs: int                       # executed, summed over the batch
    params: int                     # learned weights the kernel drew
    buffers: int


@dataclass(frozen=True)
class RunResult:
    outputs: list[Tensor]           # the last layer's output, one per sample
    layers: list[LayerRun]


def run(spec: Any, input: tuple[int, ...] | None = None, seed: int = 0,
        progress: Callable[[LayerRun], None] | None = None) -> RunResult:
    """Run `spec` (a Graph, or anything `archcalc.load` reads) on seeded random input and weights.
    Every model input is drawn from its own seed, so adding an input changes no other."""
    if not isinstance(spec, Graph):
        from ..api import load
        spec = load(spec)
    if input is not None:
        spec = spec.with_input(tuple(input))
    values = [{name: random_tensor(shape, seed + i, name) for name, shape in spec.inputs}
              for i in range(spec.batch)]
    records = []
    for node in order_nodes(spec):
        kernel = KERNELS[node.type]
        macs, shape = 0, None
        for sample in values:
            weights = Weights(seed, node.name)   # the same weights for every sample
            out, executed = kernel(node.args, [sample[name] for name in node.inputs], weights)
            sample[node.name] = out
            macs += executed
            shape = out.shape
        record = LayerRun(node.name, node.type, shape, macs, weights.learned_count, weights.buffer_count)
        records.append(record)
        if progress:
            progress(record)
    last = records[-1].name
    return RunResult([sample[last] for sample in values], records)
