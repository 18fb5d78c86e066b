"""Plain-text listing of the layer rules for `archcalc layers`."""

from __future__ import annotations


def _default(arg) -> str:
    if arg.required:
        return "required"
    if arg.default is None:
        return arg.help if arg.help.startswith("default:") else "default: derived"
    value = str(arg.default).lower() if isinstance(arg.default, bool) else arg.default
    return f"default {value}"


def _signature(rule) -> str:
    return ", ".join(arg.name if arg.required else
                     f"{arg.name}={_default(arg).removeprefix('default: ').removeprefix('default ')}"
                     for arg in rule.args) or "-"


def list_rules(rules, width: int | None = None) -> str:
    """One line per type; within `width`, the arguments wrap after their commas under themselves."""
    rules = sorted(rules, key=lambda r: (r.family, r.type))
    name_width = max(len(r.type) for r in rules)
    lines = []
    for rule in rules:
        alias = f" (alias {', '.join(rule.aliases)})" if rule.aliases else ""
        head = f"{rule.type:<{name_width}}  {rule.family:<14} "
        text = f"{_signature(rule)}{alias}"
        if width is not None and len(head) + len(text) > width and width < len(head) + 40:
            lines.append(head.rstrip())                  # narrow: the arguments on lines of their own
            head = "    "
        lines += _wrapped(head, text, width)
    return "\n".join(lines) + "\n"


def _wrapped(head: str, text: str, width: int | None) -> list[str]:
    """`head` then `text`, continued under the text's start, broken only after a comma or a
    space (a word longer than the room left stands whole on its line)."""
    if width is None or len(head) + len(text) <= width:
        return [head + text]
    import re
    room = max(width - len(head), 20)
    lines, current = [], ""
    for piece in re.findall(r"[^ ]+ ?", text):
        if current and len(current) + len(piece.rstrip()) > room:
            lines.append(current.rstrip())
            current = ""
        current += piece
    lines.append(current.rstrip())
    return [head + lines[0], *(" " * len(head) + line for line in lines[1:])]


def describe_rule(rule, width: int | None = None) -> str:
    lines = _wrapped(f"{rule.type}: ", rule.summary, width)
    if rule.aliases:
        lines.append(f"aliases: {', '.join(rule.aliases)}")
    lines.append(f"inputs: {rule.inputs_wanted}")
    lines.append("arguments:" if rule.args else "arguments: none")
    for arg in rule.args:
        kind = getattr(arg.validate, "kind", "")
        help_text = f" - {arg.help}" if arg.help and not arg.help.startswith("default:") else ""
        lines += _wrapped(f"  {arg.name}: ", f"{kind}, {_default(arg)}{help_text}", width)
    if rule.takes_activation:
        lines += _wrapped("  activation: ", "name of an activation type, appended as its own layer", width)
    lines += _wrapped("FLOPs: ", rule.flops_rule, width)
    return "\n".join(lines) + "\n"


def rules_json(rules) -> str:
    """The layer types as data: for tools that generate or check specs."""
    import json
    data = [{"type": r.type, "family": r.family, "summary": r.summary, "aliases": list(r.aliases),
             "inputs": r.inputs_wanted, "flops_rule": r.flops_rule,
             "arguments": [{"name": a.name, "kind": getattr(a.validate, "kind", ""),
                            "required": a.required, "default": None if a.required else _json_value(a.default),
                            "help": a.help} for a in r.args]}
            for r in sorted(rules, key=lambda r: r.type)]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _json_value(value):
    return value if isinstance(value, (bool, int, float, str, type(None))) else str(value)


def verification_json(result) -> str:
    import json
    data = {"name": result.name, "input": list(result.input), "batch": result.batch, "agrees": result.agrees,
            "layers": [{"name": c.name, "type": c.type, "inferred_shape": list(c.inferred_shape),
                        "produced_shape": list(c.produced_shape), "analyzed_macs": c.analyzed_macs,
                        "executed_macs": c.executed_macs, "analyzed_params": c.analyzed_params,
                        "drawn_params": c.drawn_params, "agrees": c.agrees} for c in result.checks]}
    from ..text import json_escaped
    return json_escaped(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
