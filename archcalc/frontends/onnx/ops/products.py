"""Matrix products: MatMul (a dense layer when its right operand is a weight), Gemm, Einsum."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .. import fold
from ..values import VIRTUAL, Act, Const
from .common import fold_node, op, present, reshape_act

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


@op("Einsum")
def einsum(t: Translator, node: Node) -> None:
    """Two-operand Einsum without ellipsis: as a batched matrix product (transposes and reshapes
    around a `matmul`, which count nothing), so its MACs are those of the contraction."""
    equation = t.attrs().text("equation").replace(" ", "")
    if "->" not in equation or "..." in equation or len(node.input) != 2 or equation.count("->") != 1 \
            or equation.split("->")[0].count(",") != 1:
        raise t.error(f"Einsum {equation!r}: only two operands with an explicit output have a rule")
    left, out = equation.split("->")
    la, lb = left.split(",")
    a, b = t.act(t.input(node, 0, "operand")), t.act(t.input(node, 1, "operand"))
    if len(set(la)) != len(la) or len(set(lb)) != len(lb) or len(la) != a.rank or len(lb) != b.rank \
            or len(set(out)) != len(out):
        raise t.error(f"Einsum {equation!r}: a repeated or missing index has no rule")
    batch = [c for c in out if c in la and c in lb]
    i_letters = [c for c in out if c in la and c not in lb]
    j_letters = [c for c in out if c in lb and c not in la]
    k_letters = [c for c in la if c in lb and c not in out]
    if set(out) != set(batch + i_letters + j_letters) or any(c not in out and c not in lb for c in la) \
            or any(c not in out and c not in la for c in lb):
        raise t.error(f"Einsum {equation!r}: an index summed over one operand only has no rule")
    size = dict(zip(la, a.shape))
    for c, n in zip(lb, b.shape):
        if size.setdefault(c, n) != n:
            raise t.error(f"Einsum {equation!r}: index {c} has sizes {size[c]} and {n}")

    def arranged(x: Act, letters: str, order: list[str], rows: list[str], cols: list[str]) -> Act:
        perm = [letters.index(c) for c in order]
        moved = Act(x.name, tuple(x.shape[p] for p in perm),
                    tuple(p if p == VIRTUAL else perm.index(p) for p in x.perm))
        shape = [size[c] for c in batch] + [math.prod(size[c] for c in rows), math.prod(size[c] for c in cols)]
        return reshape_act(t, moved, shape)

    a2 = arranged(a, la, batch + i_letters + k_letters, i_letters, k_letters)
    b2 = arranged(b, lb, batch + k_letters + j_letters, k_letters, j_letters)
    a2, b2 = t.file_order(a2), t.file_order(b2)
    product = t.emit({"type": "matmul"}, [a2, b2], a2.perm)
    full = [size[c] for c in batch + i_letters + j_letters]
    result = reshape_act(t, product, full)
    order = batch + i_letters + j_letters
    perm = [order.index(c) for c in out]
    t.set(node.output[0], Act(result.name, tuple(full[p] for p in perm),
                              tuple(p if p == VIRTUAL else perm.index(p) for p in result.perm)))


def _bias_add_after(t: Translator, node: Node, units: int) -> Node | None:
    """The Add that follows a MatMul with a trained [units] vector: the dense layer's bias."""
    consumers = t.consumers.get(node.output[0], [])
    if len(consumers) != 1 or consumers[0].op_type != "Add":
        return None
    other = [n for n in consumers[0].input if n != node.output[0]]
    value = t.values.get(other[0]) if len(other) == 1 else None
    if isinstance(value, Const) and value.init is not None and value.size == units and value.shape \
            and value.shape[-1] == units:
        return consumers[0]
    return None


@op("MatMul")
def matmul(t: Translator, node: Node) -> None:
    if fold_node(t, node, fold.matmul):
        return
    a, b = t.value(t.input(node, 0, "operand")), t.value(t.input(node, 1, "operand"))
    if isinstance(a, Act) and isinstance(b, Const):
        if len(b.shape) != 2 or a.rank < 1:
            raise t.error(f"a MatMul of {list(a.shape)} by a constant of shape {list(b.shape)} "
                          "(a weight is [in, out])")
        x = t.file_order(a)
        t.check_weight(b, 0, x.shape[-1], f"its input's last axis of {x.shape[-1]}")
        units = b.shape[1]
        add = _bias_add_after(t, node, units)
        weights = [node.input[1], *([n for n in add.input if n != node.output[0]] if add is not None else [])]
        layer = {"type": "dense", "units": units, "bias": add is not None,
                 **(t.shared_weights(weights, "dense") or t.tie_or_own(b.init, ""))}
        out = t.emit(layer, [x], x.perm)
        t.own(b.init, out.name)
        t.set(node.output[0], out)
        if add is not None:          # the Add is the bias: its output is this layer's
            t.skip_node(add, out)
        return
    if isinstance(a, Act) and isinstance(b, Act):
        if a.rank < 2 or b.rank < 2 or a.shape[-1] != b.shape[-2]:
            raise t.error(f"a MatMul of {list(a.shape)} and {list(b.shape)}")
        a, b = t.file_order(a), t.file_order(b)
        t.set(node.output[0], t.emit({"type": "matmul"}, [a, b], a.perm if a.rank >= b.rank else None))
        return
    raise t.error("a MatMul of a constant by an activation has no rule")


@op("Gemm")
def gemm(t: Translator, node: Node) -> None:
    a = t.attrs()
    x = t.file_order(t.act(t.input(node, 0, "input")))
    if a.integer("transA", 0):
        raise t.error("Gemm with transA has no rule")
    weight = t.const(t.input(node, 1, "weight"), "weight")
    if x.rank != 2 or len(weight.shape) != 2:
        raise t.error(f"a Gemm of {list(x.shape)} by {list(weight.shape)} (two matrices were expected)")
    t.check_weight(weight, 1 if a.integer("transB", 0) else 0, x.shape[-1], f"its input's last axis of {x.shape[-1]}")
    units = weight.shape[0] if a.integer("transB", 0) else weight.shape[1]
    layer = {"type": "dense", "units": units, "bias": present(node, 2),
             **(t.shared_weights(node.input[1:], "dense") or t.tie_or_own(weight.init, ""))}
    out = t.emit(layer, [x], x.perm)
    t.own_inputs(node.input[1:], out.name)
    t.set(node.output[0], out)
