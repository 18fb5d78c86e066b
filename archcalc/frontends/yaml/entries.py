"""Reading one entry of a `layers` list: its own keys (type, name, repeat, trainable,
tied and shared weights, experts) checked once per entry object, and once per content
for entries written alike (a flat spec's ten thousand `{type: dense, units: 8}`)."""

from __future__ import annotations

from typing import Any, NamedTuple

from ...args import describe
from ...graph import MODEL_INPUT, Origin
from ...layers import all_type_names, find_rule
from ...layers.registry import Rule
from ...text import suggest
from .blocks import Block
from .keys import typed_items
from .memo import IdentityMemo
from .parse import KeyOf

Path = tuple[Any, ...]            # keys and indices from the document's root to a value
Entry = dict[str, Any]            # one entry of a `layers` list, as written

# Keys every entry may have besides its type's arguments (see docs/spec-format.md).
ENTRY_KEYS = ("type", "name", "inputs", "repeat", "index_from", "trainable", "if", "tied_to", "shares", "shared",
              "experts", "top_k", "router_bias", "shared_experts", "router")
EXPERT_KEYS = ("top_k", "router_bias", "shared_experts", "router")
BLOCK_INPUT = "in"


class Experts(NamedTuple):
    """A mixture-of-experts entry's keys."""

    experts: int             # E copies held
    top_k: int               # copies a token runs
    router_bias: bool
    shared: int              # `shared_experts`: copies every token runs, held once each
    router: str | None = None   # the router's name beside the experts' (default: `<name>.router`)


class Read(NamedTuple):
    """An entry's own keys, checked: exactly one of `block` and `rule` is set."""

    type: str                # the block's or the rule's type name
    block: Block | None
    rule: Rule | None
    repeat: int
    trainable: bool
    tied_to: str | None
    shared: bool
    experts: Experts | None
    start: int = 0           # `index_from`: the first repetition's number


