"""Shell completion (click's `_ARCHCALC_COMPLETE`) of model files and layer types.

Everything is imported inside the functions: completion runs only when a shell asks, and
`click.shell_completion` is not otherwise loaded, so start-up does not pay for it.
"""

from __future__ import annotations


def complete_model_files(ctx, param, incomplete: str) -> list:
    """Folders (to descend into) and files with an ending a front door claims: specs, ONNX,
    config.json / Keras JSON. Hidden entries are left out unless a dot was typed."""
    from pathlib import Path

    from click.shell_completion import CompletionItem

    from .frontends import readable_suffixes
    folder, slash, stem = incomplete.rpartition("/")
    base = Path(folder + slash or ".")
    if not base.is_dir():
        return []
    suffixes = readable_suffixes()
    items = []
    for entry in sorted(base.iterdir()):
        if not entry.name.startswith(stem) or (entry.name.startswith(".") and not stem.startswith(".")):
            continue
        shown = folder + slash + entry.name
        if entry.is_dir():
            items.append(CompletionItem(shown + "/", type="plain"))
        elif entry.suffix.lower() in suffixes:
            items.append(CompletionItem(shown, type="plain"))
    return items


def complete_layer_types(ctx, param, incomplete: str) -> list:
    """Registered layer types starting with what was typed, in any case."""
    from click.shell_completion import CompletionItem

    from .layers import RULES
    typed = incomplete.lower()
    return [CompletionItem(name) for name in sorted(RULES) if name.lower().startswith(typed)]


def complete_dtypes(ctx, param, incomplete: str) -> list:
    """Dtype names (full and short) starting with what was typed; after `PART=`, names for that
    part; a part name before its `=` (weights=, activations=, kv_cache=)."""
    from click.shell_completion import CompletionItem

    from .dtypes import ALIASES, BITS, PARTS
    head, comma, last = incomplete.rpartition(",")
    prefix = head + comma
    part, equals, typed = last.partition("=")
    names = [*BITS, *ALIASES]
    if equals:
        return [CompletionItem(f"{prefix}{part}={n}") for n in names if n.startswith(typed.lower())]
    items = [CompletionItem(prefix + n) for n in names if not comma and n.startswith(last.lower())]
    return items + [CompletionItem(f"{prefix}{p}=", type="plain") for p in PARTS if p.startswith(last.lower())]
