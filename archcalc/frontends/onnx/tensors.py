"""A TensorProto's dims and type checked, and its values read when small.

Works on any record with TensorProto's field names (the onnx package's messages and
`model.py`'s). A tensor whose data lives in another file (external data) is never opened:
an initializer's shape is all the door needs, and a constant that needs its values is refused.
"""

from __future__ import annotations

import struct
from typing import Protocol, Sequence, Sized

from .fold import MAX_RANK, Array, Refused, count, made



class Run(Sized, Protocol):
    """A run of bytes known by its length (`model.Span`, or the bytes of an onnx message)."""
    def __bytes__(self) -> bytes: ...


class TensorRecord(Protocol):
    """What is read of a TensorProto: `model.Tensor`, or an onnx message (untyped, so any fits).
    Read-only, so a record's lists fit the sequences asked for."""
    @property
    def name(self) -> str: ...
    @property
    def dims(self) -> Sequence[int]: ...
    @property
    def data_type(self) -> int: ...
    @property
    def raw_data(self) -> Run: ...
    @property
    def string_data(self) -> Sequence[Run]: ...
    @property
    def data_location(self) -> int: ...
    @property
    def external_data(self) -> Sized: ...


# ONNX's element types: bytes per element (None: half a byte, two to a byte).
ITEM_BYTES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 8: 0, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16,
              16: 2, 17: 1, 18: 1, 19: 1, 20: 1, 21: None, 22: None, 23: None}
# How raw_data's little-endian bytes read, for the types whose values the door uses.
RAW = {1: "f", 2: "B", 3: "b", 4: "H", 5: "h", 6: "i", 7: "q", 9: "B", 10: "e", 11: "d", 12: "I", 13: "Q"}
# The typed field holding the values when raw_data is empty, and values per element there.
TYPED = {1: ("float_data", 1), 14: ("float_data", 2), 11: ("double_data", 1), 15: ("double_data", 2),
         7: ("int64_data", 1), 12: ("uint64_data", 1), 13: ("uint64_data", 1), 8: ("string_data", 1),
         **{k: ("int32_data", 1) for k in (2, 3, 4, 5, 6, 9, 10, 16)}}
EXTERNAL = 1        # TensorProto.DataLocation.EXTERNAL
SMALL = 4096        # initializers up to this many elements are read as values (shapes, axes, masks)


def external(tensor: TensorRecord) -> bool:
    return tensor.data_location == EXTERNAL or len(tensor.external_data) > 0


def checked_dims(tensor: TensorRecord, what: str) -> tuple[int, ...]:
    """The tensor's dims, after checking its type, its dims and that its data holds as many
    values as they say (a weight kept in another file is taken at its dims' word)."""
    name = f"{what} '{tensor.name}'" if tensor.name else what
    dims = tuple(tensor.dims)
    if tensor.data_type not in ITEM_BYTES:
        raise Refused(f"{name} has element type {tensor.data_type}, which ONNX does not define")
    if len(dims) > MAX_RANK:
        raise Refused(f"{name} has {len(dims)} axes (archcalc reads at most {MAX_RANK})")
    if any(n < 0 for n in dims):
        raise Refused(f"{name} has a negative size in its dims {list(dims)}")
    if external(tensor):
        return dims
    elements = count(dims)
    per = ITEM_BYTES[tensor.data_type]
    raw = len(tensor.raw_data)
    if raw:
        expected = (elements + 1) // 2 if per is None else elements * per
        if tensor.data_type != 8 and raw != expected:
            raise Refused(f"{name} holds {raw} bytes of data where its dims {list(dims)} need {expected}")
        return dims
    if tensor.data_type not in TYPED:
        return dims          # 8- and 4-bit types in int32_data: packed as writers choose, never read
    field, each = TYPED[tensor.data_type]
    held = len(getattr(tensor, field))
    if held != elements * each:
        raise Refused(f"{name} holds {held} values in {field} where its dims {list(dims)} need {elements * each}")
    return dims


def values(tensor: TensorRecord, what: str, limit: int) -> Array | None:
    """The tensor's values when it has at most `limit` elements of a numeric type, else None
    (only its shape is then known). Data in another file is refused, never opened."""
    dims = checked_dims(tensor, what)
    if external(tensor):
        raise Refused(f"{what} '{tensor.name}' keeps its data in another file (external data); archcalc "
                      "never opens files a model names")
    elements = count(dims)
    kind = tensor.data_type
    if elements > limit or kind not in RAW:
        if kind == 8:
            _check_text(tensor, what)
        return None
    raw = tensor.raw_data
    if len(raw):
        # Read as the file holds them: single-precision values are exact as doubles.
        data = list(struct.unpack(f"<{elements}{RAW[kind]}", bytes(raw)))
        if kind in (9, 13):
            return made(dims, data, kind)          # bools from bytes, uint64 beyond int64
        return Array(dims, data, kind)
    data = list(getattr(tensor, TYPED[kind][0]))
    if kind == 10:       # float16 values travel in int32_data as their bits
        data = [struct.unpack("<e", struct.pack("<H", v & 0xFFFF))[0] for v in data]
    return made(dims, data, kind)


def _check_text(tensor: TensorRecord, what: str) -> None:
    for text in tensor.string_data:
        try:
            bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(f"{what} '{tensor.name}' holds a string that is not UTF-8") from None
