"""Reference dependency kernels of the layers that join, merge or mix positions: element-wise
joins, concatenation, flatten and reshape, reductions, matmul, attention, recurrences."""

from __future__ import annotations

from .fields import Dep, Merged, Positions, _gather, _listed, _spread, _union, _whole, dep_kernel


def _merge_entries(entries, length):
    """Several branches' entries for one axis: position by position, the union of their sets."""
    if not entries:
        return None
    if all(isinstance(e, Positions) for e in entries) and len({e.source for e in entries}) == 1:
        sets = [0] * length
        for e in entries:
            for o, bits in enumerate(e.sets):
                sets[o] |= bits
        return Positions(entries[0].source, sets)
    return Merged(_union(*(_whole(e) for e in entries)))


@dep_kernel("add", "subtract", "multiply")
def joined(args, ins, out, concat_axis=None):
    rank = len(out)
    axes = []
    every = _union(*(d.every for d in ins))
    for axis in range(rank):
        entries = []
        for dep in ins:
            at = axis - (rank - len(dep.shape))
            if at < 0 or dep.axes[at] is None:
                continue
            entry = dep.axes[at]
            if dep.shape[at] == 1 and out[axis] != 1:        # broadcast: its one position, everywhere
                every = _union(every, {entry.source: entry.sets[0]} if isinstance(entry, Positions) else entry.sets)
            else:
                entries.append(entry)
        if axis == concat_axis and entries:
            axes.append(Merged(_union(*(_whole(e) for e in entries))))
        else:
            axes.append(_merge_entries(entries, out[axis]))
    return Dep(out, axes, every)


@dep_kernel("concat")
def concat(args, ins, out):
    return joined(args, ins, out, concat_axis=args["axis"] % len(out))


def _merged_from(dep: Dep, keep: int, out):
    rest = [e for e in dep.axes[keep:] if e is not None]
    merged = _union(*(_whole(e) for e in rest))
    new: list[Positions | Merged | None] = [None] * (len(out) - keep)
    every = dep.every
    if merged:
        if new:
            new[0] = Merged(merged)
        else:
            every = _union(every, merged)
    return Dep(out, list(dep.axes[:keep]) + new, every)


@dep_kernel("flatten")
def flatten(args, ins, out):
    return _merged_from(ins[0], 0, out)


@dep_kernel("reshape")
def reshape(args, ins, out):
    dep = ins[0]
    keep = 0
    while keep < min(len(dep.shape), len(out)) and dep.shape[keep] == out[keep]:
        keep += 1
    if keep == len(dep.shape) == len(out):
        return dep
    return _merged_from(dep, keep, out)


@dep_kernel("reduce")
def reduce(args, ins, out):
    dep = ins[0]
    rank = len(dep.shape)
    axes = sorted({a % rank for a in _listed(args["axis"], 1)})
    got = _gather(dep, axes, keep=args["keepdims"])
    return got if got.axes else Dep(out, [None], got.every)


@dep_kernel("matmul")
def matmul(args, ins, out):
    a, b = ins
    a = _gather(a, [len(a.shape) - 1], keep=True)
    b = _gather(b, [len(b.shape) - 2], keep=True)
    lead = joined(args, [Dep(a.shape[:-2], a.axes[:-2], {}), Dep(b.shape[:-2], b.axes[:-2], {})], out[:-2])
    return Dep(out, lead.axes + [a.axes[-2], b.axes[-1]], _union(a.every, b.every, lead.every))


@dep_kernel("attention")
def attention(args, ins, out):
    query = ins[0]
    if args["window"] is not None:
        return _windows(args, query)
    if len(ins) == 2:
        keys = _gather(ins[1], [0])
        return Dep(out, query.axes, _union(query.every, keys.every))
    entry = query.axes[0]
    if args["causal"] and not isinstance(entry, Positions):
        return query                  # followed as a whole: the union is unchanged
    if args["causal"] and isinstance(entry, Positions):
        sets = _running_unions(entry.sets, args["sliding_window"])
        return Dep(out, [Positions(entry.source, sets)] + query.axes[1:], query.every)
    return _spread(query, [0])


def _running_unions(sets: list[int], window: int | None) -> list[int]:
    """Position t: the union of sets t - window + 1 .. t (0 .. t without a window). In blocks of
    `window`, the union over a window is a suffix union of one block and a prefix union of
    the next: linear time, where a loop per position would be quadratic."""
    n = len(sets)
    size = window or n
    prefix, suffix = [0] * n, [0] * n
    for start in range(0, n, size):
        end = min(start + size, n)
        bits = 0
        for t in range(start, end):
            bits |= sets[t]
            prefix[t] = bits
        bits = 0
        for t in range(end - 1, start - 1, -1):
            bits |= sets[t]
            suffix[t] = bits
    out = []
    for t in range(n):
        first = max(0, t - size + 1)
        out.append(prefix[t] if first // size == t // size else suffix[first] | prefix[t])
    return out


def _windows(args, dep: Dep) -> Dep:
    """Swin (torchvision's shifted_window_attention): pad to whole windows, roll by −shift,
    attend inside each window among positions of the same mask region, roll back."""
    axes = list(dep.axes)
    for axis, (size, shift) in enumerate(zip(args["window"], args["shift"] or (0, 0))):
        entry = axes[axis]
        if not isinstance(entry, Positions):
            continue
        n = len(entry.sets)
        padded = -(-n // size) * size

        def region(u, padded=padded, size=size, shift=shift):
            return 0 if not shift else 0 if u < padded - size else 1 if u < padded - shift else 2
        sets = []
        for x in range(n):
            u = (x - shift) % padded
            start = u // size * size
            bits = 0
            for v in range(start, start + size):
                if region(v) == region(u):
                    x2 = (v + shift) % padded
                    if x2 < n:
                        bits |= entry.sets[x2]
            sets.append(bits)
        axes[axis] = Positions(entry.source, sets)
    return Dep(dep.shape, axes, dep.every)


@dep_kernel("latent_attention")
def latent_attention(args, ins, out):
    """DeepSeek's latent attention: each query reads every key position (or those up to its own)."""
    query = ins[0]
    entry = query.axes[0]
    if not args["causal"]:
        return _spread(query, [0])
    if not isinstance(entry, Positions):
        return query
    return Dep(out, [Positions(entry.source, _running_unions(entry.sets, None))] + query.axes[1:], query.every)


@dep_kernel("lstm", "gru", "rnn")
def recurrent(args, ins, out):
    dep = ins[0]
    if not args["return_sequences"]:
        return _gather(dep, [0])
    if args["bidirectional"]:
        return _spread(dep, [0])
    entry = dep.axes[0]
    if not isinstance(entry, Positions):
        return dep
    sets, bits = [], 0
    for s in entry.sets:
        bits |= s
        sets.append(bits)
    return Dep(out, [Positions(entry.source, sets)] + dep.axes[1:], dep.every)
