"""Nesting the translator's flat layers into blocks by module: a module's calls become a
block use named by its path (`layer1` then `0` then `conv1`: the layer `layer1.0.conv1`), a
module with a single layer becomes that layer, and modules written alike share one block
declaration. A module whose layers cannot be a block (a second tensor read from a scope the
spec cannot name, an inner tensor read outside it) is inlined into its parent, its layers
named `<module>_<layer>`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

from ...layers import find_rule
from .translate import Layer

BLOCK_INPUT = "in"


class Scope:
    __slots__ = ("key", "path", "kind", "items")

    def __init__(self, key: str, path: str, kind: str):
        self.key, self.path, self.kind = key, path, kind
        self.items: list[Scope | int] = []

    def layers(self) -> list[int]:
        found: list[int] = []
        for item in self.items:
            found.extend(item.layers() if isinstance(item, Scope) else [item])
        return found


class _Inline(Exception):
    def __init__(self, scope: Scope):
        self.scope = scope


def build_tree(layers: Sequence[Layer], model_class: str) -> Scope:
    root = Scope("", "", model_class)
    chain = [root]
    for index, layer in enumerate(layers):
        depth = 0
        while depth < len(layer.stack) and depth + 1 < len(chain) and chain[depth + 1].key == layer.stack[depth][0]:
            depth += 1
        del chain[depth + 1:]
        for key, path, kind in layer.stack[depth:]:
            scope = Scope(key, path, kind)
            chain[-1].items.append(scope)
            chain.append(scope)
        chain[-1].items.append(index)
    return root


class Writer:
    """The spec's `blocks` and `layers` from the tree."""

    def __init__(self, layers: Sequence[Layer], input_names: Sequence[str]):
        self.layers, self.input_names = layers, list(input_names)
        self.blocks: dict[str, Any] = {}
        self.by_body: dict[str, str] = {}

    def write(self, root: Scope) -> list[dict[str, Any]]:
        while True:
            self.blocks, self.by_body = {}, {}
            try:
                return self._body(root, [], None)
            except _Inline as inline:
                _inline(root, inline.scope, self.layers)

    def _body(self, scope: Scope, outer: list[dict[int, str]], block_input: int | None) -> list[dict[str, Any]]:
        """The entries of `scope`; `outer` maps what enclosing scopes name (innermost last),
        `block_input` is the tensor `in` stands for."""
        items = _flattened(scope)
        names = self._local_names(scope, items)
        exported = {_output(item): name for (item, _), name in zip(items, names)}
        entries: list[dict[str, Any]] = []
        previous = block_input
        for (item, _), name in zip(items, names):
            reads = self._reads(item)
            refs = [self._name(ref, scope, items, outer, exported, block_input) for ref in reads]
            if isinstance(item, Scope):
                entry: dict[str, Any] = {"type": self._declare(item, [*outer, exported], reads[0]), "name": name}
            else:
                layer = self.layers[item]
                entry = {"type": layer.entry["type"], "name": name,
                         **{k: v for k, v in layer.entry.items() if k != "type"}}
                for key in ("tied_to", "shares"):
                    if key in entry:
                        entry[key] = self._name(entry[key], scope, items, outer, exported, block_input)
            default = [self._name(previous, scope, items, outer, exported, block_input)] \
                if previous is not None else [self.input_names[0]]
            if refs != default:
                entry = {"type": entry["type"], "name": name, "inputs": refs,
                         **{k: v for k, v in entry.items() if k not in ("type", "name")}}
            entries.append(entry)
            previous = _output(item)
        return entries

    def _reads(self, item: Scope | int) -> list[int]:
        """The tensors an item reads from outside itself (a block: its first, its `in`)."""
        if not isinstance(item, Scope):
            return list(self.layers[item].reads)
        inside = set(item.layers())
        for index in sorted(inside):
            for ref in self.layers[index].reads:
                if ref not in inside:
                    return [ref]
        raise AssertionError("a block that reads nothing from outside")

    def _name(self, ref: int, scope: Scope, items: list[tuple[Scope | int, Scope | None]],
              outer: list[dict[int, str]], exported: dict[int, str], block_input: int | None) -> str:
        """How `scope` names the tensor `ref`: a sibling's name, `in`, a model input's name, or an
        enclosing scope's name that nothing in between shadows. Otherwise a block must be inlined:
        the sibling holding `ref` inside, or `scope` itself."""
        if ref in exported:
            return exported[ref]
        if ref == block_input:
            return BLOCK_INPUT
        shadowed = set(exported.values()) | ({BLOCK_INPUT} if block_input is not None else set())
        for names in reversed(outer):
            if ref in names and names[ref] not in shadowed:
                return names[ref]
            shadowed |= set(names.values())
        if ref < 0 and self.input_names[-1 - ref] not in shadowed:
            return self.input_names[-1 - ref]
        for item, _ in items:
            if isinstance(item, Scope) and ref in item.layers():
                raise _Inline(item)
        if not scope.key:
            raise AssertionError(f"tensor {ref} has no name in the model's top scope")
        raise _Inline(scope)

    def _local_names(self, scope: Scope, items: list[tuple[Scope | int, Scope | None]]) -> list[str]:
        taken: set[str] = set()
        names = []
        for item, single in items:
            if isinstance(item, Scope):
                base = _relative(scope, item)
            elif single is not None:
                base = _relative(scope, single)
            else:
                base = self.layers[item].hint
            base = re.sub(r"[^A-Za-z0-9_]", "_", base) or "layer"
            name, n = base, 1
            while name in taken or name == BLOCK_INPUT or name in self.input_names:
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
            names.append(name)
        return names

    def _declare(self, scope: Scope, outer: list[dict[int, str]], block_input: int) -> str:
        body = self._body(scope, outer, block_input)
        text = json.dumps(body, sort_keys=True)
        if text in self.by_body:
            return self.by_body[text]
        base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", scope.kind).lower()
        base = re.sub(r"[^a-z0-9_]", "_", base) or "block"
        if find_rule(base) is not None:     # a block may not take a type's name or alias (timm's Linear)
            base += "_block"
        name, n = base, 1
        while name in self.blocks:
            n += 1
            name = f"{base}_{n}"
        self.blocks[name] = {"layers": body}
        self.by_body[text] = name
        return name


