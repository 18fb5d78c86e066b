"""`archcalc analyze`: the per-layer table and totals of each spec."""

from __future__ import annotations

import click

from ..completion import complete_model_files
from .common import (analyze_graph_with_workload, chosen_device, choose_format, device_options, emit, export_options,
    export_pictures, load_all, render_options, report_options)


@click.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@report_options
@click.option("--depth", type=click.IntRange(min=0),
              help="Collapse layers nested deeper than N block uses into one row per use; 0: totals only.")
@device_options
@export_options
def analyze(specs, fmt, batch, dtype, exact, output, depth, svg, html):
    """Per-layer table and totals of each SPEC ('-' reads standard input)."""
    fmt = choose_format(fmt, output, specs=specs, pictures={"--svg": svg, "--html": html})
    from ..render import analysis_pieces
    if depth is not None and chosen_device() is not None:
        from ..errors import UsageError
        raise UsageError("--depth: per-layer device times are not summed over collapsed blocks; "
                         "give --depth or --device, not both")
    reports = [analyze_graph_with_workload(spec) for spec in load_all(specs, batch, dtype)]
    if depth is not None:
        from ..depth import collapse_layers
        reports = [collapse_layers(report, depth) for report in reports]
    export_pictures("analysis", reports, exact, svg, html, specs, "archcalc analyze", output)
    emit(analysis_pieces(fmt, reports, render_options(exact, output)), output, specs)