class EntryReader:
    """Checks entries' own keys for one spec; each distinct entry is read once."""

    __slots__ = ("origin", "blocks", "input_names", "_plain", "_by_identity", "_by_content")

    def __init__(self, origin: Origin, blocks: dict[str, Block], input_names: tuple[str, ...]):
        self.origin, self.blocks, self.input_names = origin, blocks, input_names
        self._plain: dict[str, Entry] = {}                     # a layer written as its type name -> its mapping
        self._by_identity: IdentityMemo[Read] = IdentityMemo()
        self._by_content: dict[tuple[Any, ...], Read] = {}

    def normalise(self, raw: Any, path: Path) -> Entry:
        """The entry as a mapping: `- relu` becomes one shared `{type: relu}`, so its checks run once."""
        if isinstance(raw, str):
            entry = self._plain.get(raw)
            if entry is None:
                entry = self._plain[raw] = {"type": raw}
            return entry
        if not isinstance(raw, dict):
            raise self.origin.error(f"a layer must be a type name or a mapping, got {describe(raw)}", path)
        if "type" not in raw:
            raise self.origin.error("layer has no 'type'", path)
        return raw

    def read(self, entry: Entry, path: Path) -> Read:
        read = self._by_identity.get(entry)
        return read if read is not None else self._by_identity.put(self._read_by_content(entry, path), entry)

    def _read_by_content(self, entry: Entry, path: Path) -> Read:
        content = typed_items(entry)
        if content is None:                 # a value (a list) cannot be hashed
            return self._read(entry, path)
        read = self._by_content.get(content)
        if read is None:
            read = self._by_content[content] = self._read(entry, path)
        return read

    def _read(self, entry: Entry, path: Path) -> Read:
        type_name = entry.get("type")
        if not isinstance(type_name, str):
            raise self.origin.error(f"layer 'type' must be a string, got {describe(type_name)}", (*path, "type"))
        block = self.blocks.get(type_name)
        rule = None if block else find_rule(type_name)
        if block is not None:
            kind = block.name
        elif rule is not None:
            kind = rule.type
        else:
            raise self.origin.error(f"unknown layer type '{type_name}'"
                                    + suggest(type_name, [*all_type_names(), *self.blocks]), (*path, "type"))
        self._check_name(entry, path)
        repeat = entry.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            raise self.origin.error(f"'repeat' must be an integer >= 1, got {describe(repeat)}", (*path, "repeat"))
        start = self._index_from(entry, path)
        trainable = self._flag(entry, "trainable", True, path)
        shared = self._flag(entry, "shared", False, path)
        tied_to = self._tied_to(entry, path, block, rule, kind)
        if "shares" in entry and (block is not None or not isinstance(entry["shares"], str)):
            raise self.origin.error(f"'shares' names the layer whose weights this one uses, on a layer, got "
                                    f"{describe(entry['shares'])}", (*path, "shares"))
        return Read(kind, block, rule, repeat, trainable, tied_to, shared, self._experts(entry, path), start)

    def _index_from(self, entry: Entry, path: Path) -> int:
        """`index_from`: the number of a `repeat`'s first repetition (default 0)."""
        start = entry.get("index_from", 0)
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise self.origin.error(f"'index_from' must be an integer >= 0, got {describe(start)}",
                                    (*path, "index_from"))
        if "index_from" in entry and "repeat" not in entry:
            raise self.origin.error("'index_from' numbers the repetitions of a 'repeat'; this entry has none",
                                    (*path, "index_from"))
        return start

    def _check_name(self, entry: Entry, path: Path) -> None:
        if "name" not in entry:
            return
        name = entry["name"]
        if not isinstance(name, str) or not name or "." in name:
            raise self.origin.error(f"layer name must be a non-empty string without '.', got {describe(name)}",
                                    (*path, "name"))
        if name in self.input_names or name in (MODEL_INPUT, BLOCK_INPUT):
            raise self.origin.error(f"'{name}' is reserved for the model's or block's input", (*path, "name"))

    def _tied_to(self, entry: Entry, path: Path, block: Block | None, rule: Rule | None, kind: str) -> str | None:
        tied_to = entry.get("tied_to")
        if tied_to is None:
            return None
        if not isinstance(tied_to, str) or not tied_to:
            raise self.origin.error(f"'tied_to' must name a layer, got {describe(tied_to)}", (*path, "tied_to"))
        if rule is None or rule.weight_elements is None:
            what = f"block '{kind}'" if block is not None else f"a {kind} layer"
            raise self.origin.error(f"'tied_to' needs a layer with a weight to share; {what} has none",
                                    (*path, "tied_to"))
        return tied_to

    def _flag(self, entry: Entry, key: str, default: bool, path: Path) -> bool:
        value = entry.get(key, default)
        if not isinstance(value, bool):
            raise self.origin.error(f"'{key}' must be true or false, got {describe(value)}", (*path, key))
        return value

    def _experts(self, entry: Entry, path: Path) -> Experts | None:
        """A mixture-of-experts entry's keys, checked; None for an entry without `experts`."""
        if "experts" not in entry:
            for key in EXPERT_KEYS:
                if key in entry:
                    raise self.origin.error(f"'{key}' goes with 'experts'", (*path, KeyOf(key)))
            return None

        def number(key: str, default: int | None, minimum: int) -> int:
            value = entry.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise self.origin.error(f"'{key}' must be an integer >= {minimum}, got {describe(value)}",
                                        (*path, key))
            return value
        experts, top_k = number("experts", None, 1), number("top_k", 1, 1)
        shared = number("shared_experts", 0, 0)
        if top_k > experts:
            raise self.origin.error(f"'top_k' {top_k} is more than the {experts} experts", (*path, "top_k"))
        router = entry.get("router")
        if router is not None and (not isinstance(router, str) or not router or "." in router):
            raise self.origin.error(f"'router' names the router layer: a non-empty name without '.', got "
                                    f"{describe(router)}", (*path, "router"))
        return Experts(experts, top_k, self._flag(entry, "router_bias", False, path), shared, router)
