"""The loaded spec: a flat list of layer nodes with resolved inputs, plus model settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .source import Source

MODEL_INPUT = "input"

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int8": 1}


@dataclass(frozen=True, slots=True)
class Node:
    """One layer after block expansion.

    `name` is fully scoped (`layer1.0.c1`); `inputs` are full names or
    `MODEL_INPUT`; `blocks` lists the enclosing block uses as
    (full use name, block type), outermost first; `path` is where the layer
    is written in the YAML, for error messages.
    """

    name: str
    type: str
    args: Mapping[str, Any]
    inputs: tuple[str, ...]
    trainable: bool = True
    blocks: tuple[tuple[str, str], ...] = ()
    path: tuple = ()


@dataclass(frozen=True)
class Spec:
    name: str
    input: tuple[int, ...]
    nodes: tuple[Node, ...]
    batch: int = 1
    dtype: str = "float32"
    budget: Mapping[str, int] = field(default_factory=dict)
    source: Source = Source("<spec>")

    @property
    def dtype_bytes(self) -> int:
        return DTYPE_BYTES[self.dtype]
