"""Ops that move data: Reshape, Flatten, (Un)Squeeze, Transpose, Expand, Concat, Slice,
Split, Gather."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .. import fold, indexing
from ..fold import Array, Refused, axis_of
from ..values import VIRTUAL, Act, Const
from .common import axes_of, const_result, fold_node, ints_of, op, present, set_reshaped, slice_act

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


def _target_shape(x_shape: tuple[int, ...], spec: list[int]) -> list[int]:
    fold.check_rank(len(spec))
    out = []
    for i, n in enumerate(spec):
        if n == 0:
            if i >= len(x_shape):
                raise Refused(f"shape {spec} copies axis {i} of a rank-{len(x_shape)} tensor")
            n = x_shape[i]
        elif n < -1:
            raise Refused(f"shape {spec} has a size below -1")
        out.append(n)
    if out.count(-1) > 1:
        raise Refused(f"shape {spec} leaves more than one size to infer")
    total = math.prod(x_shape)
    if -1 in out:
        known = math.prod(n for n in out if n != -1)
        if known == 0 or total % known:
            raise Refused(f"shape {spec} does not fit the {total} elements of {list(x_shape)}")
        out[out.index(-1)] = total // known
    if math.prod(out) != total:
        raise Refused(f"shape {spec} does not hold the {total} elements of {list(x_shape)}")
    return out


@op("Reshape")
def reshape(t: Translator, node: Node) -> None:
    value = t.value(t.input(node, 0, "input"))
    target = _target_shape(value.shape, ints_of(t, node, 1, "shape"))
    if isinstance(value, Const):
        reshaped = fold.reshape(value.value, target) if value.value is not None else None
        t.set(node.output[0], Const(reshaped, tuple(target), init=value.init, table=value.table))
        return
    set_reshaped(t, value, target)


@op("Flatten")
def flatten(t: Translator, node: Node) -> None:
    x = t.act(t.input(node, 0, "input"))
    axis = t.attrs().integer("axis", 1)
    if not -x.rank <= axis <= x.rank:
        raise t.error(f"axis {axis} is outside a rank-{x.rank} tensor")
    axis %= x.rank + 1
    if axis == 0:
        raise t.error("Flatten with axis 0 merges the batch axis")
    set_reshaped(t, x, [math.prod(x.shape[:axis]), math.prod(x.shape[axis:])])


@op("Unsqueeze", "Squeeze")
def squeeze(t: Translator, node: Node) -> None:
    value = t.value(t.input(node, 0, "input"))
    axes = axes_of(t, node)
    shape = list(value.shape)
    if node.op_type == "Unsqueeze":
        if axes is None:
            raise t.error("an Unsqueeze without axes")
        rank = len(shape) + len(axes)
        fold.check_rank(rank)
        new = {axis_of(a, rank) for a in axes}
        if len(new) != len(axes):
            raise t.error(f"axes {axes} name one axis twice")
        rest = iter(shape)
        shape = [1 if i in new else next(rest) for i in range(rank)]
        kept = [i for i in range(rank) if i not in new]        # where the old axes go, in order
    else:
        drop = {axis_of(a, len(shape)) for a in axes} if axes else {i for i, n in enumerate(shape) if n == 1}
        if any(shape[i] != 1 for i in drop):
            raise t.error(f"squeezing axes {sorted(drop)} of shape {shape}, not all of size 1")
        kept = [i - sum(d < i for d in drop) if i not in drop else -1 for i in range(len(shape))]
        shape = [n for i, n in enumerate(shape) if i not in drop]
    if isinstance(value, Const):
        t.set(node.output[0], Const(fold.reshape(value.value, shape) if value.value is not None else None,
                                    tuple(shape), init=value.init, table=value.table))
        return
    # the batch axis goes where the op moves it (a batch of one squeezed away: folded)
    batch = value.batch_axis
    set_reshaped(t, value, shape, kept[batch] if batch != VIRTUAL and kept[batch] >= 0 else None)


@op("Transpose")
def transpose(t: Translator, node: Node) -> None:
    value = t.value(t.input(node, 0, "input"))
    rank = len(value.shape)
    perm = t.attrs().integers("perm", None) or list(reversed(range(rank)))
    if sorted(perm) != list(range(rank)):
        raise t.error(f"perm {perm} is not an order of the {rank} axes")
    if isinstance(value, Const):
        t.set(node.output[0], Const(fold.transpose(value.value, perm) if value.value is not None else None,
                                    tuple(value.shape[p] for p in perm), init=value.init, table=value.table))
        return
    # The data stays where it is; only which file axis each of our axes is changes.
    shape = tuple(value.shape[p] for p in perm)
    t.set(node.output[0], Act(value.name, shape, tuple(a if a == VIRTUAL else perm.index(a) for a in value.perm)))


@op("Expand")
def expand(t: Translator, node: Node) -> None:
    value = t.value(t.input(node, 0, "input"))
    target = ints_of(t, node, 1, "shape")
    fold.check_rank(len(target))
    shape = fold.broadcast(value.shape, target)
    if isinstance(value, Const):
        expanded = fold.expand(value.value, shape) if value.value is not None else shape
        result = const_result(expanded)
        t.set(node.output[0], Const(result.value, shape, init=value.init, table=value.table))
        return
    if _broadcast_anyway(t, node, tuple(shape)):
        t.set(node.output[0], value)
        return
    if len(shape) != value.rank:
        raise t.error(f"an Expand of an activation from {list(value.shape)} to {list(shape)} has no rule")
    x = value
    for axis, (old, new) in enumerate(zip(value.shape, shape)):
        if old == new or axis == x.batch_axis:
            continue
        if old != 1 or new > 256:
            raise t.error(f"an Expand of an activation from {list(value.shape)} to {list(shape)} has no rule")
        # Copies side by side (grouped-query attention repeating its key/value heads): a concat.
        x = t.emit({"type": "concat", "axis": x.perm.index(axis) - 1}, [x] * new, x.perm,
                   hint=f"{t.node.name or 'expand'}_{axis}")
    t.set(node.output[0], x)


def _broadcast_anyway(t: Translator, node: Node, shape: tuple[int, ...]) -> bool:
    """Whether every reader of the Expand is an element-wise op whose other operand, already
    computed, has the expanded shape (F.normalize's x / norm.expand_as(x)): the op broadcasts
    the unexpanded tensor to the same result, so the copies are no layer of their own."""
    readers = t.consumers.get(node.output[0], ())
    if not readers:
        return False
    for reader in readers:
        others = [name for name in reader.input if name and name != node.output[0]]
        if reader.op_type not in ("Add", "Sub", "Mul", "Div") or len(others) != 1:
            return False
        other = t.values.get(others[0])
        if not isinstance(other, Act) or tuple(other.shape) != shape:
            return False
    return True


@op("Concat")
def concat(t: Translator, node: Node) -> None:
    axis = t.attrs().integer("axis")
    if fold_node(t, node, lambda *xs: fold.concat(xs, axis)):
        return
    values = [v for v in (t.value(name) for name in node.input if name)
              if not (isinstance(v, Const) and v.size == 0)]
    acts = [v for v in values if isinstance(v, Act)]
    if not acts:
        raise t.error("a Concat of computed tensors that are all empty")
    if any(a.rank != acts[0].rank for a in acts):
        raise t.error(f"a Concat of tensors of shapes {', '.join(str(list(a.shape)) for a in acts)}")
    axis = axis_of(axis, acts[0].rank)
    learned = [v for v in values if isinstance(v, Const)]
    if learned:
        _class_token(t, node, values, acts, axis)
        return
    first = acts[0]
    if len(acts) == 1:              # torch.cat of one tensor: the tensor itself
        t.set(node.output[0], first)
        return
    held = [first] + [t.hold(a, first.perm) for a in acts[1:]]
    ours = first.perm.index(axis) - 1
    t.set(node.output[0], t.emit({"type": "concat", "axis": ours}, held, first.perm))


def _class_token(t: Translator, node: Node, values: list[Act | Const], acts: list[Act], axis: int) -> None:
    """Concat([learned [1, k, C] tokens…, x], axis=1): ViT's class token, DeiT's class and
    distillation tokens, register tokens. Each of the k tokens is a class_token layer in front
    (the last first, so they end up in the file's order): k·C params each."""
    tokens, x = values[:-1], values[-1]
    if (not isinstance(x, Act) or len(acts) != 1 or axis != 1 or x.rank != 3 or x.batch_axis != 0
            or not all(isinstance(v, Const) and v.init is not None and len(v.shape) == 3 and v.shape[0] == 1
                       and v.shape[2] == x.shape[2] for v in tokens)):
        raise t.error("a Concat of activations and constants has no rule (learned [1, k, C] tokens in front of "
                      "a [N, T, C] sequence have)")
    out = t.file_order(x)
    for token in reversed(tokens):
        assert isinstance(token, Const)
        first = None
        for _ in range(token.shape[1]):
            out = t.emit({"type": "class_token"}, [out])
            first = first or out.name
        if first is not None:
            t.own(token.init, first)
    t.set(node.output[0], out)


@op("Slice")
def slice_op(t: Translator, node: Node) -> None:
    value = t.value(t.input(node, 0, "input"))
    starts = ints_of(t, node, 1, "starts")
    ends = ints_of(t, node, 2, "ends")
    axes = axes_of(t, node, 3) or list(range(len(starts)))
    steps = ints_of(t, node, 4, "steps") if present(node, 4) else [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise t.error(f"starts, ends, axes and steps of lengths {len(starts)}, {len(ends)}, {len(axes)}, "
                      f"{len(steps)}")
    axes = [axis_of(a, len(value.shape)) for a in axes]
    if len(set(axes)) != len(axes):
        raise t.error(f"axes {axes} name one axis twice")
    if isinstance(value, Const):
        per_axis = [range(n) for n in value.shape]
        for a, s, e, st in zip(axes, starts, ends, steps):
            per_axis[a] = fold.slice_positions(value.shape[a], s, e, st)
        if value.value is None:
            # Too large to read (Swin3D's relative position index): only its shape is followed,
            # which is all a Gather of position-table rows needs.
            t.set(node.output[0], Const(shape=tuple(len(p) for p in per_axis)))
        else:
            t.set(node.output[0], Const(fold.take(value.value, per_axis)))
        return
    x = value
    for a, s, e, st in zip(axes, starts, ends, steps):
        stop = min(e, x.shape[a]) if e > 0 else e
        if not len(fold.slice_positions(x.shape[a], s, stop, st)):
            # An empty part (a roll by 0 written as slices and a Concat): nothing to compute,
            # held as an empty constant that the Concat leaves out.
            shape = list(x.shape)
            shape[a] = 0
            t.set(node.output[0], Const(fold.made(shape, [], fold.FLOAT)))
            return
        x = slice_act(t, x, a, s, stop, st)
    t.set(node.output[0], x)


@op("Split")
def split(t: Translator, node: Node) -> None:
    x = t.act(t.input(node, 0, "input"))
    a = t.attrs()
    axis = axis_of(a.integer("axis", 0), x.rank)
    if not node.output:
        raise t.error("a Split with no outputs")
    if present(node, 1):
        sizes = ints_of(t, node, 1, "split")
    elif a.has("split"):
        sizes = a.integers("split")
    else:
        parts = a.integer("num_outputs", len(node.output))
        if parts != len(node.output):
            raise t.error(f"num_outputs {parts} for {len(node.output)} outputs")
        sizes = [-(-x.shape[axis] // parts)] * parts
        sizes[-1] = x.shape[axis] - sum(sizes[:-1])
    if len(sizes) != len(node.output) or min(sizes) < 0 or sum(sizes) != x.shape[axis]:
        raise t.error(f"parts {sizes} do not split the {x.shape[axis]} of axis {axis} into {len(node.output)} outputs")
    start = 0
    for name, size in zip(node.output, sizes):
        t.set(name, slice_act(t, x, axis, start, start + size, 1, name=f"{t.node.name or 'split'}_{name}"))
        start += size


@op("Gather")
def gather(t: Translator, node: Node) -> None:
    data = t.value(t.input(node, 0, "data"))
    indices = t.value(t.input(node, 1, "indices"))
    axis = t.attrs().integer("axis", 0)
    if isinstance(data, Const) and data.init is not None and isinstance(indices, Const) and len(data.shape) == 2 \
            and axis in (0, -2):
        # Rows of a trained table picked by constant positions (a position table): the result
        # remembers the whole table, whose every row is a parameter.
        rows = indices.value.ints() if indices.value is not None else None
        shape = (*indices.shape, data.shape[1])
        if rows and (min(rows) < -data.shape[0] or max(rows) >= data.shape[0]):
            raise t.error(f"positions {min(rows)}..{max(rows)} are outside the {data.shape[0]}-row table")
        value = (fold.gather(data.value, indices.value, 0)
                 if data.value is not None and indices.value is not None and rows is not None else None)
        value = value if isinstance(value, Array) else None
        t.set(node.output[0], Const(value, shape, init=data.init, table=data.table or data.shape))
        return
    if fold_node(t, node, lambda d, idx: fold.gather(d, idx, axis)):
        return
    if isinstance(data, Const) and isinstance(indices, Act):
        if len(data.shape) != 2 or axis != 0:
            raise t.error(f"a Gather from a constant of shape {list(data.shape)} other than an embedding table")
        vocab, dim = data.shape
        x = t.file_order(indices)
        out = t.emit({"type": "embedding", "vocab": vocab, "dim": dim, **t.tie_or_own(data.init, "")}, [x],
                     (*x.perm, x.rank))
        t.own(data.init, out.name)
        t.set(node.output[0], out)
        return
    if isinstance(data, Act) and isinstance(indices, Const) and indices.value is not None and indices.size == 1:
        axis = axis_of(axis, data.rank)
        index = indices.value.ints()[0]
        if not -data.shape[axis] <= index < data.shape[axis]:
            raise t.error(f"position {index} is outside an axis of {data.shape[axis]}")
        index %= data.shape[axis]
        picked = slice_act(t, data, axis, index, index + 1)
        if indices.shape == ():      # a scalar index drops the axis
            set_reshaped(t, picked, [n for i, n in enumerate(picked.shape) if i != axis])
        else:
            t.set(node.output[0], picked)
        return
    if isinstance(data, Act) and isinstance(indices, Const):
        # Constant positions picking every element once in a new arrangement (the dynamo
        # exporter's as_strided): data movement only, written as a reshape to the new shape.
        axis = axis_of(axis, data.rank)
        arranged = [*data.shape[:axis], *indices.shape, *data.shape[axis + 1:]]
        length = data.shape[axis]
        positions = None if indices.value is None else indices.value.ints()
        if positions is not None and length and sorted(p % length for p in positions) == list(range(length)) \
                and all(-length <= p < length for p in positions):
            set_reshaped(t, data, arranged)
            return
        raise t.error(f"a Gather of {list(indices.shape)} positions from {list(data.shape)} that is not a "
                      "rearrangement has no rule")
    raise t.error("a Gather of computed indices from a computed tensor has no rule")


@op("GatherND")
def gather_nd(t: Translator, node: Node) -> None:
    """Entries of a constant picked by constant positions (LeViT's and EfficientFormer-v2's
    attention biases: a trained [heads, offsets] table indexed per query/key pair). Picked from a
    trained table, the result remembers the whole table, whose every entry is a parameter."""
    data = t.value(t.input(node, 0, "data"))
    indices = t.value(t.input(node, 1, "indices"))
    if not isinstance(data, Const) or not isinstance(indices, Const):
        raise t.error("a GatherND of computed tensors has no rule (constant positions into a constant table have)")
    shape = indexing.gather_nd_shape(data.shape, indices.shape, t.attrs().integer("batch_dims", 0))
    value = None
    if indices.value is not None:
        depth = indices.shape[-1]
        for i, p in enumerate(indices.value.ints()):
            if not -data.shape[i % depth] <= p < data.shape[i % depth]:
                raise t.error(f"position {p} is outside an axis of {data.shape[i % depth]}")
        if data.value is not None:
            result = indexing.gather_nd(data.value, indices.value)
            value = result if isinstance(result, Array) else None
    table = (data.table or data.shape) if data.init is not None else None
    t.set(node.output[0], Const(value, shape, init=data.init, table=table))
