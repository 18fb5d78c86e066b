"""Data types: how many bits an element takes, and which type weights, activations and the
KV cache are stored in.

`dtype: bfloat16` sets all three; `dtype: {weights: int4, activations: bfloat16, kv_cache: float8}`
sets them apart (activations default to float32, the KV cache to the activations' type).
Bytes round up per tensor: 3 int4 elements take 2 bytes.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from .errors import ArgumentError

BITS = {"float32": 32, "float16": 16, "bfloat16": 16, "float64": 64, "int8": 8, "float8": 8, "int4": 4}
PARTS = ("weights", "activations", "kv_cache")
# The short names frameworks and training scripts use (`torch.bfloat16` is `bf16` in most
# configs, `--precision bf16-mixed` here): each reads as its full name, which reports show.
ALIASES = {"bf16": "bfloat16", "fp16": "float16", "f16": "float16", "half": "float16",
           "fp32": "float32", "f32": "float32", "float": "float32", "single": "float32",
           "fp64": "float64", "f64": "float64", "double": "float64", "fp8": "float8"}


class Dtypes(NamedTuple):
    weights: str = "float32"
    activations: str = "float32"
    kv_cache: str = "float32"
    plain: bool = True           # written as one name: reported as that name

    def __str__(self) -> str:
        if self.plain:
            return self.weights
        return ",".join(f"{part}={getattr(self, part)}" for part in PARTS)

    def to_json(self) -> Any:
        return self.weights if self.plain else {part: getattr(self, part) for part in PARTS}


def nbytes(elements: int, dtype: str) -> int:
    """Bytes of a tensor of `elements` in `dtype`, rounded up to whole bytes."""
    return -(-elements * BITS[dtype] // 8)


def _name(value: Any, what: str) -> str:
    name = value.strip().lower() if isinstance(value, str) else None
    name = ALIASES.get(name, name) if name is not None else None
    if name not in BITS:
        from .args import describe
        raise ArgumentError(f"unknown {what} {describe(value)} (use {', '.join(BITS)})")
    return name


def parse_dtype(value: Any) -> Dtypes:
    """A dtype name, a mapping {weights, activations, kv_cache}, or the command line's
    `weights=int4,activations=bfloat16`."""
    if isinstance(value, str) and "=" in value:
        pairs = {}
        for item in value.split(","):
            key, sep, name = item.partition("=")
            if not sep:
                raise ArgumentError(f"expected PART=DTYPE pairs such as weights=int4, got {value[:60]!r}")
            pairs[key.strip()] = name.strip()
        value = pairs
    if isinstance(value, Mapping):
        for key in value:
            if key not in PARTS:
                raise ArgumentError(f"unknown dtype part {str(key)[:40]!r} (use {', '.join(PARTS)})")
        weights = _name(value.get("weights", "float32"), "dtype")
        activations = _name(value.get("activations", "float32"), "dtype")
        kv_cache = _name(value.get("kv_cache", activations), "dtype")
        return Dtypes(weights, activations, kv_cache, plain=False)
    name = _name(value, "dtype")
    return Dtypes(name, name, name)
