"""Names in a spec: the scopes lists of entries define, references to names (in `inputs`,
`tied_to`, `shares`) and their resolution once expansion ends, so that a layer may name one
written after it; whether that makes a cycle is the graph's business."""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, TypeAlias, cast

from ...graph import Node, Origin
from ...text import suggest
from .entries import Path

Name: TypeAlias = "str | Ref"     # a layer's full name, or a reference resolved when expansion ends


class Scope:
    """The names one list of entries defines: local name -> full name (or a Ref). A block's
    scope has the scope of its use as parent: a name it does not define is looked up there
    (a decoder block reading the encoder's output, for instance)."""
    __slots__ = ("names", "counters", "left_out", "parent")

    def __init__(self, parent: "Scope | None" = None):
        self.parent = parent
        self.names: dict[str, Name] = {}
        self.counters: dict[str, int] = {}
        self.left_out: dict[str, Path] = {}       # names of entries an `if:` left out -> their path


class Ref:
    """A name written in `inputs`, `tied_to` or `shares`, resolved when expansion ends."""
    __slots__ = ("scope", "name", "path", "reader")

    def __init__(self, scope: Scope, name: str, path: Path, reader: str):
        self.scope, self.name, self.path, self.reader = scope, name, path, reader


class Fields:
    """A node's fields while a reference in them waits to be resolved."""
    __slots__ = ("name", "type", "args", "inputs", "trainable", "blocks", "where", "tied_to", "shares", "copies")

    def __init__(self, name: str, type: str, args: Mapping[str, Any], inputs: list[Name], trainable: bool,
                 blocks: tuple[tuple[str, str], ...], where: tuple[Any, ...], tied_to: str | Ref | None,
                 shares: str | Ref | None, copies: tuple[int, int]):
        self.name, self.type, self.args, self.inputs, self.trainable = name, type, args, inputs, trainable
        self.blocks, self.where, self.tied_to, self.shares, self.copies = blocks, where, tied_to, shares, copies

    def node(self) -> Node:
        """The Node, once every reference is a name."""
        # cast: `Nodes.finish` has replaced every Ref by the name it resolves to.
        return Node(name=self.name, type=self.type, args=self.args, inputs=cast("tuple[str, ...]", tuple(self.inputs)),
                    trainable=self.trainable, blocks=self.blocks, where=self.where,
                    tied_to=cast("str | None", self.tied_to), shares=cast("str | None", self.shares),
                    copies=self.copies)


class _Waiting(NamedTuple):
    """A reference in a node's fields, resolved when expansion ends."""

    fields: Fields
    field: str               # "inputs", "tied_to" or "shares"
    slot: int                # the input's position; -1 for the other two fields
    ref: Ref


class Nodes:
    """The expansion's nodes in order: Nodes, and the fields of those whose references wait."""
    __slots__ = ("origin", "_nodes", "_pending", "_names")

    def __init__(self, origin: Origin):
        self.origin = origin
        self._nodes: list[Node | Fields] = []
        self._pending: list[_Waiting] = []
        self._names: set[str] | None = None      # every full name, made when a dotted reference asks

    def add(self, fields: Fields) -> None:
        """Keep a node's fields while a reference waits to be resolved; otherwise the Node at once."""
        waits = len(self._pending)
        for slot, ref in enumerate(fields.inputs):
            if isinstance(ref, Ref):
                self._pending.append(_Waiting(fields, "inputs", slot, ref))
        for field, named in (("tied_to", fields.tied_to), ("shares", fields.shares)):
            if isinstance(named, Ref):
                self._pending.append(_Waiting(fields, field, -1, named))
        self._nodes.append(fields if len(self._pending) > waits else fields.node())

    def finish(self) -> list[Node]:
        """Every node, each waiting reference resolved to the full name it reads."""
        for waiting in self._pending:
            target = self._resolve(waiting.ref)
            if waiting.field == "inputs":
                waiting.fields.inputs[waiting.slot] = target
            else:
                setattr(waiting.fields, waiting.field, target)
        return [node if isinstance(node, Node) else node.node() for node in self._nodes]

    def _full_names(self) -> set[str]:
        if self._names is None:
            self._names = {node.name for node in self._nodes}
        return self._names

    def _resolve(self, ref: Ref) -> str:
        scope = ref.scope
        target = scope.names.get(ref.name)
        while target is None and scope.parent is not None and ref.name not in scope.left_out:
            scope = scope.parent
            target = scope.names.get(ref.name)
        if target is None and "." in ref.name and ref.name in self._full_names():
            return ref.name          # a layer inside a block use, by its full name (`transformer.wte`)
        if target is None:
            if ref.name in scope.left_out:
                raise self.origin.error(f"layer '{ref.reader}' reads '{ref.name}', which its 'if:' left out",
                                        ref.path)
            raise self.origin.error(f"undefined input '{ref.name}'" + suggest(ref.name, ref.scope.names), ref.path)
        if isinstance(target, Ref):
            return self._resolve(target)
        return target
