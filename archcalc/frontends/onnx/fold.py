"""Folding the small constants of shape arithmetic, in plain Python.

An exporter writes the sizes of reshapes, the positions of slices and the masks of attention
as little graphs of constants (`Shape` → `Gather` → `Concat` → `Reshape`). The door computes
them to learn the shapes; nothing here ever sees a weight's values.

An `Array` is a shape, its elements in row-major order and an ONNX element type. Every
operation works out its result's shape first — refusing, through `Refused`, constants that do
not fit together — and its element count is held to `MAX_ELEMENTS` before a single element is
computed (`check_size`): a file cannot make the door build a large tensor, however it asks.
The translator holds the sum over the whole file to `MAX_FOLDED`, so time is bounded too.
"""

from __future__ import annotations

import math
import struct
from typing import Callable, Sequence, Union

MAX_ELEMENTS = 1 << 16      # the largest constant the door computes (elements); beyond it only its shape is kept
MAX_FOLDED = 1 << 21        # the elements of all the constants a file makes the door compute, together
MAX_RANK = 64               # no exporter writes tensors of more axes; refused beyond, so axis work stays small
FLOAT, INT64, BOOL, DOUBLE = 1, 7, 9, 11
FLOAT_TYPES = {1, 10, 11, 16}           # float, float16, double, bfloat16
INT_TYPES = {2, 3, 4, 5, 6, 7, 12, 13}  # uint8, int8, uint16, int16, int32, int64, uint32, uint64
SINGLE = {1, 10, 16}                    # held rounded to single precision, as the file computes them
_MASK = (1 << 64) - 1

# An element of a constant: a bool, an integer or a float (a bool is an int to mypy).
Element = Union[int, float]


class Refused(Exception):
    """Constants a file asks to combine that do not fit together (or would be too large):
    the translator turns it into a located error line naming the node."""


class Array:
    """A constant's value: `shape`, its elements `data` (row-major) and ONNX element type `dtype`."""
    __slots__ = ("shape", "data", "dtype")

    def __init__(self, shape: Sequence[int], data: list[Element], dtype: int):
        self.shape, self.data, self.dtype = tuple(shape), data, dtype

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def kind(self) -> str:
        return "b" if self.dtype == BOOL else "f" if self.dtype in FLOAT_TYPES else "i"

    def ints(self) -> list[int]:
        """The elements as integers (shapes, axes, positions): a float that is not whole is refused."""
        out = []
        for v in self.data:
            if isinstance(v, float) and not v.is_integer():
                raise Refused(f"the value {v} where an integer was expected")
            out.append(int(v))
        return out

    def first(self) -> Element:
        if not self.data:
            raise Refused(f"an empty constant of shape {list(self.shape)} where a value was expected")
        return self.data[0]


def count(shape: Sequence[int]) -> int:
    return math.prod(shape)


def check_size(shape: Sequence[int]) -> bool:
    """True when a constant of `shape` is small enough to compute; refuses an absurd rank."""
    check_rank(len(shape))
    if any(n < 0 for n in shape):
        raise Refused(f"a negative size in shape {list(shape)}")
    return count(shape) <= MAX_ELEMENTS


def check_rank(rank: int) -> None:
    if rank > MAX_RANK:
        raise Refused(f"a tensor of {rank} axes (archcalc reads at most {MAX_RANK})")


