"""`archcalc scale`: one spec at several input sizes, and how its figures grow."""

from __future__ import annotations

import click

from ..completion import complete_model_files
from .common import (check_outputs, choose_format, emit, export_options, export_pictures, load_all, render_options,
    report_options)


@click.command()
@click.argument("spec", shell_complete=complete_model_files)
@click.option("--sizes", required=True, help="Input side lengths: 28,56,112,224 or 32..512x2 or 32..256+32.")
@click.option("--layers", "show_layers", is_flag=True, help="Per-layer figures and growth exponents.")
@report_options
@export_options
@click.option("--plot", type=click.Path(dir_okay=False), help="Also save the growth curves as SVG (log–log).")
def scale(spec, sizes, show_layers, fmt, batch, dtype, exact, output, svg, html, plot):
    """Analyse SPEC at several input sizes and fit how params and MACs grow with the side length."""
    fmt = choose_format(fmt, output, specs=[spec], pictures={"--svg": svg, "--html": html, "--plot": plot})
    from ..render import renderer
    from ..scale import parse_sizes, scale_spec
    side_lengths = parse_sizes(sizes)
    (loaded,) = load_all([spec], batch, dtype)
    result = scale_spec(loaded, side_lengths)
    export_pictures("scaling", result, exact, svg, html, [spec], "archcalc scale", output, show_layers=show_layers)
    if plot:
        from ..draw.report import growth_svg
        from ..files import write_atomic
        check_outputs(plot, specs=[spec])
        picture = growth_svg(result).replace('<svg class="growth"', '<svg xmlns="http://www.w3.org/2000/svg" class="growth"', 1)
        write_atomic(plot, picture + "\n", protected=[spec])
    emit(renderer(fmt).scaling(result, render_options(exact, output), show_layers=show_layers), output, [spec])
