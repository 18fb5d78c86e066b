"""`archcalc report`: one self-contained HTML report."""

from __future__ import annotations

import click

from ..completion import complete_model_files
from .common import device_options, analyze_side_by_side, check_outputs, context_option, emit, import_options, load_all, set_option


@click.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .html file to write.")
@click.option("--depth", type=click.IntRange(min=1), help="Collapse block uses deeper than N in the drawings.")
@click.option("--fold/--no-fold", default=True, show_default=True,
              help="Fold consecutive uses of the same block with the same shapes into one stack and one table row.")
@click.option("--sizes", help="Also the growth with the input side: 28,56,112 or 32..512x2.")
@click.option("--batch", type=click.IntRange(min=1, max=2**31), help="Override the spec's batch size.")
@click.option("--dtype", metavar="DTYPE", help="Override the spec's dtype.")
@set_option
@context_option
@import_options
@device_options
def report(specs, output, depth, fold, sizes, batch, dtype):
    """One self-contained HTML report of SPECs: summary, drawing, sortable table, charts; with two
    or more, a per-block comparison against the first and the drawings aligned by block."""
    from pathlib import PurePath

    from ..draw.report import render_report
    from ..errors import UsageError
    if PurePath(output).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"a report is HTML: give -o a .html file, got {output!r}")
    check_outputs(output, specs=specs)
    graphs = load_all(specs, batch, dtype)
    reports = analyze_side_by_side(graphs)
    scalings = []
    if sizes:
        from ..scale import parse_sizes, scale_spec
        scalings = [scale_spec(g, parse_sizes(sizes)) for g in graphs]
    emit(render_report(reports, depth, scalings, fold), output, specs)
