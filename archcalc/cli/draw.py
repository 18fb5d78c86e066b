"""`archcalc draw`: the layer graph as a picture."""

from __future__ import annotations

import click

from ..completion import complete_model_files
from .common import analyze_graph_with_workload, check_outputs, emit, import_options, load_all, set_option


DRAW_SUFFIXES = (".svg", ".html")


@click.command()
@click.argument("spec", shell_complete=complete_model_files)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The picture: .svg, or .html (the drawing in a page).")
@click.option("--depth", type=click.IntRange(min=1),
              help="Collapse block uses nested deeper than N into one box each (default: every layer, or "
                   "the deepest depth that keeps the drawing within 400 boxes, said in the picture).")
@click.option("--fold/--no-fold", default=True, show_default=True,
              help="Draw consecutive uses of the same block with the same shapes as one stack (× N).")
@click.option("--batch", type=click.IntRange(min=1, max=2**31), help="Override the spec's batch size.")
@set_option
@import_options
def draw(spec, output, depth, fold, batch):
    """Draw SPEC's layer graph top to bottom, each box coloured by its share of the MACs."""
    from pathlib import PurePath

    from ..draw.layout import build
    from ..draw.report import render_report
    from ..draw.svg import render_svg
    from ..errors import UsageError
    suffix = PurePath(output).suffix.lower()
    if suffix not in DRAW_SUFFIXES:
        raise UsageError(f"cannot draw to {output!r}: use one of {', '.join(DRAW_SUFFIXES)}")
    check_outputs(output, specs=[spec])
    (graph,) = load_all([spec], batch, None)
    report = analyze_graph_with_workload(graph)
    text = render_svg(build(report, depth, fold)) if suffix == ".svg" else render_report([report], depth, fold=fold)
    emit(text, output, [spec])
