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


def list_rules(rules) -> str:
    rules = sorted(rules, key=lambda r: (r.family, r.type))
    width = max(len(r.type) for r in rules)
    lines = []
    for rule in rules:
        alias = f" (alias {', '.join(rule.aliases)})" if rule.aliases else ""
        lines.append(f"{rule.type:<{width}}  {rule.family:<14} {_signature(rule)}{alias}")
    return "\n".join(lines) + "\n"


def describe_rule(rule) -> str:
    lines = [f"{rule.type}: {rule.summary}"]
    if rule.aliases:
        lines.append(f"aliases: {', '.join(rule.aliases)}")
    lines.append(f"inputs: {rule.inputs_wanted}")
    lines.append("arguments:" if rule.args else "arguments: none")
    for arg in rule.args:
        kind = getattr(arg.validate, "kind", "")
        help_text = f" - {arg.help}" if arg.help and not arg.help.startswith("default:") else ""
        lines.append(f"  {arg.name}: {kind}, {_default(arg)}{help_text}")
    if rule.takes_activation:
        lines.append("  activation: name of an activation type, appended as its own layer")
    lines.append(f"FLOPs: {rule.flops_rule}")
    return "\n".join(lines) + "\n"
