"""`archcalc verify`: the reference pass against the counted shapes and MACs."""

from __future__ import annotations

import sys

import click

from ..completion import complete_model_files
from .common import batch_option, emit, import_options, load_all, render_options, set_option


@click.command()
@click.argument("spec", shell_complete=complete_model_files)
@batch_option
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random input and weights.")
@click.option("--max-macs", default="2G", show_default=True,
              help="Refuse to start a pass larger than this (the reference pass is slow).")
@click.option("--max-work", default="2G", show_default=True,
              help="Refuse to start a pass whose MACs and other element work (values created, read or drawn) "
                   "exceed this.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
@click.option("--fields", "fields", is_flag=True,
              help="Check every layer's receptive field, stride and offset against exact per-position dependency "
                   "sets instead (no values are computed: quick at any input size).")
@set_option
@import_options
def verify(spec, batch, seed, max_macs, max_work, fmt, fields):
    """Run SPEC through the pure-Python reference pass and check every layer's shape and MACs."""
    if fields:
        context = click.get_current_context()
        for name, option in (("seed", "--seed"), ("max_macs", "--max-macs"), ("max_work", "--max-work")):
            if context.get_parameter_source(name) != click.core.ParameterSource.DEFAULT:
                raise click.UsageError(f"{option} applies to the value pass, not to --fields (which computes no values)")
        _verify_fields(spec, batch, fmt)
        return
    from ..analysis import analyze_graph
    from ..errors import UsageError
    from ..render import renderer
    from ..units import human_count, parse_quantity
    from ..verify import ASSUMED_MACS_PER_SECOND, reference_work, verify as run_verify
    limit, work_limit = parse_quantity(max_macs), parse_quantity(max_work)
    (loaded,) = load_all([spec], batch, None)
    report = analyze_graph(loaded)
    total = report.totals.macs
    if total > limit:
        raise UsageError(
            f"{loaded.origin.file}: the reference pass would execute {human_count(total)} MACs, more than "
            f"--max-macs {human_count(limit)} (about {total / ASSUMED_MACS_PER_SECOND:,.0f} s); "
            "run it at a smaller --input (e.g. 64,64,3) or raise --max-macs")
    work = reference_work(report)
    if work.total > work_limit:
        raise UsageError(
            f"{loaded.origin.file}: the reference pass would do {human_count(work.total)} operations "
            f"({human_count(work.macs)} MACs and {human_count(work.elements)} values created, read or drawn), "
            f"more than --max-work {human_count(work_limit)} (about {work.total / ASSUMED_MACS_PER_SECOND:,.0f} s); "
            "run it at a smaller --input or raise --max-work")
    result = _verify_with_progress(loaded, seed, total, run_verify)
    if fmt == "json":
        from ..render.layers import verification_json
        emit(verification_json(result))
    else:
        emit(renderer("table").verification(result, render_options(False)))
    if not result.agrees:
        sys.exit(1)


def _verify_fields(spec, batch, fmt):
    from ..render.fieldcheck import field_verification, field_verification_json
    from ..verify_fields import verify_fields
    (loaded,) = load_all([spec], batch, None)
    result = verify_fields(loaded)
    emit(field_verification_json(result) if fmt == "json" else field_verification(result, render_options(False)))
    if not result.agrees:
        sys.exit(1)


def _verify_with_progress(spec, seed, total, run_verify):
    """A progress bar on standard error (one step per layer) when it is a terminal."""
    if not sys.stderr.isatty():
        return run_verify(spec, seed=seed)
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ..text import shown
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f} MACs"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("reference pass", total=total or 1)
        return run_verify(spec, seed=seed, progress=lambda layer: bar.update(
            task, advance=layer.macs, description=escape(shown(layer.name))))
