"""`archcalc layers`: the layer types and their arguments."""

from __future__ import annotations

import click

from ..completion import complete_layer_types
from .common import emit, terminal_width


@click.command()
@click.argument("type_name", required=False, shell_complete=complete_layer_types)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
def layers(type_name, fmt):
    """List the layer types with their arguments, or show one TYPE in full."""
    import os
    import sys

    from ..layers import RULES, find_rule
    from ..render.layers import describe_rule, list_rules, rules_json
    # wrapped to a terminal's width (or $COLUMNS); one line per type into a pipe, for scripts
    width = terminal_width() if os.environ.get("COLUMNS") or (sys.stdout is not None and sys.stdout.isatty()) else None
    if type_name is None:
        emit(rules_json(RULES.values()) if fmt == "json" else list_rules(RULES.values(), width))
        return
    rule = find_rule(type_name)
    if rule is None:
        from ..errors import UsageError
        from ..text import suggest
        raise UsageError(f"unknown layer type '{type_name}'" + suggest(type_name, RULES))
    emit(rules_json([rule]) if fmt == "json" else describe_rule(rule, width))
