"""`load_spec`: a path, YAML text, stdin or a mapping -> a validated `Spec`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Mapping

from .args import describe
from .errors import SpecError, UsageError
from .gcpause import without_gc
from .expand import MAX_LAYERS, Expander, read_blocks, suggest
from .source import KeyOf, Source, parse_yaml
from .spec import DTYPE_BYTES, Spec
from .units import parse_quantity

TOP_LEVEL_KEYS = ("name", "description", "input", "batch", "dtype", "blocks", "layers", "budget")
BUDGET_KEYS = ("params", "macs", "flops", "memory")
MAX_FILE_BYTES = 16 * 2**20


def read_text(spec: str | os.PathLike) -> tuple[str, str]:
    """(file name for messages, text) of a path or `-` (standard input)."""
    if str(spec) == "-":
        return "<stdin>", sys.stdin.read()
    file = str(spec)
    try:
        path = Path(spec)
        if path.is_dir():
            raise SpecError("is a directory, not a spec file", file)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SpecError(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB", file)
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError("no such file", file) from None
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", file) from None
    try:
        return file, data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", file) from None


def load_spec(spec: Any, *, batch: int | None = None, dtype: str | None = None,
              max_layers: int = MAX_LAYERS) -> Spec:
    """Load a spec from a path, `-`, YAML text or an already parsed mapping."""
    if isinstance(spec, Spec):
        return override(spec, batch=batch, dtype=dtype)
    if isinstance(spec, Mapping):
        data, source = spec, Source("<spec>")
    elif isinstance(spec, str) and "\n" in spec:
        source = Source("<string>", spec)
        data = parse_yaml(spec, source.file)
    else:
        file, text = read_text(spec)
        source = Source(file, text)
        data = parse_yaml(text, file)
    default_name = "stdin" if source.file == "<stdin>" else (
        Path(source.file).stem if not source.file.startswith("<") else "model")
    return override(build_spec(data, source, default_name, max_layers), batch=batch, dtype=dtype)


def override(spec: Spec, *, batch: int | None, dtype: str | None) -> Spec:
    from dataclasses import replace
    if batch is not None:
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise UsageError(f"batch must be an integer >= 1, got {batch!r}")
        spec = replace(spec, batch=batch)
    if dtype is not None:
        if dtype not in DTYPE_BYTES:
            raise UsageError(f"unknown dtype {dtype!r} (use {', '.join(DTYPE_BYTES)})")
        spec = replace(spec, dtype=dtype)
    return spec


@without_gc
def build_spec(data: Any, source: Source, default_name: str, max_layers: int = MAX_LAYERS) -> Spec:
    if data is None:
        raise source.error("the spec is empty (it needs 'input' and 'layers')")
    if not isinstance(data, Mapping):
        raise source.error(f"a spec must be a mapping with 'input' and 'layers', got {describe(data)}")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise source.error(f"unknown top-level key '{key}'" + suggest(str(key), TOP_LEVEL_KEYS), (KeyOf(key),))
    for key in ("input", "layers"):
        if key not in data:
            raise source.error(f"missing required key '{key}'")

    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise source.error(f"'name' must be a non-empty string, got {describe(name)}", ("name",))
    shape = data["input"]
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = [shape]
    if (not isinstance(shape, list) or not shape
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape)):
        raise source.error(f"'input' must be a list of positive integers such as [224, 224, 3], "
                           f"got {describe(data['input'])}", ("input",))
    batch = data.get("batch", 1)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise source.error(f"'batch' must be an integer >= 1, got {describe(batch)}", ("batch",))
    dtype = data.get("dtype", "float32")
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
        raise source.error(f"unknown dtype {describe(dtype)} (use {', '.join(DTYPE_BYTES)})"
                           + (suggest(dtype, DTYPE_BYTES) if isinstance(dtype, str) else ""), ("dtype",))

    nodes = Expander(source, read_blocks(data.get("blocks"), source), max_layers).expand(data["layers"])
    return Spec(name=name, input=tuple(shape), nodes=tuple(nodes), batch=batch, dtype=dtype,
                budget=read_budget(data.get("budget"), source), source=source)


def read_budget(raw: Any, source: Source) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise source.error(f"'budget' must be a mapping, got {describe(raw)}", ("budget",))
    budget = {}
    for key, value in raw.items():
        if key not in BUDGET_KEYS:
            raise source.error(f"unknown budget '{key}'" + suggest(str(key), BUDGET_KEYS), ("budget", KeyOf(key)))
        try:
            budget[key] = parse_quantity(value, memory=key == "memory")
        except UsageError as exc:
            raise source.error(f"budget '{key}': {exc}", ("budget", key)) from None
    return budget
