"""Argument values: `$name` replaced by its value, expressions evaluated.

The spec's top-level `args` (with `--set` overrides) are seen everywhere; a
block's arguments shadow them inside the block. YAML aliases make one object
appear in many places, so each object is substituted once per set of values
(an alias bomb stays linear).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping


from ...errors import UsageError, option
from ...text import suggest
from .expressions import ExpressionError, evaluate, is_expression, is_reference

if TYPE_CHECKING:
    from ...graph import Origin
    from .blocks import Block


def substitute(value: Any, values: Mapping[str, Any], path: tuple[Any, ...], origin: Origin,
               done: dict[int, Any] | None = None) -> Any:
    """`value` with every `$name` and expression in it replaced."""
    if isinstance(value, str) and "$" in value:
        return resolve_string(value, values, path, origin)
    if not isinstance(value, (dict, list)):
        return value
    done = {} if done is None else done
    if id(value) not in done:
        if isinstance(value, dict):
            done[id(value)] = {k: substitute(v, values, (*path, k), origin, done) for k, v in value.items()}
        else:
            done[id(value)] = [substitute(v, values, (*path, i), origin, done) for i, v in enumerate(value)]
    return done[id(value)]


def resolve_string(text: str, values: Mapping[str, Any], path: tuple[Any, ...], origin: Origin) -> Any:
    if is_reference(text):
        key = text[1:]
        if key not in values:
            raise origin.error(f"undefined argument '{text}'" + suggest(key, values), path)
        return values[key]
    if not is_expression(text):
        return text
    try:
        return evaluate(text, values)
    except ExpressionError as exc:
        raise origin.error(str(exc), path) from None


def bind_block_values(block: Block, entry: Mapping[str, Any], outer: Mapping[str, Any], common: tuple[str, ...],
                      path: tuple[Any, ...],
                      full: str, origin: Origin) -> dict[str, Any]:
    """The values a block use sees: the spec's and enclosing block's, shadowed by the
    block's defaults, shadowed by the use's arguments. Defaults may be expressions over
    the outer values and the block's earlier arguments."""
    given = {key: value for key, value in entry.items() if key not in common}
    for key in given:
        if key not in block.args:
            from .parse import KeyOf
            raise origin.error(f"unknown argument '{str(key)[:60]}' for block '{block.name}'"
                               + suggest(str(key), block.args), (*path, KeyOf(key)))
    values = dict(outer)
    for key, default in block.args.items():
        if key in given:
            values[key] = given[key]
        elif default is None:
            raise origin.error(f"block use '{full}' needs argument '{key}'", path)
        else:
            values[key] = substitute(default, values, (*block.path, "args", key), origin)
    return values


def read_overrides(declared: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """`--set NAME=VALUE` pairs read as YAML scalars; an undeclared NAME is a usage error."""
    import yaml
    values = dict(declared)
    for name, text in overrides.items():
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise UsageError(f"{option('set')} {name}: the spec declares no argument '{name}' (its args: {known})"
                             + suggest(name, declared))
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except (yaml.YAMLError, ValueError):   # not YAML, or a date no calendar has: the text itself
            value = text
        if isinstance(value, (dict, list)) or value is None:
            raise UsageError(f"{option('set')} {name}={text}: expected a number, true/false or a word")
        values[name] = value
    return values


def derive_args(values: Mapping[str, Any], overridden: Any, origin: Origin) -> dict[str, Any]:
    """The spec's top-level `args` with each default that is a `$name` or an expression over
    earlier arguments evaluated, in declaration order (`phi: 1, depth: 1.2 ** $phi`); a
    `--set` value is taken as given, and later defaults see it."""
    resolved: dict[str, Any] = {}
    for name, value in values.items():
        if name not in overridden and isinstance(value, str) and "$" in value:
            value = resolve_string(value, resolved, ("args", name), origin)
        resolved[name] = value
    return resolved
