"""One training step: its multiply-accumulates, FLOPs and memory, layer by layer.

Backward pass (what autograd computes):
- a weighted layer's weight gradient costs its forward MACs again, when it is trainable
  (a layer tied to another's weight too: the gradient flows into the shared weight);
- its input gradient costs its forward MACs again, when anything upstream of it holds a
  trainable weight (a first layer reading the model input computes none);
- the products of two activations (attention's scores and weighted values, matmul) cost
  twice their forward MACs more, one product per operand, whenever a gradient passes;
- every element-wise FLOP of the forward pass (bias additions, activations, norms, pooling,
  softmax, joins) costs two more in the backward pass, where a gradient passes.

Memory:
- weights: (params + buffers) × 4 bytes (fp32), × 2 bytes under mixed precision;
- gradients: trainable params × 4 bytes, × 2 under mixed precision;
- optimizer state per trainable param: sgd 0, momentum 4 bytes, adam/adamw 8 bytes, and
  mixed precision adds a 4-byte fp32 master copy;
- activations kept for the backward pass: every layer's output × batch (× 4 bytes, × 2
  under mixed precision), plus what a layer keeps besides its output (attention's scores
  and probabilities: 2·heads·T·S); with `recompute`, only the outputs of the top-level
  layers and block uses, plus the largest top-level block's internals (recomputed one at a
  time during the backward pass).
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import UsageError
from ..graph import Graph
from ..report import Report
from .walk import walk

OPTIMIZER_BYTES = {"sgd": 0, "momentum": 4, "adam": 8, "adamw": 8}
PRECISIONS = {"fp32": 4, "bf16-mixed": 2, "fp16-mixed": 2}
MASTER_COPY_BYTES = 4


class TrainingMemory(NamedTuple):
    weights_bytes: int
    gradient_bytes: int
    optimizer_bytes: int
    activation_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.weights_bytes + self.gradient_bytes + self.optimizer_bytes + self.activation_bytes


class Training(NamedTuple):
    optimizer: str
    precision: str
    recompute: bool
    macs_per_step: int
    flops_per_step: int
    steps: int
    memory: TrainingMemory

    @property
    def flops(self) -> int:
        return self.steps * self.flops_per_step

    def to_dict(self) -> dict:
        return {"optimizer": self.optimizer, "precision": self.precision, "recompute": self.recompute,
                "macs_per_step": self.macs_per_step, "flops_per_step": self.flops_per_step,
                "steps": self.steps, "flops": self.flops,
                "memory": {**self.memory._asdict(), "total_bytes": self.memory.total_bytes}}


def count_steps(graph: Graph, steps: int | None, tokens: int | None) -> int:
    """Steps given, or tokens / (batch · T): a whole number of steps, or a usage error."""
    if tokens is None:
        return 1 if steps is None else steps
    if steps is not None:
        raise UsageError("give --tokens or --steps, not both")
    per_step = graph.batch * graph.input[0]
    if tokens % per_step:
        raise UsageError(f"--tokens {tokens:,} is not a whole number of steps of batch × T = "
                         f"{graph.batch} × {graph.input[0]} = {per_step:,} tokens "
                         f"(the nearest are {tokens // per_step * per_step:,} and {(tokens // per_step + 1) * per_step:,})")
    return tokens // per_step


def train_figures(graph: Graph, report: Report, *, optimizer: str = "adamw", precision: str = "fp32",
                  recompute: bool = False, steps: int | None = None, tokens: int | None = None) -> Training:
    if optimizer not in OPTIMIZER_BYTES:
        raise UsageError(f"unknown optimizer {optimizer!r} (use {', '.join(OPTIMIZER_BYTES)})")
    if precision not in PRECISIONS:
        raise UsageError(f"unknown precision {precision!r} (use {', '.join(PRECISIONS)})")
    batch = graph.batch
    size = PRECISIONS[precision]
    grad_flows: list[bool] = []        # does a gradient reach this layer's output from a trainable weight?
    macs = flops = 0
    kept: list[int] = []               # elements kept for backward, per layer
    for step in walk(graph, report):
        row, rule, call = step.row, step.rule, step.call
        upstream = any(grad_flows[j] for j in step.sources if j >= 0)
        products = rule.product_macs(call) * batch * step.node.copies[1] if rule.product_macs else 0
        weighted = row.macs - products
        trains = step.node.trainable and weighted > 0
        backward = (weighted if trains else 0) + (weighted if upstream else 0)
        passes = upstream or trains or (step.node.trainable and row.params > 0)
        if passes:
            backward += 2 * products
        grad_flows.append(passes)
        macs += row.macs + backward
        elementwise = row.flops - 2 * row.macs
        flops += 2 * (row.macs + backward) + elementwise + (2 * elementwise if passes else 0)
        extra = rule.kept_for_backward(call) * step.node.copies[1] if rule.kept_for_backward else 0
        kept.append((_elements(row.output_shape) + extra) * batch)

    params, buffers = report.totals.params, report.totals.buffers
    trainable = report.totals.trainable_params
    optimizer_bytes = trainable * (OPTIMIZER_BYTES[optimizer] + (MASTER_COPY_BYTES if size != 4 else 0))
    activations = _recomputed(report, kept) if recompute else sum(kept)
    memory = TrainingMemory(weights_bytes=(params + buffers) * size, gradient_bytes=trainable * size,
                            optimizer_bytes=optimizer_bytes, activation_bytes=activations * size)
    return Training(optimizer, precision, recompute, macs, flops, count_steps(graph, steps, tokens), memory)


def _elements(shape) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def _recomputed(report: Report, kept: list[int]) -> int:
    """Checkpointing per top-level layer or block use: every top-level output is kept, and one
    block's internals at a time are rebuilt: the largest such block counts."""
    boundaries = 0
    inside: dict[str, int] = {}
    last_of: dict[str, int] = {}
    for i, row in enumerate(report.layers):
        if row.blocks:
            use = row.blocks[0][0]
            inside[use] = inside.get(use, 0) + kept[i]
            last_of[use] = i
        else:
            boundaries += kept[i]
    boundaries += sum(kept[i] for i in last_of.values())
    return boundaries + max(inside.values(), default=0)
