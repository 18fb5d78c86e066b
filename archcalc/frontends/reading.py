"""Reading an input file whole, within a size cap, without hanging or exhausting memory."""

from __future__ import annotations

import os
import stat
import sys

from ..errors import SpecError

MIB = 2**20
SPEC_CAP = 16 * MIB            # YAML specs, JSON configs: text a person or a tool wrote
MODEL_CAP = 4096 * MIB         # ONNX files carry weights: exported classifiers are 5–550 MB


def read_input(name: str, cap: int = MODEL_CAP) -> tuple[str, bytes]:
    """(file name for messages, bytes) of a path or `-` (standard input).

    The cap is enforced on the bytes actually read (a device such as /dev/zero reports
    size 0), and only regular files and standard input are read (a FIFO without a
    writer would block forever)."""
    if name == "-":
        return "<stdin>", _read_capped(sys.stdin.buffer, "<stdin>", cap)
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
    if info.st_size > cap:
        raise SpecError(f"file is larger than {cap // MIB} MiB", name)
    try:
        with open(name, "rb") as handle:
            return name, _read_capped(handle, name, cap)
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", name) from None


def _read_capped(handle, name: str, cap: int) -> bytes:
    data = handle.read(cap + 1)
    if len(data) > cap:
        raise SpecError(f"file is larger than {cap // MIB} MiB", name)
    return data


def decode_text(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", file) from None


def load_json(data: bytes, file: str):
    """The JSON document in `data`; a located error when it is not UTF-8 JSON."""
    import json
    try:
        return json.loads(decode_text(data, file))
    except json.JSONDecodeError as exc:
        raise SpecError(f"not valid JSON: {exc.msg}", file, exc.lineno, exc.colno) from None
