"""Protocol Buffers' wire format, as much of it as reading an ONNX file takes.

A message is a run of fields, each a key (field number and wire type, one varint) and a
value: a varint (type 0), 8 bytes (1), a length-prefixed run of bytes (2: strings, bytes,
nested messages, packed lists) or 4 bytes (5). A field's bytes are located, never copied:
`fields` yields where each value starts and stops in the buffer (bytes, an mmap), and only
what the door keeps is ever sliced out. Anything that does not add up (a number cut short, a
length past the end of its message, a wire type ONNX does not use) is `Unreadable`.
"""

from __future__ import annotations

import mmap
import struct
from typing import Iterator, Union

VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5
_MASK = (1 << 64) - 1
_HIGH = bytes(range(128, 256))

# What a message is read from: the file's bytes, or an mmap of it (read in place, never copied).
Buffer = Union[bytes, mmap.mmap]


class Unreadable(Exception):
    """The bytes are not a well-formed message of the expected kind."""


def varint(buf: Buffer, pos: int, stop: int) -> tuple[int, int]:
    """The varint at `pos` (at most ten bytes, kept to 64 bits) and the position after it."""
    result = shift = 0
    while True:
        if pos >= stop:
            raise Unreadable(f"a number is cut short at byte {pos}")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _MASK, pos
        shift += 7
        if shift >= 70:
            raise Unreadable(f"a number runs past ten bytes at byte {pos}")


def signed(value: int) -> int:
    """A 64-bit two's-complement value (int64 and int32 fields; a negative int32 takes ten bytes)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def fields(buf: Buffer, start: int, stop: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or start, stop) of each field of the message buf[start:stop]:
    a varint's value (stop 0), or where a fixed or length-delimited value lies."""
    pos = start
    while pos < stop:
        key, pos = varint(buf, pos, stop)
        number, kind = key >> 3, key & 7
        if number == 0:
            raise Unreadable(f"a field numbered 0 at byte {pos}")
        if kind == VARINT:
            value, pos = varint(buf, pos, stop)
            yield number, kind, value, 0
            continue
        if kind == BYTES:
            length, pos = varint(buf, pos, stop)
            end = pos + length
        elif kind == FIXED32:
            end = pos + 4
        elif kind == FIXED64:
            end = pos + 8
        else:
            raise Unreadable(f"wire type {kind} (field {number}) at byte {pos}, which ONNX files do not use")
        if end > stop:
            raise Unreadable(f"field {number} at byte {pos} runs past the end of its message")
        yield number, kind, pos, end
        pos = end


def expect(kind: int, wanted: int, number: int, message: str) -> None:
    if kind != wanted:
        raise Unreadable(f"field {number} of a {message} has wire type {kind} where {wanted} was expected")


def text(buf: Buffer, start: int, stop: int, what: str) -> str:
    try:
        return bytes(buf[start:stop]).decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"{what} at byte {start} is not UTF-8") from None


def varints(buf: Buffer, start: int, stop: int) -> list[int]:
    """A packed list of varints."""
    out: list[int] = []
    pos = start
    while pos < stop:
        value, pos = varint(buf, pos, stop)
        out.append(value)
    return out


def count_varints(buf: Buffer, start: int, stop: int) -> int:
    """How many varints a packed list holds (the bytes that end one), without decoding them."""
    run = bytes(buf[start:stop])
    if run and run[-1] >= 0x80:
        raise Unreadable(f"a number is cut short at byte {stop}")
    return len(run.translate(None, _HIGH))


def fixed(buf: Buffer, start: int, stop: int, form: str) -> list[float]:
    """A packed list of 4-byte ('f') or 8-byte ('d', 'Q') values ('Q': ints, which mypy takes as floats)."""
    size = struct.calcsize(form)
    if (stop - start) % size:
        raise Unreadable(f"a packed list of {stop - start} bytes at byte {start} is not whole {size}-byte values")
    return list(struct.unpack_from(f"<{(stop - start) // size}{form}", buf, start))
