"""Reading an input file whole, within a size cap, without hanging or exhausting memory."""

from __future__ import annotations

import os
import stat
import sys
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Union

if TYPE_CHECKING:
    import mmap

# What a read hands on: the bytes, or (a large model file) a read-only map of them.
Buffer = Union[bytes, "mmap.mmap"]

from ..errors import SpecError

MIB = 2**20
SPEC_CAP = 16 * MIB            # YAML specs, JSON configs: text a person or a tool wrote
MODEL_CAP = 4096 * MIB         # ONNX files carry weights: exported classifiers are 5–550 MB
HEAD = 64 * 1024               # what is read before the cap is chosen: enough to tell a model file
CHUNK = MIB                    # a stream is read in pieces this size, never in one buffer the size of the cap

# JSON configs: no config nests anywhere near this deep (a Keras model inside a model inside a
# model is about 30 levels), and Python's own reader gives up at about 1,000.
MAX_JSON_DEPTH = 256
# No integer in a config is near this long; CPython refuses to convert longer ones (4,300 digits).
MAX_JSON_DIGITS = 4300


def read_input(name: str, cap: int = SPEC_CAP, *, model_cap: int = MODEL_CAP,
               is_model: Callable[[str, bytes], bool] | None = None, hint: str = "") -> tuple[str, Buffer]:
    """(file name for messages, its bytes) of a path or `-` (standard input); a regular model
    file larger than `cap` comes memory-mapped, read-only, rather than read.

    A spec or config may hold `cap` bytes; a file whose name or first bytes `is_model` says
    is a model file (which carries weights) may hold `model_cap`. A regular file's size is
    known before reading, so a file over its cap is refused unread; a stream (standard input)
    is read in bounded pieces and refused as soon as it passes its cap. Only regular files and
    standard input are read (a FIFO without a writer would block forever). `hint` ends the
    message of a spec over its cap (how to raise it)."""
    if name == "-":
        if sys.stdin is None:          # started with it closed (`<&-`)
            raise SpecError("cannot read: standard input is closed", "<stdin>")
        return "<stdin>", _read_stream(sys.stdin.buffer, cap, model_cap, is_model, hint)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise SpecError("no such file", name) from None
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", name) from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError("is a directory, not a spec file", name)
    if not stat.S_ISREG(info.st_mode):
        raise SpecError("not a regular file (pipe it to standard input with '-' instead)", name)
    try:
        with open(name, "rb") as handle:
            if info.st_size > cap:
                head = handle.read(HEAD)
                if not (is_model and is_model(name, head)):
                    raise SpecError(_too_large(cap, hint), name)
                cap = model_cap
                if info.st_size > cap:
                    raise SpecError(_too_large(cap, ""), name)
                # A model file's weights are never needed: map it, and its door copies out only
                # what it keeps (a 100 MB export costs its pages touched, not 100 MB read).
                import mmap
                return name, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            data = _read_capped(handle, cap, info.st_size, b"")
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", name) from None
    if data is None:                   # it grew past its cap while being read
        raise SpecError(_too_large(cap, hint), name)
    return name, data


def _read_stream(handle: BinaryIO, cap: int, model_cap: int, is_model: Callable[[str, bytes], bool] | None,
                 hint: str) -> bytes:
    head = handle.read(min(HEAD, cap + 1))
    if is_model and is_model("<stdin>", head):
        cap, hint = model_cap, ""
    data = _read_capped(handle, cap, 0, head)
    if data is None:
        raise SpecError(_too_large(cap, hint), "<stdin>")
    return data


def _read_capped(handle: BinaryIO, cap: int, expected: int, head: bytes) -> bytes | None:
    """The rest of `handle` after `head`, or None past `cap` bytes. The first read asks for
    what the file says it holds and one byte more (to see it grew); then pieces of CHUNK."""
    pieces = [head] if head else []
    total = len(head)
    want = max(min(expected, cap) + 1 - total, CHUNK)
    while total <= cap:
        piece = handle.read(min(want, cap + 1 - total))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
        want = CHUNK
    if total > cap:
        return None
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _too_large(cap: int, hint: str) -> str:
    return f"file is larger than {cap // MIB} MiB" + (f" ({hint})" if hint else "")


def decode_text(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", file) from None


class NotJSON(SpecError):
    """The file is not JSON at all (as opposed to JSON we refuse to read)."""


class ParsedJSON:
    """A JSON document already parsed (to choose its front door), handed to the door whole.
    (A slotted class: a NamedTuple's creation cost every run at import.)"""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def json_text(data: bytes, file: str) -> str:
    """The text of a JSON file: UTF-8 with or without a byte-order mark, or UTF-16/32 (told by
    the BOM or the zero bytes around the first character, as RFC 8259 readers do)."""
    import json
    encoding = json.detect_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        name = encoding.replace("-sig", "").replace("-", "").upper().replace("UTF", "UTF-")
        raise NotJSON(f"not {name} text (byte {exc.start})", file) from None


def looks_like_json(data: bytes) -> bool:
    """Does the text start (after a byte-order mark and white space) with '{'?"""
    import json
    try:
        start = data[:64].decode(json.detect_encoding(data[:64]), errors="ignore")
    except LookupError:
        return False
    return start.lstrip("\ufeff \t\r\n").startswith("{")


def load_json(data: bytes | ParsedJSON, file: str) -> Any:
    """The JSON document in `data`; a located error when it is not JSON, nests deeper than
    MAX_JSON_DEPTH or holds an integer longer than MAX_JSON_DIGITS. (A string may hold a lone
    surrogate, `"\\ud800"`: the output shows it escaped, text.shown.)"""
    if isinstance(data, ParsedJSON):
        return data.value
    import json
    text = json_text(data, file).lstrip("\ufeff")
    _check_depth(text, file)
    try:
        value = json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise NotJSON(f"not valid JSON: {exc.msg}", file, exc.lineno, exc.colno) from None
    except _LongInteger as exc:
        line, column = _place(text, _outside_strings(text).find(exc.digits))
        raise SpecError(f"an integer of {len(exc.digits):,} digits (at most {MAX_JSON_DIGITS:,} are read)",
                        file, line, column) from None
    return value


class _LongInteger(Exception):
    def __init__(self, digits: str):
        super().__init__(digits[:20])
        self.digits = digits


def _bounded_int(digits: str) -> int:
    if len(digits) > MAX_JSON_DIGITS:
        raise _LongInteger(digits)
    return int(digits)


def _outside_strings(text: str) -> str:
    """`text` with every JSON string blanked out, each character kept in its place."""
    import re
    return re.sub(r'"(?:[^"\\]|\\.)*"', lambda m: " " * len(m.group()), text, flags=re.DOTALL)


def _place(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _check_depth(text: str, file: str) -> None:
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return              # cannot nest that deep: skip the scan
    import re
    depth = 0
    for match in re.finditer(r"[\[\]{}]", _outside_strings(text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            line, column = _place(text, match.start())
            raise SpecError(f"JSON nested more than {MAX_JSON_DEPTH} deep", file, line, column)
