"""One training step: its multiply-accumulates, FLOPs and memory, layer by layer.

Backward pass (what autograd computes):
- a weighted layer's weight gradient costs its forward MACs again, when it is trainable
  (a layer tied to another's weight too: the gradient flows into the shared weight);
- its input gradient costs its forward MACs again, when anything upstream of it holds a
  trainable weight (a first layer reading the model input computes none);
- the products of two activations (attention's scores and weighted values, matmul) cost
  twice their forward MACs more, one product per operand, whenever a gradient passes;
- every element-wise FLOP of the forward pass (bias additions, activations, norms, pooling,
  softmax, joins) costs two more in the backward pass, where a gradient passes;
- recomputation runs forward work again: `full` every layer inside a top-level block use
  (its MACs and FLOPs once more, up to the last layer producing a tensor the backward
  needs), `attention` the MACs the rules state for rebuilding what selective recompute
  leaves out (attention: the score product; 2 FLOPs per MAC; the softmax's own element-wise
  FLOPs are not re-counted).

Memory:
- weights: (params + buffers) × 4 bytes (fp32), × 2 bytes under mixed precision;
- gradients: trainable params × 4 bytes, × 2 under mixed precision;
- optimizer state per trainable param: sgd 0, momentum 4 bytes, adam/adamw 8 bytes, and
  mixed precision adds a 4-byte fp32 master copy;
- activations: the tensors the backward pass keeps, as each rule states them (`Rule.saved`),
  each tensor once however many layers keep it, × batch, at 4 bytes (2 under mixed
  precision) unless the rule fixes the size (masks 1, fp32 statistics 4, int64 indices 8);
  experts' tensors as many times as tokens are routed. `attention` recompute leaves out
  what it rebuilds (attention's probabilities and their dropout mask); `full` keeps the
  inputs of the top-level block uses (the checkpoints) and what top-level layers keep,
  plus the largest block use's own tensors, rebuilt one use at a time during the backward pass.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..errors import UsageError, option
from ..graph import Graph
from ..layers.registry import OUTPUT, Kept
from ..report import Report
from .walk import Step, walk

OPTIMIZER_BYTES = {"sgd": 0, "momentum": 4, "adam": 8, "adamw": 8}
PRECISIONS = {"fp32": 4, "bf16-mixed": 2, "fp16-mixed": 2}
MASTER_COPY_BYTES = 4
RECOMPUTE_MODES = ("none", "attention", "full")


class TrainingMemory(NamedTuple):
    weights_bytes: int
    gradient_bytes: int
    optimizer_bytes: int
    activation_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.weights_bytes + self.gradient_bytes + self.optimizer_bytes + self.activation_bytes


class Recompute(NamedTuple):
    """What recomputation does to the step: which layers or block uses run forward twice, the
    MACs that costs, and (full) the bytes kept throughout against those rebuilt per use."""
    mode: str
    recomputed: tuple[str, ...]       # block uses (full) or layers (attention)
    extra_macs: int
    held_bytes: int                   # held from forward to backward
    rebuilt_bytes: int                # full: the largest block use's own tensors, rebuilt

    def describe(self) -> str:
        if self.mode == "none":
            return ""
        names = self.recomputed
        if not names:
            return f"recompute {self.mode}: nothing to recompute"
        listed = names[0] if len(names) == 1 else f"{names[0]} {'and' if len(names) == 2 else '…'} {names[-1]}"
        if self.mode == "full":
            return f"recompute full: {len(names):,} block uses run forward twice ({listed})"
        return f"recompute attention: {len(names):,} layers rebuild their attention probabilities ({listed})"


class Training(NamedTuple):
    optimizer: str
    precision: str
    recompute: Recompute
    macs_per_step: int
    flops_per_step: int
    steps: int
    memory: TrainingMemory
    device: Any = None                # roofline_training.TrainingTime with --device

    @property
    def flops(self) -> int:
        return self.steps * self.flops_per_step

    def to_dict(self) -> dict:
        plan = self.recompute
        # `recompute` stays the boolean v2 wrote (anything recomputed?); the mode is its own key
        return {"optimizer": self.optimizer, "precision": self.precision,
                "recompute": plan.mode != "none", "recompute_mode": plan.mode,
                "recomputed": list(plan.recomputed), "recompute_macs": plan.extra_macs,
                "activations": {"held_bytes": plan.held_bytes, "rebuilt_bytes": plan.rebuilt_bytes},
                "macs_per_step": self.macs_per_step, "flops_per_step": self.flops_per_step,
                "steps": self.steps, "flops": self.flops,
                "memory": {**self.memory._asdict(), "total_bytes": self.memory.total_bytes},
                **({} if self.device is None else {"device": self.device.to_dict()})}


def count_steps(graph: Graph, steps: int | None, tokens: int | None) -> int:
    """Steps given, or tokens / (batch · T): a whole number of steps, or a usage error."""
    if tokens is None:
        return 1 if steps is None else steps
    if steps is not None:
        raise UsageError(f"give {option('tokens')} or {option('steps')}, not both")
    if any(len(shape) > 2 for _, shape in graph.inputs):
        raise UsageError(f"{option('tokens')} needs a sequence model ([T] or [T, C] inputs); {graph.name}'s input is "
                         + ", ".join(f"{name} {list(shape)}" for name, shape in graph.inputs)
                         + f": give {option('steps')}")
    per_step = graph.batch * graph.input[0]
    if tokens % per_step:
        raise UsageError(f"{option('tokens')} {tokens:,} is not a whole number of steps of batch × T = "
                         f"{graph.batch} × {graph.input[0]} = {per_step:,} tokens "
                         f"(the nearest are {tokens // per_step * per_step:,} and {(tokens // per_step + 1) * per_step:,})")
    return tokens // per_step


class _Tensor(NamedTuple):
    """A kept tensor: its bytes, whether selective recompute rebuilds it, and the top-level
    block use of the layers keeping it (None when a top-level layer keeps it)."""
    bytes: int
    core: bool
    use: str | None


class _Plan(NamedTuple):
    """What a recompute mode holds and re-runs."""
    recomputed: tuple[str, ...]
    macs: int
    flops: int
    held: int
    rebuilt: int


def train_figures(graph: Graph, report: Report, *, optimizer: str = "adamw", precision: str = "fp32",
                  recompute: str | bool = "none", steps: int | None = None, tokens: int | None = None) -> Training:
    if optimizer not in OPTIMIZER_BYTES:
        raise UsageError(f"unknown optimizer {optimizer!r} (use {', '.join(OPTIMIZER_BYTES)})")
    if precision not in PRECISIONS:
        raise UsageError(f"unknown precision {precision!r} (use {', '.join(PRECISIONS)})")
    mode = ("full" if recompute else "none") if isinstance(recompute, bool) else recompute
    if mode not in RECOMPUTE_MODES:
        raise UsageError(f"unknown recompute mode {mode!r} (use {', '.join(RECOMPUTE_MODES)})")
    size = PRECISIONS[precision]
    if mode == "attention" and graph.attention == "flash":
        raise UsageError(f"{option('recompute')} attention rebuilds the attention probabilities, which a flash "
                         "kernel never keeps: there is nothing to recompute")
    layers = list(walk(graph, report))
    macs, flops = _step_cost(layers, graph.batch)
    kept = _kept_tensors(layers, graph.batch, size, fused=graph.attention == "flash")
    if mode == "full":
        plan = _full_recompute(layers, graph, kept, size)
    elif mode == "attention":
        plan = _selective_recompute(layers, kept, graph.batch)
    else:
        plan = _Plan((), 0, 0, sum(t.bytes for t in kept.values()), 0)

    params, buffers = report.totals.params, report.totals.buffers
    trainable = report.totals.trainable_params
    optimizer_bytes = trainable * (OPTIMIZER_BYTES[optimizer] + (MASTER_COPY_BYTES if size != 4 else 0))
    memory = TrainingMemory(weights_bytes=(params + buffers) * size, gradient_bytes=trainable * size,
                            optimizer_bytes=optimizer_bytes, activation_bytes=plan.held + plan.rebuilt)
    summary = Recompute(mode, plan.recomputed, plan.macs, plan.held, plan.rebuilt)
    return Training(optimizer, precision, summary, macs + plan.macs, flops + plan.flops,
                    count_steps(graph, steps, tokens), memory)


def _products(step: Step, batch: int) -> int:
    rule = step.rule
    return rule.product_macs(step.call) * batch * step.node.copies[1] if rule.product_macs else 0


def _step_cost(layers: list[Step], batch: int) -> tuple[int, int]:
    """MACs and FLOPs of the forward and backward passes (the module docstring's rules)."""
    grad_flows: list[bool] = []        # does a gradient reach this layer's output from a trainable weight?
    macs = flops = 0
    for step in layers:
        row = step.row
        upstream = any(grad_flows[j] for j in step.sources if j >= 0)
        products = _products(step, batch)
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
    return macs, flops


def _use(step: Step) -> str | None:
    """The top-level block use a layer belongs to (None: a top-level layer)."""
    return step.row.blocks[0][0] if step.row.blocks else None


def _saved(step: Step, fused: bool = False) -> tuple[Kept, ...]:
    """What the layer's backward keeps; `fused` (--attention flash): an attention's
    probabilities and masks replaced by what a fused kernel keeps (its softmax statistics)."""
    saved = step.rule.saved
    if saved is None:      # every rule states it; tests/layers/test_saved.py holds them to it
        raise AssertionError(f"rule {step.rule.type} states no saved tensors")
    if fused and step.rule.fused_saved is not None:
        return (*(k for k in saved(step.call) if not k.core), *step.rule.fused_saved(step.call))
    return saved(step.call)


def _kept_tensors(layers: list[Step], batch: int, size: int, fused: bool = False) -> dict[tuple, _Tensor]:
    """Every tensor some rule says its backward keeps, once, with its bytes."""
    kept: dict[tuple, _Tensor] = {}
    for i, step in enumerate(layers):
        use = _use(step)
        for n, item in enumerate(_saved(step, fused)):
            key, runs = _identify(layers, i, n, item)
            if key not in kept:
                per_element = item.bytes if item.bytes is not None else size
                kept[key] = _Tensor(item.elements * (1 if item.whole_batch else batch) * runs * per_element,
                                    item.core, use)
            elif use is None:              # a top-level layer keeps it too: held throughout
                kept[key] = kept[key]._replace(use=None)
    return kept


def _selective_recompute(layers: list[Step], kept: dict[tuple, _Tensor], batch: int) -> _Plan:
    """Attention's probabilities and masks rebuilt, at the MACs their rules state (the score
    product again), 2 FLOPs each."""
    rerun, extra = [], 0
    for step in layers:
        core = [k for k in _saved(step) if k.core]
        if core:
            rerun.append(step.row.name)
            extra += sum(k.rebuild_macs for k in core) * batch * step.node.copies[1]
    return _Plan(tuple(rerun), extra, 2 * extra, sum(t.bytes for t in kept.values() if not t.core), 0)


def _full_recompute(layers: list[Step], graph: Graph, kept: dict[tuple, _Tensor], size: int) -> _Plan:
    """Checkpoints per top-level block use: its inputs from outside it are held, and its own
    tensors rebuilt during the backward pass, one use at a time."""
    checkpoints: dict[tuple, int] = {}
    uses: dict[str, None] = {}         # in order of first appearance
    for step in layers:
        use = _use(step)
        if use is None:
            continue
        uses[use] = None
        for j in step.sources:
            if j < 0 or _use(layers[j]) != use:
                shape = layers[j].row.output_shape if j >= 0 else graph.inputs[-1 - j][1]
                checkpoints[("t", j)] = _elements(shape) * graph.batch * _runs(layers, j) * size
    held = sum(checkpoints.values()) + sum(t.bytes for key, t in kept.items()
                                           if t.use is None and key not in checkpoints)
    inside: dict[str, int] = {}
    needed: dict[str, int] = {}        # per use, the last layer producing a tensor to rebuild
    for key, t in kept.items():
        if t.use is not None and key not in checkpoints:
            inside[t.use] = inside.get(t.use, 0) + t.bytes
            needed[t.use] = max(needed.get(t.use, -1), key[1])
    # The recompute runs a use's layers in order and stops once every tensor its backward
    # needs is rebuilt (as PyTorch's checkpoint does): layers after the last one producing
    # such a tensor do not run again.
    rerun = [step.row for i, step in enumerate(layers)
             if (inner := _use(step)) is not None and i <= needed.get(inner, -1)]
    return _Plan(tuple(uses), sum(row.macs for row in rerun), sum(row.flops for row in rerun), held,
                 max(inside.values(), default=0))


def _identify(steps: list[Step], i: int, n: int, item: Kept) -> tuple[tuple, int]:
    """The identity of the `n`th tensor layer `i` keeps, and how many copies of it are held.
    A layer's input is its producer's output: one tensor, however many layers keep it. An
    expert reading a tensor from outside the experts holds its own gathered copy of the
    routed tokens (one per token and expert it is routed to), shared by the expert's layers."""
    step = steps[i]
    if item.tensor is None:
        return ("own", i, n), step.node.copies[1]
    if item.tensor == OUTPUT:
        return ("t", i), step.node.copies[1]
    j = step.sources[item.tensor]
    if step.node.copies != (steps[j].node.copies if j >= 0 else (1, 1)):
        return ("routed", j, step.node.copies), step.node.copies[1]
    return ("t", j), _runs(steps, j)


def _runs(steps: list[Step], j: int) -> int:
    """Copies of tensor j held per token: an expert's output once per routed token."""
    return steps[j].node.copies[1] if j >= 0 else 1


def _elements(shape) -> int:
    total = 1
    for n in shape:
        total *= n
    return total