def _output(item: Scope | int) -> int:
    return item.layers()[-1] if isinstance(item, Scope) else item


def _flattened(scope: Scope) -> list[tuple[Scope | int, Scope | None]]:
    """Items, a scope of one layer standing as that layer (with the scope it is named by)."""
    out: list[tuple[Scope | int, Scope | None]] = []
    for item in scope.items:
        if isinstance(item, Scope) and len(item.items) == 1 and not isinstance(item.items[0], Scope):
            out.append((item.items[0], item))
        else:
            out.append((item, None))
    return out


def _relative(parent: Scope, child: Scope) -> str:
    if parent.path and child.path.startswith(parent.path + "."):
        name = child.path[len(parent.path) + 1:]
    elif not parent.path:
        name = child.path
    else:
        name = child.path.rsplit(".", 1)[-1]
    return name.replace(".", "_")


def _inline(root: Scope, target: Scope, layers: Sequence[Layer]) -> None:
    """Replaces `target` in its parent by its items, their names prefixed with its own."""
    stack = [root]
    while stack:
        scope = stack.pop()
        if target in scope.items:
            name = _relative(scope, target)
            for item in target.items:
                if not isinstance(item, Scope):      # a scope's path still names it from the parent
                    layers[item].hint = f"{name}_{layers[item].hint}"
            at = scope.items.index(target)
            scope.items[at:at + 1] = target.items
            return
        stack.extend(i for i in scope.items if isinstance(i, Scope))
    raise AssertionError("inlined a scope that is not in the tree")
