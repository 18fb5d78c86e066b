"""Views, reshapes, concatenation, splits, slices and padding: data moved, nothing computed."""

from __future__ import annotations

import operator
from math import prod
from typing import Any

from ..capture import Op
from ..translate import Refused, Translator
from ..values import VIRTUAL, Act, Held
from .common import handles, spec_axis


def _sizes(x: Act | Held, shape: Any) -> tuple[int, ...]:
    sizes = [int(n) for n in shape]
    if -1 in sizes:
        total = 1
        for n in x.shape:
            total *= n
        known = 1
        for n in sizes:
            known *= n if n != -1 else 1
        sizes[sizes.index(-1)] = total // known
    return tuple(sizes)


def _reshape_to(t: Translator, x: Act, sizes: tuple[int, ...]) -> Act:
    if sizes == x.shape:
        return x
    return t.reshape(x, sizes)


@handles("view", "reshape", "_unsafe_view", "view_copy")
def view(t: Translator, op: Op) -> Any:
    x = t.value(op.args[0])
    sizes = _sizes(x, t.arg(op, 1, "size"))
    if isinstance(x, Held):
        return x.view(sizes)
    return _reshape_to(t, t.act(op.args[0]), sizes)


@handles("reshape_as", "view_as")
def view_as(t: Translator, op: Op) -> Any:
    """A view as another tensor's shape: PyTorch's output shape."""
    x = t.value(op.args[0])
    sizes = tuple(op.out) if isinstance(op.out, tuple) else ()
    if isinstance(x, Held):
        return x.view(sizes)
    return _reshape_to(t, t.act(op.args[0]), sizes)


@handles("flatten")
def flatten(t: Translator, op: Op) -> Any:
    x = t.act(op.args[0])
    start, end = t.arg(op, 1, "start_dim", 0) % x.rank, t.arg(op, 2, "end_dim", -1) % x.rank
    sizes = (*x.shape[:start], prod(x.shape[start:end + 1]), *x.shape[end + 1:])
    return _reshape_to(t, x, sizes)


