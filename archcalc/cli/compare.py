"""`archcalc compare`: specs side by side, with ratios against the first."""

from __future__ import annotations

import click

from ..completion import complete_model_files
from .common import (device_options, analyze_side_by_side, choose_format, emit, export_options, export_pictures, load_all,
    render_options, report_options)


@click.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@report_options
@export_options
@device_options
def compare(specs, fmt, batch, dtype, exact, output, svg, html):
    """Specs side by side, with ratios against the first."""
    fmt = choose_format(fmt, output, specs=specs, pictures={"--svg": svg, "--html": html})
    from ..compare import compare_reports
    from ..render import renderer
    if len(specs) < 2:
        raise click.UsageError("compare needs at least two specs")
    graphs = load_all(specs, batch, dtype)
    reports = analyze_side_by_side(graphs)
    names = [r.name for r in reports]
    # Two models of one name (a spec against itself, or two files named alike): tell them by file.
    labels = [f"{r.name} ({g.origin.file})" if names.count(r.name) > 1 else r.name for r, g in zip(reports, graphs)]
    comparison = compare_reports(reports, labels)
    export_pictures("comparison", comparison, exact, svg, html, specs, "archcalc compare", output)
    emit(renderer(fmt).comparison(comparison, render_options(exact, output)), output, specs)
