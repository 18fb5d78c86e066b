"""What `archcalc verify --fields` prints: the analysis's fields against the reference's exact
dependency sets, as a table or as JSON."""

from __future__ import annotations

import json

from ..text import json_escaped, shown


def field_verification(result, options) -> str:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from .common import shape
    from .table import render
    table = Table(title=f"{escape(shown(result.name))}: receptive fields against the reference's dependency sets "
                        f"on input {shape(result.input)}", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Layer", overflow="fold")
    table.add_column("Type", no_wrap=True)
    table.add_column("Compared", justify="right", no_wrap=True)
    table.add_column("", min_width=1, no_wrap=True)
    for c in result.checks:
        table.add_row(escape(shown(c.name)), c.type, f"{c.compared:,}", "[green]✓[/]" if c.agrees else "[red]✗[/]")
    bad = [c for c in result.checks if not c.agrees]
    compared = sum(c.compared for c in result.checks)
    lines = [f"{len(result.checks) - len(bad)} of {len(result.checks)} layers agree; {compared:,} fields compared "
             "(positions whose analysed field lies inside the input, and hulls)"]
    mine, theirs = result.whole_input_layer, result.reference_whole_input_layer
    lines.append(("[green]✓[/]" if mine == theirs else "[red]✗[/]")
                 + f" whole input first seen by {escape(shown(mine or 'no layer'))} (analysis), "
                 f"{escape(shown(theirs or 'no layer'))} (reference)")
    for c in bad:
        lines.append(f"[red]✗ {escape(shown(c.name))}[/]: " + "; ".join(escape(shown(p)) for p in c.problems))
    return render([table, *lines], options)


def field_verification_json(result) -> str:
    data = {"name": result.name, "input": list(result.input), "agrees": result.agrees,
            "whole_input_layer": result.whole_input_layer,
            "reference_whole_input_layer": result.reference_whole_input_layer,
            "layers": [{"name": c.name, "type": c.type, "compared": c.compared, "agrees": c.agrees,
                        "problems": list(c.problems)} for c in result.checks]}
    return json_escaped(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