def axis_of(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise Refused(f"axis {axis} is outside a rank-{rank} tensor")
    return axis % rank


def strides(shape: Sequence[int]) -> list[int]:
    out, step = [0] * len(shape), 1
    for i in range(len(shape) - 1, -1, -1):
        out[i] = step
        step *= shape[i]
    return out


def combine(per_axis: Sequence[Sequence[int]], steps: Sequence[int]) -> list[int]:
    """Flat positions of every element of a grid whose axis i takes positions per_axis[i]
    (each multiplied by steps[i]): the one indexing helper of broadcasts, slices and gathers."""
    index = [0]
    for positions, step in zip(per_axis, steps):
        index = [i + p * step for i in index for p in positions]
    return index


def broadcast(*shapes: Sequence[int]) -> tuple[int, ...]:
    """NumPy's rule: axes aligned from the right, a size of 1 takes the other size (even 0)."""
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for column in zip(*[(1,) * (rank - len(s)) + tuple(s) for s in shapes]):
        sizes = {n for n in column if n != 1}
        if len(sizes) > 1:
            raise Refused(f"shapes {' and '.join(str(list(s)) for s in shapes)} do not broadcast")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def spread(a: Array, shape: tuple[int, ...]) -> list[Element]:
    """`a`'s elements broadcast to `shape`."""
    if a.shape == shape:
        return a.data
    full = (1,) * (len(shape) - len(a.shape)) + a.shape
    steps = [s if n != 1 else 0 for n, s in zip(full, strides(full))]
    return [a.data[i] for i in combine([range(n) for n in shape], steps)]


def result_type(arrays: Sequence[Array]) -> int:
    types = {a.dtype for a in arrays}
    if len(types) == 1:
        return types.pop()
    floats = types & FLOAT_TYPES
    if floats:
        return DOUBLE if DOUBLE in floats or len(floats) > 1 else floats.pop()
    return BOOL if types == {BOOL} else INT64


def made(shape: Sequence[int], data: Sequence[Element], dtype: int) -> Array:
    """An array of `dtype`: integers wrapped to 64 bits, floats rounded as the file holds them."""
    out: list[Element]
    if dtype in FLOAT_TYPES:
        out = [float(v) for v in data]
        if dtype in SINGLE and out:
            out = list(struct.unpack(f"<{len(out)}f", struct.pack(f"<{len(out)}f", *[_single(v) for v in out])))
    elif dtype == BOOL:
        out = [bool(v) for v in data]
    else:
        out = [wrap(int(v)) for v in data]
    return Array(shape, out, dtype)


def _single(v: float) -> float:
    """A double the nearest single-precision value can hold (struct refuses out-of-range values)."""
    if math.isfinite(v) and abs(v) > 3.4028234663852886e38:
        return math.copysign(math.inf, v)
    return v


def wrap(v: int) -> int:
    v &= _MASK
    return v - (1 << 64) if v >= 1 << 63 else v


def elementwise(fn: Callable[..., Element], arrays: Sequence[Array], dtype: int | None = None) -> Array | tuple[int, ...]:
    """`fn` applied element by element to broadcast operands; a result too large is only a shape."""
    shape = broadcast(*[a.shape for a in arrays])
    if not check_size(shape):
        return shape
    columns = [spread(a, shape) for a in arrays]
    return made(shape, [fn(*xs) for xs in zip(*columns)], dtype if dtype is not None else result_type(arrays))


# -- scalar operations with the file's (IEEE and two's-complement) semantics --------------------

def divide(a: Element, b: Element) -> Element:
    if isinstance(a, float) or isinstance(b, float):
        if b == 0:
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    if b == 0:
        raise Refused("an integer division by zero")
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def modulo(a: Element, b: Element) -> Element:
    if b == 0:
        if isinstance(a, float) or isinstance(b, float):
            return math.nan
        raise Refused("an integer modulo by zero")
    if isinstance(a, float) or isinstance(b, float):
        return math.fmod(a, b) if math.isinf(b) else a - math.floor(a / b) * b
    return a % b


def power(a: Element, b: Element) -> Element:
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if a == 0 and b < 0:
            return math.inf
        if a < 0 and not b.is_integer():
            return math.nan
        try:
            return a ** b
        except OverflowError:        # beyond a double: infinity, as the file's arithmetic gives
            return math.inf if a > 0 or b % 2 == 0 else -math.inf
    if b < 0:
        raise Refused("an integer raised to a negative power")
    return wrap(pow(a, b, 1 << 64))


def sqrt(a: Element) -> Element:
    return math.sqrt(a) if a >= 0 else math.nan


def log(a: Element) -> Element:
    return math.log(a) if a > 0 else -math.inf if a == 0 else math.nan


def exp(a: Element) -> Element:
    return math.exp(a) if a < 709 else math.inf


def reciprocal(a: Element) -> Element:
    return divide(1.0 if isinstance(a, float) else 1, a)


def rounded(fn: Callable[[float], int]) -> Callable[[Element], Element]:
    """math.floor / math.ceil on a float, keeping infinities and NaN (which have no integer)."""
    return lambda a: float(fn(a)) if isinstance(a, float) and math.isfinite(a) else a


def isnan(a: Element) -> bool:
    return isinstance(a, float) and math.isnan(a)


def isinf(a: Element) -> bool:
    return isinstance(a, float) and math.isinf(a)


BINARY: dict[str, Callable[[Element, Element], Element]] = {
    "Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mul": lambda a, b: a * b, "Div": divide,
    "Pow": power, "Mod": modulo, "Max": lambda a, b: a if a >= b or isnan(a) else b,
    "Min": lambda a, b: a if a <= b or isnan(a) else b,
}
COMPARE: dict[str, Callable[[Element, Element], bool]] = {
    "Equal": lambda a, b: a == b, "Less": lambda a, b: a < b, "Greater": lambda a, b: a > b,
    "LessOrEqual": lambda a, b: a <= b, "GreaterOrEqual": lambda a, b: a >= b,
    "And": lambda a, b: bool(a) and bool(b), "Or": lambda a, b: bool(a) or bool(b),
}
FLOAT_UNARY: dict[str, Callable[[Element], Element]] = {
    "Sqrt": sqrt, "Exp": exp, "Log": log, "Floor": rounded(math.floor), "Ceil": rounded(math.ceil),
    "Reciprocal": reciprocal, "Sin": lambda a: math.sin(a) if math.isfinite(a) else math.nan,
    "Cos": lambda a: math.cos(a) if math.isfinite(a) else math.nan,
}
UNARY: dict[str, Callable[[Element], Element]] = {"Neg": lambda a: -a, "Abs": abs}
TESTS: dict[str, Callable[[Element], bool]] = {"Not": lambda a: not a, "IsNaN": isnan, "IsInf": isinf}


def binary(op: str, a: Array, b: Array) -> Array | tuple[int, ...]:
    if op in COMPARE:
        return elementwise(COMPARE[op], [a, b], BOOL)
    dtype = result_type([a, b])
    if op == "Pow":
        dtype = a.dtype          # ONNX: Pow's result has the base's type
    return elementwise(BINARY[op], [a, b], dtype)


def unary(op: str, a: Array) -> Array | tuple[int, ...]:
    if op in TESTS:
        return elementwise(TESTS[op], [a], BOOL)
    if op in FLOAT_UNARY:
        fn = FLOAT_UNARY[op]
        if a.kind != "f":
            if op in ("Floor", "Ceil"):
                return a
            if op == "Reciprocal":
                return elementwise(reciprocal, [a])
            return elementwise(lambda v: fn(float(v)), [a], DOUBLE)
        return elementwise(fn, [a])
    return elementwise(UNARY[op], [a])


def cast(a: Array, dtype: int) -> Array:
    if dtype in FLOAT_TYPES:
        return made(a.shape, [float(v) for v in a.data], dtype)
    if dtype == BOOL:
        return made(a.shape, [bool(v) for v in a.data], dtype)
    if dtype not in INT_TYPES:
        raise Refused(f"a Cast of constants to element type {dtype} has no rule")
    out = []
    for v in a.data:
        if isinstance(v, float) and not math.isfinite(v):
            raise Refused(f"a Cast of {v} to an integer")
        out.append(int(v))
    return made(a.shape, out, INT64 if dtype == INT64 else dtype)


# -- shape-changing operations -------------------------------------------------------------------

def reshape(a: Array, shape: Sequence[int]) -> Array:
    if count(shape) != a.size:
        raise Refused(f"a constant of shape {list(a.shape)} cannot be reshaped to {list(shape)}")
    return Array(shape, a.data, a.dtype)


def transpose(a: Array, perm: Sequence[int]) -> Array:
    steps = strides(a.shape)
    shape = tuple(a.shape[p] for p in perm)
    index = combine([range(n) for n in shape], [steps[p] for p in perm])
    return Array(shape, [a.data[i] for i in index], a.dtype)


def concat(arrays: Sequence[Array], axis: int) -> Array | tuple[int, ...]:
    first = arrays[0]
    rank = len(first.shape)
    axis = axis_of(axis, rank)
    for a in arrays[1:]:
        if len(a.shape) != rank or any(m != n for i, (m, n) in enumerate(zip(a.shape, first.shape)) if i != axis):
            raise Refused(f"constants of shapes {', '.join(str(list(b.shape)) for b in arrays)} do not "
                          f"join along axis {axis}")
    shape = list(first.shape)
    shape[axis] = sum(a.shape[axis] for a in arrays)
    if not check_size(shape):
        return tuple(shape)
    outer = count(first.shape[:axis])
    data = []
    for k in range(outer):
        for a in arrays:
            block = count(a.shape[axis:])
            data.extend(a.data[k * block:(k + 1) * block])
    return made(shape, data, result_type(arrays))


def slice_positions(length: int, start: int, stop: int, step: int) -> range:
    if step == 0:
        raise Refused("a slice step of 0")
    return range(*slice(start, stop, step).indices(length))


def take(a: Array, per_axis: Sequence[Sequence[int]]) -> Array:
    """The elements of `a` at every combination of the given positions along each axis."""
    shape = tuple(len(p) for p in per_axis)
    return Array(shape, [a.data[i] for i in combine(per_axis, strides(a.shape))], a.dtype)


def gather(a: Array, indices: Array, axis: int) -> Array | tuple[int, ...]:
    axis = axis_of(axis, len(a.shape))
    length = a.shape[axis]
    positions = []
    for i in indices.ints():
        if not -length <= i < length:
            raise Refused(f"position {i} is outside an axis of {length}")
        positions.append(i % length)
    shape = (*a.shape[:axis], *indices.shape, *a.shape[axis + 1:])
    if not check_size(shape):
        return shape
    per_axis: list[Sequence[int]] = [range(n) for n in a.shape]
    per_axis[axis] = positions
    picked = take(a, per_axis)
    return Array(shape, picked.data, a.dtype)


def expand(a: Array, shape: Sequence[int]) -> Array | tuple[int, ...]:
    out = broadcast(a.shape, shape)
    if not check_size(out):
        return out
    return Array(out, spread(a, out), a.dtype)


def tile(a: Array, repeats: Sequence[int]) -> Array | tuple[int, ...]:
    if len(repeats) != len(a.shape) or any(r < 0 for r in repeats):
        raise Refused(f"repeats {list(repeats)} for a constant of shape {list(a.shape)}")
    shape = tuple(n * r for n, r in zip(a.shape, repeats))
    if not check_size(shape):
        return shape
    return take(a, [[p for _ in range(r) for p in range(n)] for n, r in zip(a.shape, repeats)])


def arange(start: Element, stop: Element, step: Element) -> Array | tuple[int, ...]:
    if step == 0:
        raise Refused("a Range with a step of 0")
    # the sum is a float when any of them is one: asked of each, so mypy knows them ints after
    if isinstance(start, float) or isinstance(stop, float) or isinstance(step, float):
        n = max(math.ceil((stop - start) / step), 0)
    else:
        n = max(-((start - stop) // step), 0)
    if not check_size((n,)):
        return (n,)
    dtype = DOUBLE if isinstance(start + stop + step, float) else INT64
    return made((n,), [start + i * step for i in range(n)], dtype)


def where(condition: Array, a: Array, b: Array) -> Array | tuple[int, ...]:
    return elementwise(lambda c, x, y: x if c else y, [condition, a, b], result_type([a, b]))


def reduce(op: str, a: Array, axes: Sequence[int] | None, keep: bool) -> Array | tuple[int, ...]:
    rank = len(a.shape)
    chosen = sorted({axis_of(x, rank) for x in axes}) if axes else list(range(rank))
    kept = [i for i in range(rank) if i not in chosen]
    shape = tuple(1 if i in chosen else n for i, n in enumerate(a.shape)) if keep else tuple(a.shape[i] for i in kept)
    if not check_size(shape):
        return shape
    steps = strides(a.shape)
    groups = combine([range(a.shape[i]) for i in kept], [steps[i] for i in kept])
    inner = combine([range(a.shape[i]) for i in chosen], [steps[i] for i in chosen])
    out: list[Element] = []
    for g in groups:
        values = [a.data[g + i] for i in inner]
        if op in ("max", "min") and not values:
            raise Refused(f"a Reduce{op.capitalize()} over an empty axis")
        if op == "sum":
            out.append(sum(values))
        elif op == "mean":
            out.append(divide(sum(values), len(values)) if values else math.nan)
        else:
            out.append(max(values) if op == "max" else min(values))
    return made(shape, out, a.dtype)


def matmul(a: Array, b: Array) -> Array | tuple[int, ...]:
    if len(a.shape) != 2 or len(b.shape) != 2 or a.shape[1] != b.shape[0]:
        raise Refused(f"a MatMul of constants of shapes {list(a.shape)} and {list(b.shape)} has no rule "
                      "(two matrices whose inner sizes agree have)")
    rows, inner, cols = a.shape[0], a.shape[1], b.shape[1]
    if not check_size((rows, cols)) or rows * inner * cols > MAX_ELEMENTS:
        return (rows, cols)
    data = [sum(a.data[r * inner + k] * b.data[k * cols + c] for k in range(inner))
            for r in range(rows) for c in range(cols)]
    return made((rows, cols), data, result_type([a, b]))



def full(shape: Sequence[int], value: Element, dtype: int) -> Array | tuple[int, ...]:
    if not check_size(shape):
        return tuple(shape)
    return made(shape, [value] * count(shape), dtype)
