"""Counting the layers a spec expands to, before anything is built.

The bomb guard: nested `repeat`s can ask for more layers than memory holds, so
the count comes first and is checked against the limit. It is lenient: a
malformed entry counts as one layer (the expansion reports it), an `if:` is
taken as true and an expression that cannot be evaluated yet as 1, so the count
is an upper bound where it is not exact. Block uses with the same scalar
arguments are counted once.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .expressions import ExpressionError, evaluate, is_expression, is_reference

MAX_BLOCK_DEPTH = 64


def _pick(value: Any, values: Mapping[str, Any] | None) -> Any:
    """A value as the expansion will see it, or None where it cannot tell yet."""
    if not isinstance(value, str) or "$" not in value or values is None:
        return value
    if is_reference(value):
        return values.get(value[1:])
    if is_expression(value):
        try:
            return evaluate(value, values)
        except ExpressionError:
            return None
    return value


class LayerCounter:
    """Counts (layers, input edges) of a list of entries; edges too, since one layer may read a
    thousand inputs and a block of such layers be repeated a million times."""

    def __init__(self, blocks: Mapping[str, Any], common_keys: tuple[str, ...]):
        self.blocks = blocks
        self.common_keys = common_keys
        self._known: dict[Any, Any] = {}

    def count(self, entries: Any, values: Mapping[str, Any] | None, stack: tuple[str, ...] = ()) -> tuple[int, int]:
        layers = edges = 0
        for raw in entries if isinstance(entries, list) else ():
            if isinstance(raw, str) and "$" not in raw and raw not in self.blocks:
                layers += 1                 # a layer written as its type name: one, reading one input
                edges += 1
                continue
            entry = {"type": raw} if isinstance(raw, str) else raw if isinstance(raw, dict) else {}
            repeat = _pick(entry.get("repeat", 1), values)
            repeat = repeat if isinstance(repeat, int) and not isinstance(repeat, bool) and repeat > 0 else 1
            experts = _pick(entry.get("experts", 0), values)
            router = 1 if isinstance(experts, int) and not isinstance(experts, bool) and experts > 0 else 0
            kind = _pick(entry.get("type"), values)
            block = self.blocks.get(kind) if isinstance(kind, str) else None
            if block is None or block.name in stack or len(stack) >= MAX_BLOCK_DEPTH:
                each = 1 + (_pick(entry.get("activation"), values) not in (None, "linear"))
                reads = entry.get("inputs")
                each_edges = each - 1 + (len(reads) if isinstance(reads, list) else 1)
            else:
                each, each_edges = self._count_block(block, entry, values, stack)
            layers += repeat * (each + router)
            edges += repeat * (each_edges + router)
        return layers, edges

    def _count_block(self, block: Any, entry: Mapping[str, Any], values: Mapping[str, Any] | None,
                     stack: tuple[str, ...]) -> tuple[int, int]:
        inner = dict(values or {})
        for key, default in block.args.items():
            value = entry.get(key, default) if key not in self.common_keys else default
            inner[key] = _pick(value, values if key in entry else inner)
        # Only scalar arguments can change a count (repeat, activation, if, nested uses).
        key = (block.name, tuple(sorted((str(k), repr(v)) for k, v in inner.items()
                                        if isinstance(v, (int, float, str, bool, type(None))))))
        if key not in self._known:
            self._known[key] = self.count(block.layers, inner, (*stack, block.name))
        return self._known[key]


def find_unknown_type(entries: Any, blocks: Mapping[str, Any],
                      known: Callable[[str], Any]) -> tuple[tuple[Any, ...], str] | None:
    """The path and name of the first literal type name that is neither a layer type nor a
    block, in the layers and in every block: a typo is reported before a long expansion."""
    lists = [(("layers",), entries)] + [((*block.path, "layers"), block.layers) for block in blocks.values()]
    good = set(blocks)              # names already found to be a type or a block
    for path, items in lists:
        for index, raw in enumerate(items if isinstance(items, list) else ()):
            kind = raw if isinstance(raw, str) else raw.get("type") if isinstance(raw, dict) else None
            if not isinstance(kind, str) or kind in good or "$" in kind:
                continue
            if isinstance(raw, dict) and "if" in raw:
                continue            # a left-out entry is never read
            if known(kind) is None:
                return (*path, index) if isinstance(raw, str) else (*path, index, "type"), kind
            good.add(kind)
    return None
