"""Folding the index ops exporters write on constants (NonZero, CumSum, Trilu, ScatterND,
GatherElements, GatherND): positions checked against the data's axes, refused when outside."""

from __future__ import annotations

from typing import Iterator, Sequence

from .fold import INT64, Array, Element, Refused, axis_of, check_size, count, made, strides


def nonzero(a: Array) -> Array | tuple[int, ...]:
    steps = strides(a.shape)
    found = [i for i, v in enumerate(a.data) if v]
    shape = (len(a.shape), len(found))
    if not check_size(shape):
        return shape
    data = [(i // s) % n for s, n in zip(steps, a.shape) for i in found]
    return made(shape, data, INT64)


def cumsum(a: Array, axis: int) -> Array:
    axis = axis_of(axis, len(a.shape))
    steps, out = strides(a.shape), list(a.data)
    for i in range(len(out)):
        if (i // steps[axis]) % a.shape[axis]:
            out[i] = out[i] + out[i - steps[axis]]
    return made(a.shape, out, a.dtype)


def trilu(a: Array, k: int, upper: bool) -> Array:
    if len(a.shape) < 2:
        raise Refused(f"a Trilu of a constant of shape {list(a.shape)} (it needs two axes)")
    rows, cols = a.shape[-2:]
    zero = 0.0 if a.kind == "f" else False if a.kind == "b" else 0
    out = [v if ((c - r >= k) if upper else (c - r <= k)) else zero
           for i, v in enumerate(a.data) for r, c in [((i // cols) % rows, i % cols)]]
    return Array(a.shape, out, a.dtype)


def scatter_nd(data: Array, indices: Array, updates: Array) -> Array:
    if not indices.shape:
        raise Refused("a ScatterND with scalar indices")
    depth = indices.shape[-1]
    if depth > len(data.shape):
        raise Refused(f"ScatterND positions of {depth} axes into a rank-{len(data.shape)} constant")
    block = count(data.shape[depth:])
    expected = (*indices.shape[:-1], *data.shape[depth:])
    if updates.shape != expected:
        raise Refused(f"ScatterND updates of shape {list(updates.shape)} where {list(expected)} fit")
    out = list(data.data)
    for j, start in enumerate(_block_starts(data.shape, indices)):
        out[start:start + block] = updates.data[j * block:(j + 1) * block]
    return Array(data.shape, out, data.dtype)


def gather_elements(data: Array, indices: Array, axis: int) -> Array:
    rank = len(data.shape)
    axis = axis_of(axis, rank)
    if len(indices.shape) != rank:
        raise Refused(f"GatherElements positions of shape {list(indices.shape)} in a rank-{rank} constant")
    steps, out_steps, positions = strides(data.shape), strides(indices.shape), indices.ints()
    out = []
    for i, p in enumerate(positions):
        if not -data.shape[axis] <= p < data.shape[axis]:
            raise Refused(f"position {p} is outside an axis of {data.shape[axis]}")
        flat = 0
        for d in range(rank):
            coordinate = (i // out_steps[d]) % indices.shape[d] if d != axis else p % data.shape[axis]
            if coordinate >= data.shape[d]:
                raise Refused(f"GatherElements positions of shape {list(indices.shape)} exceed {list(data.shape)}")
            flat += coordinate * steps[d]
        out.append(data.data[flat])
    return Array(indices.shape, out, data.dtype)


def gather_nd_shape(data_shape: Sequence[int], indices_shape: Sequence[int], batch_dims: int) -> tuple[int, ...]:
    """GatherND's result shape: the indices' leading axes, then the data's axes the positions
    do not name (ONNX's definition), checked before anything is computed."""
    if batch_dims:
        raise Refused("a GatherND with batch_dims has no rule")
    if not indices_shape or not 1 <= indices_shape[-1] <= len(data_shape):
        raise Refused(f"GatherND positions of shape {list(indices_shape)} into a rank-{len(data_shape)} tensor")
    return (*indices_shape[:-1], *data_shape[indices_shape[-1]:])


def gather_nd(data: Array, indices: Array) -> Array | tuple[int, ...]:
    shape = gather_nd_shape(data.shape, indices.shape, 0)
    depth = indices.shape[-1]
    block = count(data.shape[depth:])
    if not check_size(shape):
        return shape
    out: list[Element] = []
    for start in _block_starts(data.shape, indices):
        out.extend(data.data[start:start + block])
    return made(shape, out, data.dtype)


def _block_starts(shape: tuple[int, ...], indices: Array) -> Iterator[int]:
    """Where each block that `indices` names starts in a flat tensor of `shape` (ScatterND's
    and GatherND's positions: the last axis of `indices` gives one position per leading axis)."""
    depth, steps, positions = indices.shape[-1], strides(shape), indices.ints()
    for j in range(count(indices.shape[:-1])):
        start = 0
        for axis, p in enumerate(positions[j * depth:(j + 1) * depth]):
            if not -shape[axis] <= p < shape[axis]:
                raise Refused(f"position {p} is outside an axis of {shape[axis]}")
            start += (p % shape[axis]) * steps[axis]
        yield start
