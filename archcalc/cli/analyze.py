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
@click.option("--view", type=click.Choice(["layers", "fields"]), default="layers", show_default=True,
              help="layers: params and MACs per layer; fields: what each layer sees (receptive field, "
                   "effective stride, offset), MACs per weight and the dense layer each would be.")
@export_options
def analyze(specs, fmt, batch, dtype, exact, output, depth, view, svg, html):
    """Per-layer table and totals of each SPEC ('-' reads standard input)."""
    fmt = choose_format(fmt, output, specs=specs, pictures={"--svg": svg, "--html": html})
    if view == "fields" and depth is not None:
        raise click.UsageError("--depth collapses layers into block rows, which have no field: "
                               "use it with --view layers")
    if view == "fields" and chosen_device() is not None:
        raise click.UsageError("--device: the fields view shows no device times; give --view fields or --device, "
                               "not both")
    from ..render import analysis_pieces, renderer
    if depth is not None and chosen_device() is not None:
        from ..errors import UsageError
        raise UsageError("--depth: per-layer device times are not summed over collapsed blocks; "
                         "give --depth or --device, not both")
    reports = [analyze_graph_with_workload(spec) for spec in load_all(specs, batch, dtype)]
    if depth is not None:
        from ..depth import collapse_layers
        reports = [collapse_layers(report, depth) for report in reports]
    picture = "analysis" if view == "layers" else "fields"
    export_pictures(picture, reports, exact, svg, html, specs, "archcalc analyze", output)
    options = render_options(exact, output)
    if view == "fields":
        emit(renderer(fmt).fields(reports, options), output, specs)
    else:
        emit(analysis_pieces(fmt, reports, options), output, specs)
