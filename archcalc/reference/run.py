"""Running a spec's graph through the reference kernels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..graph import Graph, order_nodes
from . import attention, elementwise, latent, rearrange, unweighted, volumes, weighted  # noqa: F401  (registers the kernels)
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


def run(spec: Graph, input: tuple[int, ...] | None = None, seed: int = 0,
        progress: Callable[[LayerRun], None] | None = None) -> RunResult:
    """Run `spec` on seeded random input and weights (`archcalc.load` makes a Graph of a file).
    Every model input is drawn from its own seed, so adding an input changes no other."""
    if input is not None:
        spec = spec.with_input(tuple(input))
    values = [{name: random_tensor(shape, seed + i, name) for name, shape in spec.inputs}
              for i in range(spec.batch)]
    records = []
    drawn: dict = {}       # layer name -> the weight arrays it drew, for tied and shared layers
    for node in order_nodes(spec):
        kernel = KERNELS[node.type]
        macs, learned, buffers = 0, 0, 0
        shape: tuple[int, ...] = ()      # the last sample's output (the batch has at least one)
        held, running = node.copies
        for sample in values:
            outputs = []
            for copy in range(held):
                # The same weights for every sample; expert copies each have their own.
                weights = _weights_for(node, seed, copy, drawn)
                if copy < running:       # each token runs k (+ shared) of the E (+ shared) copies
                    out, executed = kernel(node.args, [sample[name] for name in node.inputs], weights)
                    outputs.append(out)
                    macs += executed
                elif sample is values[0]:
                    kernel(node.args, [sample[name] for name in node.inputs], weights)   # draws its weights
                if sample is values[0]:
                    learned += weights.learned_count
                    buffers += weights.buffer_count
                    if copy == 0:
                        drawn[node.name] = weights.arrays
            out = outputs[0] if len(outputs) == 1 else _average(outputs)
            sample[node.name] = out
            shape = out.shape
        record = LayerRun(node.name, node.type, shape, macs, learned, buffers)
        records.append(record)
        if progress:
            progress(record)
    last = records[-1].name
    return RunResult([sample[last] for sample in values], records)


def _weights_for(node, seed: int, copy: int, drawn: dict) -> Weights:
    name = node.name if copy == 0 else f"{node.name}#expert{copy}"
    if node.shares is not None:           # a repetition of that layer: its very weights, owned there
        return Weights(seed, name, replay=drawn[node.shares], own=0)
    if node.tied_to is not None:          # the tied layer's first array is this one's weight
        return Weights(seed, name, replay=drawn[node.tied_to][:1], own=0)
    return Weights(seed, name)


def _average(outputs: list[Tensor]) -> Tensor:
    """The experts' outputs mixed with equal gates (the router's choice changes no count)."""
    n = len(outputs)
    return Tensor(outputs[0].shape, [sum(values) / n for values in zip(*(o.data for o in outputs))])
