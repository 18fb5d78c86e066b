"""Binding an entry's arguments through its rule, once per distinct entry: equal arguments
share one bound object, and so, in the analysis, one set of figures."""

from __future__ import annotations

from typing import Any, Mapping

from ...errors import ArgumentError
from ...graph import Origin
from ...layers.registry import Rule
from .entries import ENTRY_KEYS, Entry, Path
from .keys import PER_USE_KEYS, typed_items
from .memo import IdentityMemo
from .parse import KeyOf

Bound = dict[str, Any]


class ArgumentBinder:
    __slots__ = ("origin", "_by_identity", "_by_content", "_activations")

    def __init__(self, origin: Origin):
        self.origin = origin
        self._by_identity: IdentityMemo[Bound] = IdentityMemo()
        self._by_content: dict[tuple[Any, ...], Bound] = {}    # the entry without its per-use keys
        self._activations: dict[str, Bound] = {}               # `activation:` shorthands, by type

    def arguments(self, rule: Rule, entry: Entry, path: Path, full: str) -> Bound:
        """The entry's bound arguments: by its identity, then by its content."""
        bound = self._by_identity.get(entry)
        return bound if bound is not None else self._by_identity.put(self._by_content_or_bind(rule, entry, path, full),
                                                                     entry)

    def _by_content_or_bind(self, rule: Rule, entry: Entry, path: Path, full: str) -> Bound:
        key = typed_items(entry, PER_USE_KEYS)
        if key is None:                     # a value (a list) cannot be hashed
            return self.bind(rule, entry, path, full)
        bound = self._by_content.get(key)
        if bound is None:
            bound = self._by_content[key] = self.bind(rule, entry, path, full)
        return bound

    def activation(self, rule: Rule, path: Path, full: str) -> Bound:
        """An `activation:` shorthand's arguments (none): one bound object per type."""
        bound = self._activations.get(rule.type)
        if bound is None:
            bound = self._activations[rule.type] = self.bind(rule, {}, path, full)
        return bound

    def bind(self, rule: Rule, entry: Mapping[str, Any], path: Path, full: str) -> Bound:
        extra = set(ENTRY_KEYS) | ({"activation"} if rule.takes_activation else set())
        raw = {key: value for key, value in entry.items() if key not in extra}
        try:
            return rule.bind(raw, label=f"{rule.type} layer '{full}'", also_known=extra)
        except ArgumentError as exc:
            where = path if exc.key is None else (*path, KeyOf(exc.key) if exc.unknown else exc.key)
            raise self.origin.error(str(exc), where) from None
