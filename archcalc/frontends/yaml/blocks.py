"""Blocks: reusable, parameterised sub-graphs declared under `blocks:`, and the
arguments a use of one binds."""

from __future__ import annotations

from typing import Any

from ...args import describe
from ...layers import find_rule
from ...text import suggest
from ...graph import Origin
from .parse import KeyOf

BLOCK_KEYS = ("args", "layers", "description", "namespace")


class Block:
    __slots__ = ("name", "args", "layers", "path", "namespace")

    def __init__(self, name: str, args: dict[str, Any], layers: list[Any], path: tuple[Any, ...],
                 namespace: bool = False):
        self.name = name
        self.args = args          # defaults, in order; None means the use must give it
        self.layers = layers
        self.path = path
        # only a prefix of its layers' names (a framework's container module, `model.`, `features.`):
        # its uses are not block uses in reports, the table's block rows, --depth or recompute
        self.namespace = namespace


def read_blocks(raw: Any, origin: Origin) -> dict[str, Block]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise origin.error(f"'blocks' must be a mapping of block names, got {describe(raw)}", ("blocks",))
    blocks = {}
    for name, body in raw.items():
        path = ("blocks", name)
        if not isinstance(name, str) or not name.isidentifier():
            raise origin.error(f"block name {describe(name)} must be an identifier", (*path[:-1], KeyOf(name)))
        if find_rule(name):
            raise origin.error(f"block name '{name}' is already a layer type", (*path[:-1], KeyOf(name)))
        if isinstance(body, list):
            body = {"layers": body}
        if not isinstance(body, dict):
            raise origin.error(f"block '{name}' must be a mapping with 'layers', got {describe(body)}", path)
        for key in body:
            if key not in BLOCK_KEYS:
                raise origin.error(f"unknown key {describe(key)} in block '{name}'"
                                   + suggest(str(key), ("args", "layers")), (*path, KeyOf(key)))
        layers = body.get("layers")
        if not isinstance(layers, list) or not layers:
            raise origin.error(f"block '{name}' needs a non-empty 'layers' list", path)
        args = body.get("args") or {}
        if isinstance(args, list) and all(isinstance(a, str) for a in args):
            args = {a: None for a in args}
        if not isinstance(args, dict) or not all(isinstance(a, str) for a in args):
            raise origin.error(f"'args' of block '{name}' must map argument names to defaults", (*path, "args"))
        namespace = body.get("namespace", False)
        if not isinstance(namespace, bool):
            raise origin.error(f"'namespace' of block '{name}' must be true or false, got {describe(namespace)}",
                               (*path, "namespace"))
        blocks[name] = Block(name, dict(args), layers, path, namespace)
    return blocks
