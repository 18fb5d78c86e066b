"""`archcalc sweep`: one spec over a grid of settings, with budgets and the Pareto front."""

from __future__ import annotations

import click

from ..completion import complete_model_files
from .common import (batch_option, check_outputs, choose_format, context_option, dtype_option, emit, exact_option,
    device_options, format_option, import_options, import_settings, output_option, render_options)


def _options(command):
    from .check import budget_options
    command = budget_options(command)
    for option in reversed((format_option(), batch_option, dtype_option, exact_option, output_option, context_option)):
        command = option(command)
    return import_options(command)


@click.command()
@click.argument("spec", shell_complete=complete_model_files)
@click.argument("parts", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--set", "items", multiple=True, metavar="NAME=VALUES",
              help="An axis of the grid: a spec argument (or batch, dtype, seq_len, context) and its values, "
                   "a list 16,32,64 or a range 2..8, 32..512x2, 160..320+32 (repeatable).")
@click.option("--zip", "zipped", is_flag=True, help="Pair the --set values (the k-th of each) instead of the full grid.")
@click.option("--pareto", metavar="FIGURES", help="Mark the points no other beats on these 2 or 3 figures, "
                                                  "e.g. macs,params (each minimised).")
@click.option("--maximise", "--maximize", multiple=True, metavar="FIGURE",
              help="A --pareto figure to maximise rather than minimise (a joined accuracy).")
@click.option("--join", "join_file", type=click.Path(dir_okay=False),
              help="CSV of measured results (accuracy, latency) matched on the swept settings.")
@click.option("--jobs", type=click.IntRange(min=1), help="Processes to analyse points in (default: the cores).")
@click.option("--shard", metavar="I/N", help="Run only the I-th of N equal parts of the grid (JSON lines).")
@click.option("--merge", is_flag=True, help="Join the JSON lines of --shard runs (PARTS) instead of analysing.")
@click.option("--max-points", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Refuse a run of more points than this, before any is analysed.")
@click.option("--keep-going", is_flag=True, help="Report an invalid point and go on (exit 2 at the end).")
@_options
@click.option("--max-latency", help="Largest lower bound on --device (divided by --efficiency when given), e.g. 5ms.")
@click.option("--min-tokens-per-second", help="Least decode tokens/s bound on --device at --context, e.g. 50.")
@device_options
@click.option("--svg", type=click.Path(dir_okay=False), help="Also save a scatter of the points (the front drawn).")
@click.option("--html", type=click.Path(dir_okay=False), help="Also save an HTML page of the points and scatter.")
def sweep(spec, parts, items, zipped, pareto, maximise, join_file, jobs, shard, merge, max_points, keep_going,
          fmt, batch, dtype, exact, output, max_latency, min_tokens_per_second, svg, html, **budgets):
    """Analyse SPEC at every point of a grid of --set values, one row (or JSON line) each.

    PARTS, with --merge: the JSON lines of --shard runs of the same command."""
    fmt = choose_format(fmt, output, specs=[spec, *parts], pictures={"--svg": svg, "--html": html})
    from ..sweep.command import Request, plan, points_of, view_of
    from .check import time_budgets
    from .common import chosen_device
    meta = click.get_current_context().meta
    request = Request(spec, tuple(parts), tuple(items), zipped, pareto, tuple(maximise), join_file, jobs, shard,
                      merge, max_points, keep_going, fmt, batch, dtype, budgets, import_settings(),
                      meta.get("archcalc.context"), _root_limits(), chosen_device(), meta.get("archcalc.efficiency"),
                      time_budgets(max_latency, min_tokens_per_second))
    planned = plan(request)
    state = {"errors": 0}
    view = view_of(planned, points_of(planned, state, lambda line: click.echo(line, err=True)),
                   keep=bool(svg or html) or fmt in ("table", "markdown"))
    from ..render import renderer
    module = renderer(fmt)
    pieces = module.sweep_chunks(view, render_options(exact, output)) if hasattr(module, "sweep_chunks") \
        else module.sweep(view, render_options(exact, output))
    emit(pieces, output, [spec, *parts])
    if svg or html:
        _pictures(view, svg, html, [spec, *parts])
    if state["errors"]:
        click.get_current_context().exit(2)


def _root_limits():
    root = click.get_current_context().find_root().params
    return root.get("max_layers"), (root.get("max_file_size") or 16) * 2**20


def _pictures(view, svg, html, protected):
    from ..draw.scatter import scatter_svg, sweep_page
    from ..files import write_atomic
    check_outputs(svg, html, specs=protected)
    if svg:
        write_atomic(svg, scatter_svg(view, standalone=True) + "\n", protected=protected)
    if html:
        write_atomic(html, sweep_page(view), protected=protected)
