"""LSTM, GRU and RNN."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .common import op, present

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


# -- recurrent -----------------------------------------------------------------------------

@op("LSTM", "GRU", "RNN")
def recurrent(t: Translator, node: Node) -> None:
    a = t.attrs()
    if a.integer("layout", 0):
        raise t.error("a batch-first recurrent layout has no rule")
    if present(node, 4):
        raise t.error("sequence_lens has no rule: every sequence runs to its full length")
    x = t.act(t.input(node, 0, "input"))               # [T, N, C]: held as [N, T, C]
    if x.rank != 3:
        raise t.error(f"a recurrent layer needs a [T, N, C] input, got {list(x.shape)}")
    x = t.hold(x, (1, 0, 2))
    weight = t.const(t.input(node, 1, "weight"), "weight")
    if len(weight.shape) != 3:
        raise t.error(f"a weight W of shape {list(weight.shape)} ([directions, gates · hidden, input] was expected)")
    t.check_weight(weight, 2, x.shape[2], f"its input's {x.shape[2]} features")
    units = a.integer("hidden_size")
    direction = a.text("direction", "forward")
    directions = 2 if direction == "bidirectional" else 1
    if direction == "reverse":
        raise t.error("a reverse-only recurrent layer has no rule")
    if direction not in ("forward", "bidirectional"):
        raise t.error(f"direction {direction!r}")
    if node.op_type == "GRU" and not a.integer("linear_before_reset", 0):
        raise t.error("a GRU with linear_before_reset = 0 (Keras's reset_after false) has no rule")
    kind = node.op_type.lower()
    layer = {"type": kind, "units": units, "bias": present(node, 3), "bidirectional": directions == 2}
    steps = x.shape[0]
    weights = [t.const(name, "weight") for name in node.input[1:4] if name]
    out = t.emit(layer, [x], (0, 1, 2))
    for weight in weights:
        t.own(weight.init, out.name)
    if len(node.output) > 1 and any(node.output[1:]) and any(t.consumers.get(n) for n in node.output[1:] if n):
        raise t.error("the last hidden and cell states (Y_h, Y_c) have no rule; read the sequence output Y")
    y = t.emit({"type": "reshape", "shape": [steps, directions, units]}, [out],
               (2, 0, 1, 3), hint=f"{out.name}_directions")
    t.set(node.output[0], y)
