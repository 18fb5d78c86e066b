"""ATen ops with weights or products: convolutions, linear, matrix products, attention."""

from __future__ import annotations

from typing import Any

from ..capture import Op
from ..translate import Refused, Translator
from ..values import Act, Held
from .common import handles, held_or_none, ints


@handles("conv1d", "conv2d", "conv3d", "convolution", "_convolution")
def conv(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    weight = held_or_none(t, op, 1, "weight")
    bias = held_or_none(t, op, 2, "bias")
    if weight is None:
        raise Refused("its weight is computed, not a parameter of the model")
    axes = len(weight.shape) - 2
    stride, padding, dilation = (t.arg(op, 3, "stride", 1), t.arg(op, 4, "padding", 0), t.arg(op, 5, "dilation", 1))
    transposed, groups = False, t.arg(op, 6, "groups", 1)
    output_padding: Any = 0
    if op.target in ("convolution", "_convolution"):
        transposed, output_padding, groups = bool(t.arg(op, 6, "transposed")), t.arg(op, 7, "output_padding"), \
            t.arg(op, 8, "groups")
    if transposed:
        layer = {"type": f"conv_transpose{axes}d", "filters": weight.shape[1] * groups, "kernel": ints(weight.shape[2:]),
                 "stride": ints(stride), "padding": ints(padding), "output_padding": ints(output_padding),
                 "dilation": ints(dilation), "groups": groups, "bias": bias is not None}
    else:
        layer = {"type": f"conv{axes}d", "filters": weight.shape[0], "kernel": ints(weight.shape[2:]),
                 "stride": ints(stride), "padding": padding if isinstance(padding, str) else ints(padding),
                 "dilation": ints(dilation), "groups": groups, "bias": bias is not None}
    x = t.channels_last(x)
    return t.emit(layer, [x], x.perm, held=[h for h in (weight, bias) if h is not None])


@handles("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def conv_transpose(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    weight, bias = held_or_none(t, op, 1, "weight"), held_or_none(t, op, 2, "bias")
    if weight is None:
        raise Refused("its weight is computed, not a parameter of the model")
    groups = t.arg(op, 6, "groups", 1)
    layer = {"type": f"conv_transpose{len(weight.shape) - 2}d", "filters": weight.shape[1] * groups,
             "kernel": ints(weight.shape[2:]), "stride": ints(t.arg(op, 3, "stride", 1)),
             "padding": ints(t.arg(op, 4, "padding", 0)), "output_padding": ints(t.arg(op, 5, "output_padding", 0)),
             "dilation": ints(t.arg(op, 7, "dilation", 1)), "groups": groups, "bias": bias is not None}
    x = t.channels_last(x)
    return t.emit(layer, [x], x.perm, held=[h for h in (weight, bias) if h is not None])


def _last_axis_kept(t: Translator, x: Act) -> Act:
    """`x` held so that the spec's last axis is PyTorch's last (a dense layer acts on it)."""
    return x if x.perm[-1] == x.rank - 1 else t.torch_order(x)


@handles("linear")
def linear(t: Translator, op: Op) -> Act:
    x = _last_axis_kept(t, t.act(op.args[0]))
    weight, bias = held_or_none(t, op, 1, "weight"), held_or_none(t, op, 2, "bias")
    if weight is None or len(weight.shape) != 2:
        raise Refused("its weight is not a 2-D parameter of the model")
    if x.shape[-1] != weight.shape[1]:
        raise Refused(f"its weight {list(weight.shape)} does not fit an input of {x.shape[-1]} features")
    return t.emit({"type": "dense", "units": weight.shape[0], "bias": bias is not None}, [x], x.perm,
                  held=[h for h in (weight, bias) if h is not None])


@handles("matmul", "bmm", "mm")
def matmul(t: Translator, op: Op) -> Act:
    left, right = t.value(op.args[0]), t.value(op.args[1])
    if isinstance(left, Act) and isinstance(right, Held) and len(right.shape) == 2:
        # x @ W with a parameter W [in, out]: a dense layer without bias
        x = _last_axis_kept(t, left)
        return t.emit({"type": "dense", "units": right.shape[1], "bias": False}, [x], x.perm, held=[right])
    a, b = t.act(op.args[0], "first operand"), t.act(op.args[1], "second operand")
    return t.emit({"type": "matmul"}, [t.torch_order(a), t.torch_order(b)])


@handles("baddbmm")
def baddbmm(t: Translator, op: Op) -> Act:
    """beta·input + alpha·(b1 @ b2) with a constant `input` (BLOOM's ALiBi biases on the scores):
    the product, its scaling by alpha and the constant added."""
    bias = t.value(op.args[0])
    if not isinstance(bias, Held) or bias.kind == "parameter":
        raise Refused("an input that is not a constant: archcalc adds a constant to the product only")
    a, b = t.act(op.args[1], "first operand"), t.act(op.args[2], "second operand")
    product = t.emit({"type": "matmul"}, [t.torch_order(a), t.torch_order(b)], hint="product", check=False)
    alpha = t.arg(op, 4, "alpha", 1)
    if alpha != 1:
        product = t.emit({"type": "elementwise", "op": "multiply", "value": float(alpha)}, [product], hint="alpha",
                         check=False)
    if t.arg(op, 3, "beta", 1) == 0:
        return product
    return t.emit({"type": "elementwise", "op": "add"}, [product], hint="bias")


@handles("scaled_dot_product_attention")
def attention_products(t: Translator, op: Op) -> Act:
    """softmax(q·kᵀ·scale [+ mask])·v as the layers it is: a product, a scaling, a softmax and
    a product (the projections around it are linear ops of their own)."""
    q, k, v = (t.torch_order(t.act(op.args[i], what)) for i, what in enumerate(("query", "key", "value")))
    mask = t.arg(op, 3, "attn_mask")
    if mask is not None and not isinstance(mask, Held):
        raise Refused("an attention mask computed from the input: archcalc adds a constant mask only")
    rank = len(k.ours())
    keys = t.emit({"type": "permute", "axes": [*range(rank - 2), rank - 1, rank - 2]}, [k], k.perm,
                  hint="key_transpose", check=False)
    scores = t.emit({"type": "matmul"}, [q, keys], hint="scores", check=False)
    scale = t.arg(op, 6, "scale") or q.shape[-1] ** -0.5
    scaled = t.emit({"type": "elementwise", "op": "multiply", "value": float(scale)}, [scores], hint="scale",
                    check=False)
    if mask is not None:        # a constant mask (Hugging Face's causal or padding mask) added to the scores
        scaled = t.emit({"type": "elementwise", "op": "add"}, [scaled], hint="mask", check=False)
    weights = t.emit({"type": "softmax"}, [scaled], hint="softmax", check=False)
    return t.emit({"type": "matmul"}, [weights, v], hint="context")


@handles("addmm")
def addmm(t: Translator, op: Op) -> Act:
    """bias + x @ Wᵀ (FX and older exports write linear so)."""
    bias, weight = held_or_none(t, op, 0, "bias"), held_or_none(t, op, 2, "weight")
    x = _last_axis_kept(t, t.act(op.args[1]))
    if weight is None or len(weight.shape) != 2:
        raise Refused("its weight is not a 2-D parameter of the model")
    units = weight.shape[1] if weight.shape[0] == x.shape[-1] else weight.shape[0]
    return t.emit({"type": "dense", "units": units, "bias": bias is not None}, [x], x.perm,
                  held=[h for h in (weight, bias) if h is not None])



@handles("einsum")
def einsum(t: Translator, op: Op) -> Act:
    """A two-operand einsum that is a batched matrix product (`bgid,bgjd->bgij`): each operand
    arranged as [..., m, k] and [..., k, n], a `matmul`, then the output's order."""
    from .shaping import moved
    equation = str(t.arg(op, 0, "equation")).replace(" ", "")
    operands = t.value(op.args[1])
    inputs, _, output = equation.partition("->")
    names = inputs.split(",")
    if len(names) != 2 or len(operands) != 2 or not all(isinstance(v, Act) for v in operands) or "." in equation:
        raise Refused(f"einsum '{equation}': archcalc reads a product of two computed tensors")
    left, right = names
    batch = [c for c in output if c in left and c in right]
    summed = [c for c in left if c in right and c not in output]
    rows, cols = [c for c in left if c not in right], [c for c in right if c not in left]
    if len(summed) != 1 or len(rows) != 1 or len(cols) != 1 or sorted(output) != sorted(batch + rows + cols):
        raise Refused(f"einsum '{equation}': not a batched matrix product")
    a = moved(t, operands[0], [left.index(c) for c in batch + rows + summed])
    b = moved(t, operands[1], [right.index(c) for c in batch + summed + cols])
    product = t.emit({"type": "matmul"}, [t.torch_order(a), t.torch_order(b)], check=False)
    held = moved(t, product, [(batch + rows + cols).index(c) for c in output])
    if tuple(op.out) != held.shape:
        raise AssertionError(f"einsum '{equation}': {list(held.shape)} where PyTorch has {list(op.out)}")
    return held


@handles("embedding")
def embedding(t: Translator, op: Op) -> Any:
    """Rows of a [vocab, dim] table picked by ids: an `embedding` layer over token ids; picked by
    constant positions (GPT-2's position table) a view of the table, counted where it is added."""
    table = t.value(op.args[0])
    if not isinstance(table, Held) or table.kind != "parameter" or len(table.shape) != 2:
        raise Refused("its table is not a 2-D parameter of the model")
    ids = t.value(op.args[1])
    if isinstance(ids, Held):
        return table.view(tuple(op.out))
    x = t.act(op.args[1], "ids")
    return t.emit({"type": "embedding", "vocab": table.shape[0], "dim": table.shape[1]}, [x], held=[table])