@handles("unflatten")
def unflatten(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    dim = t.arg(op, 1, "dim") % x.rank
    parts = _sizes(Act(0, (x.shape[dim],)), t.arg(op, 2, "sizes"))
    return _reshape_to(t, x, (*x.shape[:dim], *parts, *x.shape[dim + 1:]))


@handles("unsqueeze", "squeeze")
def squeeze(t: Translator, op: Op) -> Any:
    x = t.value(op.args[0])
    out = op.out if isinstance(op.out, tuple) else ()
    if isinstance(x, Held):
        return x.view(out)
    return _reshape_to(t, t.act(op.args[0]), tuple(out))


@handles("permute")
def permute(t: Translator, op: Op) -> Any:
    return moved(t, t.value(op.args[0]), [int(d) for d in t.arg(op, 1, "dims")])


def moved(t: Translator, x: Any, dims: list[int]) -> Any:
    """PyTorch's permute as a change of how the spec's axes map to PyTorch's: no layer."""
    dims = [d % len(dims) for d in dims]
    if isinstance(x, Held):
        return x.view(tuple(x.shape[d] for d in dims))
    if not isinstance(x, Act):
        raise Refused("a permute of a value that is not a tensor")
    return Act(x.ref, tuple(x.shape[d] for d in dims), tuple(dims.index(a) if a != VIRTUAL else a for a in x.perm))


@handles("transpose", "swapaxes")
def transpose(t: Translator, op: Op) -> Any:
    x = t.value(op.args[0])
    rank = len(x.shape)
    dims = list(range(rank))
    a, b = t.arg(op, 1, "dim0") % rank, t.arg(op, 2, "dim1") % rank
    dims[a], dims[b] = dims[b], dims[a]
    return moved(t, x, dims)


@handles("t", "numpy_T")
def transposed(t: Translator, op: Op) -> Any:
    return moved(t, t.value(op.args[0]), [1, 0])


@handles("index")
def index(t: Translator, op: Op) -> Any:
    """A table of the model's gathered by index (Swin's relative position bias): the same
    parameter, viewed; the gathered copy is not new weights."""
    table = t.value(op.args[0])
    if isinstance(table, Held):
        return table.view(tuple(op.out))
    raise Refused("indexing a computed tensor by positions: not supported")


@handles("roll")
def roll(t: Translator, op: Op) -> Act:
    x = t.act(op.args[0])
    shifts, dims = t.arg(op, 1, "shifts"), t.arg(op, 2, "dims", [])
    shifts = [shifts] if isinstance(shifts, int) else list(shifts)
    dims = [dims] if isinstance(dims, int) else list(dims)
    if not dims:
        raise Refused("a roll of the flattened tensor: not supported")
    return t.emit({"type": "roll", "shift": shifts, "axis": [spec_axis(x, d) for d in dims]}, [x], x.perm)


@handles("expand", "expand_as")
def expand(t: Translator, op: Op) -> Any:
    x = t.value(op.args[0])
    if isinstance(x, Held):
        return x.view(tuple(op.out))
    if isinstance(x, Act) and tuple(op.out) == x.shape:
        return x
    if isinstance(x, Act) and isinstance(op.out, tuple) and len(op.out) == x.rank:
        grown = [a for a in range(x.rank) if op.out[a] != x.shape[a]]
        if all(x.shape[a] == 1 for a in grown) and x.perm[0] not in grown:
            # Copies along an axis of one (grouped-query attention's repeat_kv: each key/value head
            # for the query heads that read it) are a concatenation of the tensor with itself:
            # no count, and the copy's elements, as the reshape after it makes them in PyTorch.
            for a in grown:
                x = t.emit({"type": "concat", "axis": spec_axis(x, a)}, [x] * op.out[a], x.perm, hint="repeat",
                           check=False)
            return x
    raise Refused("an expand of a computed tensor along an axis longer than one: archcalc repeats a tensor only "
                  "along a new axis of one")


@handles("cat", "concat", "concatenate")
def cat(t: Translator, op: Op) -> Act:
    parts = t.value(op.args[0])
    dim = t.arg(op, 1, "dim", 0)
    held = [p for p in parts if isinstance(p, Held)]
    acts = [p for p in parts if isinstance(p, Act)]
    if held and len(acts) == 1 and parts[-1] is acts[0] and acts[0].rank == 3 and dim % 3 == 1 \
            and all(h.base == (1, 1, acts[0].shape[2]) and h.kind == "parameter" for h in held):
        x = t.torch_order(acts[0])        # learned tokens prepended (ViT's class token; DeiT's and its distillation token)
        for token in reversed(held):
            x = t.emit({"type": "class_token"}, [x], held=[token], check=token is held[0])
        return x
    if held or len(acts) != len(parts):
        raise Refused("a concatenation with a tensor of the model's own: archcalc has a rule for prepended "
                      "learned tokens [1, 1, C] only")
    return _concatenated(t, acts, dim)


def _concatenated(t: Translator, acts: list[Act], dim: int) -> Act:
    """`acts` joined along PyTorch's axis `dim`, each held as the first is."""
    first = acts[0]
    if len(acts) == 1:
        return first
    aligned = [first, *(t.hold(a, first.perm) for a in acts[1:])]
    return t.emit({"type": "concat", "axis": spec_axis(first, dim)}, aligned, first.perm)


@handles("stack")
def stack(t: Translator, op: Op) -> Act:
    """Tensors stacked on a new axis: each given an axis of one there (a reshape), then
    concatenated along it (selective-kernel branches, CoaT's serial blocks)."""
    parts = t.value(op.args[0])
    if not all(isinstance(p, Act) for p in parts):
        raise Refused("a stack with a tensor of the model's own: not supported")
    dim = t.arg(op, 1, "dim", 0) % (parts[0].rank + 1)
    return _concatenated(t, [t.reshape(p, (*p.shape[:dim], 1, *p.shape[dim:]), check=False) for p in parts], dim)


@handles("getitem")
def getitem(t: Translator, op: Op) -> Any:
    values = t.value(op.args[0])
    if not isinstance(values, (Act, Held)):
        return operator.getitem(values, op.args[1])      # one output of several (a split, a pooling's indices)
    index = op.args[1] if isinstance(op.args[1], tuple) else (op.args[1],)
    if not all(i is None or i is Ellipsis or i == slice(None) for i in index):
        raise Refused("indexing a tensor with positions (FX's x[i]): archcalc reads slices through export")
    if isinstance(values, Held):
        return values.view(tuple(op.out))
    return _reshape_to(t, values, tuple(op.out))          # x[:, :, None]: new axes of size 1


def _slice(t: Translator, x: Act, dim: int, start: int, stop: int, step: int = 1) -> Act:
    return t.emit({"type": "slice", "axis": spec_axis(x, dim), "start": start, "stop": stop, "step": step}, [x],
                  x.perm, check=False)


@handles("split", "split_with_sizes", "chunk", "unsafe_split")
def split(t: Translator, op: Op) -> list[Act]:
    x = t.act(op.args[0])
    dim = t.arg(op, 2, "dim", 0) % x.rank
    size = x.shape[dim]
    if op.target == "chunk":
        chunks = t.arg(op, 1, "chunks")
        step = -(-size // chunks)
        sizes = [min(step, size - i) for i in range(0, size, step)]
    elif isinstance(t.arg(op, 1, "split_size"), int):
        step = t.arg(op, 1, "split_size")
        sizes = [min(step, size - i) for i in range(0, size, step)]
    else:
        sizes = [int(n) for n in t.arg(op, 1, "split_sizes")]
    parts, start = [], 0
    for n in sizes:
        parts.append(x if n == size else _slice(t, x, dim, start, start + n))
        start += n
    return parts


@handles("unbind")
def unbind(t: Translator, op: Op) -> list[Act]:
    x = t.act(op.args[0])
    dim = t.arg(op, 1, "dim", 0) % x.rank
    parts = []
    for i in range(x.shape[dim]):
        piece = _slice(t, x, dim, i, i + 1)
        parts.append(_reshape_to(t, piece, (*x.shape[:dim], *x.shape[dim + 1:])))
    return parts


@handles("slice")
def slice_(t: Translator, op: Op) -> Any:
    x = t.value(op.args[0])
    if isinstance(x, Held):
        return x.view(tuple(op.out))
    x = t.act(op.args[0])
    dim = t.arg(op, 1, "dim", 0) % x.rank
    start, stop, step = t.arg(op, 2, "start", None), t.arg(op, 3, "end", None), t.arg(op, 4, "step", 1)
    indices = range(*slice(start, stop, step).indices(x.shape[dim]))
    if len(indices) == x.shape[dim]:
        return x
    if dim == x.perm[0]:
        raise Refused("a slice of the batch axis")
    return _slice(t, x, dim, indices.start, indices.stop, indices.step)


@handles("select")
def select(t: Translator, op: Op) -> Any:
    held = t.value(op.args[0])
    if isinstance(held, Held):
        return held.view(tuple(op.out))
    x = t.act(op.args[0])
    dim, index = t.arg(op, 1, "dim") % x.rank, t.arg(op, 2, "index")
    if x.rank == 3 and dim == 1 and x.perm[0] == 0:
        x = t.torch_order(x)
        return t.emit({"type": "take", "index": int(index)}, [x])
    index %= x.shape[dim]
    piece = _slice(t, x, dim, index, index + 1)
    return _reshape_to(t, piece, (*x.shape[:dim], *x.shape[dim + 1:]))


@handles("constant_pad_nd", "pad")
def pad(t: Translator, op: Op) -> Act:
    x = t.torch_order(t.act(op.args[0]))
    amounts = [int(n) for n in t.arg(op, 1, "pad")]
    pairs = [[0, 0] for _ in range(x.rank)]           # per PyTorch axis, the last axis's pair first in `pad`
    for i in range(0, len(amounts), 2):
        pairs[x.rank - 1 - i // 2] = [amounts[i], amounts[i + 1]]
    if min(amounts, default=0) < 0:
        raise Refused("a negative padding (a crop): not supported")
    if x.perm[0] != VIRTUAL and pairs[x.perm[0]] != [0, 0]:
        raise Refused("a padding of the batch axis")
    pairs = [pairs[a] for a in x.perm[1:]]
    if op.target == "pad":        # aten.pad(input, pad, mode, value); constant_pad_nd(input, pad, value)
        mode, value = t.arg(op, 2, "mode", "constant"), t.arg(op, 3, "value", None)
        if mode != "constant":
            raise Refused(f"a padding in mode '{str(mode)[:20]}': archcalc's pad layer fills with a constant")
    else:
        value = t.arg(op, 2, "value", None)
    return t.emit({"type": "pad", "padding": pairs, "value": float(value or 0.0)}, [x])


@handles("sym_size", "size", "dim", "numel")
def size(t: Translator, op: Op) -> Any:
    return op.out


@handles("upsample_nearest2d", "upsample_bilinear2d")
def upsample(t: Translator, op: Op) -> Act:
    x = t.channels_last(t.act(op.args[0]))
    out = op.out
    return t.emit({"type": "upsample2d", "size": [int(out[2]), int(out[3])],
                   "mode": "nearest" if "nearest" in op.target else "bilinear"}, [x], x.perm)
