"""`archcalc verify`: the analysis against the reference forward pass, layer by layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .analysis import analyze_graph
from .graph import Graph

# A rough rate of the reference kernels on CPython 3.11 (benchmarks/bench_reference.py
# measures it); used only to say how long a refused run would have taken.
ASSUMED_MACS_PER_SECOND = 10_000_000


class ReferenceWork(NamedTuple):
    """What a reference pass would do, estimated from the analysis before it runs: its MACs,
    and every other value it creates, reads or draws (outputs and inputs of each layer, weights
    and buffers drawn, pooling windows and other element-wise operations). A spec can ask for
    a pass with few MACs and endless element work (a 10^9-row embedding table, a 10^5x
    upsampling, an adaptive pool over a huge input); `verify --max-work` bounds the sum."""

    macs: int
    elements: int

    @property
    def total(self) -> int:
        return self.macs + self.elements


def reference_work(report) -> ReferenceWork:
    shapes = dict(report.inputs)
    elements = sum(_size(shape) for _, shape in report.inputs) * report.batch
    for row in report.layers:
        read = sum(_size(shapes.get(name, ())) for name in row.inputs)
        elements += ((_size(row.output_shape) + read) * report.batch + row.params + row.buffers
                     + max(0, row.flops - 2 * row.macs))
        shapes[row.name] = row.output_shape
    return ReferenceWork(report.totals.macs, elements)


def _size(shape) -> int:
    n = 1
    for axis in shape:
        n *= axis
    return n


@dataclass(frozen=True)
class Check:
    name: str
    type: str
    inferred_shape: tuple[int, ...]
    produced_shape: tuple[int, ...]
    analyzed_macs: int
    executed_macs: int
    analyzed_params: int
    drawn_params: int
    analyzed_buffers: int
    drawn_buffers: int

    @property
    def agrees(self) -> bool:
        return (self.inferred_shape == self.produced_shape and self.analyzed_macs == self.executed_macs
                and self.analyzed_params == self.drawn_params and self.analyzed_buffers == self.drawn_buffers)


@dataclass(frozen=True)
class Verification:
    name: str
    input: tuple[int, ...]
    batch: int
    checks: tuple[Check, ...]
    seconds: float

    @property
    def agrees(self) -> bool:
        return all(c.agrees for c in self.checks)


def verify(spec: Graph, seed: int = 0, progress=None) -> Verification:
    import time

    from .reference import run
    report = analyze_graph(spec)
    start = time.perf_counter()
    result = run(spec, seed=seed, progress=progress)
    seconds = time.perf_counter() - start
    by_name = {layer.name: layer for layer in result.layers}
    checks = tuple(
        Check(row.name, row.type, row.output_shape, by_name[row.name].shape, row.macs, by_name[row.name].macs,
              row.params, by_name[row.name].params, row.buffers, by_name[row.name].buffers)
        for row in report.layers)
    return Verification(spec.name, spec.input, spec.batch, checks, seconds)
