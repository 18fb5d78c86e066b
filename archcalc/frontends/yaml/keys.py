"""Keys for the expander's memos: an entry's content as something hashable, so that entries
written alike are read and bound once (a flat spec's ten thousand `{type: dense, units: 8}`)."""

from __future__ import annotations

from typing import Any, Mapping

# Keys that differ between uses of equal arguments; binding ignores them.
PER_USE_KEYS = ("name", "inputs", "repeat", "trainable", "if")


def typed_items(entry: Mapping[str, Any], skip: tuple[str, ...] = ()) -> tuple[Any, ...] | None:
    """The entry's items as a key, each value with its type, or None when a value (a list)
    cannot be hashed. The type tells `true` from `1` and `8` from `8.0`, which compare equal
    in Python but are not the same argument: one may be valid where the other is not."""
    key = tuple([(name, value.__class__, value) for name, value in entry.items() if name not in skip])
    try:
        hash(key)
    except TypeError:
        return None
    return key
