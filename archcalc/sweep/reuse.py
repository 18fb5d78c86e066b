"""Which of a spec's arguments its layers depend on, so that points differing only in the
others (the input's size, the batch, a budget) reuse the layers expanded for the point
before: building the layers is most of a point's time (benchmarks/bench_sweep.py).

The layers depend on an argument when its `$name` appears anywhere under `layers:` or
`blocks:`, or in the default of a top-level argument they depend on. Reading a name in
too many places only costs a rebuild; the scan never misses one, as every `$name` of the
spec's text under those keys is a string the scan reads.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
PLACEHOLDER = "identity"


def layer_arguments(spec: Any) -> frozenset[str] | None:
    """The names the layers depend on, or None when the spec is not one whose layers can be
    kept apart (not a mapping, or with a block named like the placeholder layer)."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("blocks", {}) or {}, Mapping) \
            or PLACEHOLDER in (spec.get("blocks") or {}):
        return None
    names: set[str] = set()
    _scan(spec.get("layers"), names, set())
    _scan(spec.get("blocks"), names, set())
    args = spec.get("args")
    if isinstance(args, Mapping):
        grown = True
        while grown:                          # an argument derived from others: those too
            before = len(names)
            for name, default in args.items():
                if name in names:
                    _scan(default, names, set())
            grown = len(names) > before
    return frozenset(names)


def _scan(value: Any, names: set[str], seen: set[int]) -> None:
    """Every `$name` in `value`, each object read once (YAML aliases repeat objects)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "$" in item:
                names.update(_NAME.findall(item))
        elif isinstance(item, (dict, list)) and id(item) not in seen:
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
            if isinstance(item, dict):
                stack.extend(key for key in item if isinstance(key, str))


def without_layers(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with one placeholder layer: building it reads everything else (input, batch,
    dtype, budget, workload, the arguments) exactly as the whole spec's build does."""
    return {**spec, "layers": [{"type": PLACEHOLDER}]}
