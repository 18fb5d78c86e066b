"""`archcalc check`: budgets for CI, with GitHub annotations and a job summary."""

from __future__ import annotations

import os
import sys

import click

from ..budget import BUDGET_OPTIONS
from ..completion import complete_model_files
from ..render import FORMATS
from ..text import one_line, shown
from .common import (analyze_graph_with_workload, choose_format, device_options, emit, load_all, render_options,
    report_options)


def budget_options(command):
    """--max-params, --max-macs, … (budget.BUDGET_OPTIONS; `sweep` takes the same)."""
    for key, flag, help_text in reversed(BUDGET_OPTIONS):
        command = click.option(flag, "max_" + key, help=help_text)(command)
    return command


@click.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@budget_options
@click.option("--max-latency", help="Largest lower bound on --device (divided by --efficiency when given), e.g. 5ms.")
@click.option("--min-tokens-per-second", help="Least decode tokens/s bound on --device at --context, e.g. 50.")
@click.option("--warn-at", default="90%", show_default=True,
              help="Warn (under GitHub Actions: ::warning) when a figure reaches this share of its budget.")
@click.option("--allow-no-budget", is_flag=True, help="Pass when no budget is set anywhere (default: exit 2).")
@lambda command: report_options(command, extra_formats=("junit",))
@device_options
def check(specs, max_params, max_macs, max_flops, max_memory, max_kv_cache, max_train_memory, max_latency,
          min_tokens_per_second, warn_at,
          allow_no_budget, fmt, batch, dtype, exact, output):
    """Fail (exit 1) when a SPEC exceeds its budget (flags override the spec's `budget:`).

    Every spec is checked and reported, the invalid ones too (exit 2 wins over 1). Under
    GitHub Actions each failure is also an ::error annotation at its file and line, each
    near miss a ::warning, and a Markdown summary goes to $GITHUB_STEP_SUMMARY."""
    fmt = choose_format(fmt, output, (*FORMATS, "junit"), specs=specs)
    from ..budget import check_budget
    from ..errors import SpecError
    from ..render import renderer
    from ..budget import read_budget_flags
    from ..units import parse_share
    flags = read_budget_flags({"params": max_params, "macs": max_macs, "flops": max_flops, "memory": max_memory,
                               "kv_cache": max_kv_cache, "train_memory": max_train_memory})
    flags.update(time_budgets(max_latency, min_tokens_per_second))
    warn = parse_share(warn_at)
    if list(specs).count("-") > 1:
        raise click.UsageError("standard input ('-') can be read only once")
    loaded, results, failures = [], [], []
    for name in specs:
        try:
            (graph,) = load_all([name], batch, dtype)
            budget = {**graph.budget, **flags}
            report = analyze_graph_with_workload(graph)
            training = None
            if "train_memory" in budget:
                from ..workloads.training import train_figures
                training = train_figures(graph, report)
            results.append(check_budget(report, graph.origin.file, budget, training))
            loaded.append(graph)
        except SpecError as exc:
            failures.append(exc)
    if not failures and not any(r.lines for r in results) and not allow_no_budget:
        raise click.UsageError("no budget set: give --max-params, --max-macs, --max-flops, --max-memory, "
                               "--max-kv-cache, --max-train-memory, --max-latency or --min-tokens-per-second, or a 'budget:' mapping in the spec "
                               "(or --allow-no-budget)")
    if fmt == "junit":
        from ..render.junit import budgets as junit
        emit(junit(results, failures), output, specs)
    elif results:
        emit(renderer(fmt).budgets(results, render_options(exact, output)), output, specs)
    failures = [error for exc in failures for error in getattr(exc, "errors", [exc])]
    for failure in failures:
        click.echo("error: " + one_line(str(failure)), err=True)
    for graph, result in zip(loaded, results):
        if not result.lines:
            click.echo(f"warning: {one_line(graph.origin.file)}: no budget set (use --max-params, ... "
                       "or a 'budget:' mapping in the spec)", err=True)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        _annotate(loaded, results, flags, failures, warn)
        _summarize(results, failures)
    if failures:
        sys.exit(2)
    if not all(r.within for r in results):
        sys.exit(1)


def time_budgets(max_latency, min_tokens_per_second) -> dict:
    """--max-latency and --min-tokens-per-second, refused without the device they are read on."""
    from ..errors import UsageError
    from ..units import parse_duration, parse_quantity
    from .common import chosen_device
    flags = {}
    for option, value in (("--max-latency", max_latency), ("--min-tokens-per-second", min_tokens_per_second)):
        if value is not None and chosen_device() is None:
            raise UsageError(f"{option}: a time budget is read on a device: give --device NAME")
    if max_latency is not None:
        try:
            flags["latency"] = parse_duration(max_latency)
        except UsageError as exc:
            raise UsageError(f"--max-latency: {exc}") from None
    if min_tokens_per_second is not None:
        if click.get_current_context().meta.get("archcalc.context") is None:
            raise UsageError("--min-tokens-per-second: the decode bound is read at a context: give --context T")
        flags["tokens_per_second"] = parse_quantity(min_tokens_per_second)
    return flags


def _annotation_text(text: str) -> str:
    """An annotation's message: on one line and shown (`one_line`: no line break, no control
    character, no `::`), then GitHub's workflow-command escaping of `%`."""
    return one_line(text).replace("%", "%25")


def _annotation_property(text: str) -> str:
    """A property value (file=…): shown, then GitHub's escaping of `%`, `:` and `,`, which
    would otherwise end the value."""
    return shown(text).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")


def _annotate(loaded, results, flags, failures, warn):
    """GitHub Actions `::error` / `::warning` lines pointing at the spec's `budget:` entry or at the
    error's place in the file."""
    for exc in failures:
        where = f"file={_annotation_property(exc.file or '<spec>')}"
        if exc.line is not None:
            where += f",line={exc.line}" + (f",col={exc.column}" if exc.column is not None else "")
        click.echo(f"::error {where}::{_annotation_text(exc.message)}")
    for spec, result in zip(loaded, results):
        for line in result.lines:
            over, near = not line.within, line.near(warn)
            if not (over or near):
                continue
            where = f"file={_annotation_property(spec.origin.file)}"
            if line.key not in flags:
                found = spec.origin.error("", ("budget", line.key))
                if found.line is not None:
                    where += f",line={found.line},col={found.column}"
            say = getattr(line.allowed, "written", lambda n=None: f"{line.allowed if n is None else n:,}")
            if over and line.minimum:
                message = (f"{result.name}: {line.label} {say(line.used)} is below the minimum {say()} "
                           f"by {say(-line.headroom)}")
            elif over:
                message = f"{result.name}: {line.label} {say(line.used)} exceeds the budget {say()} by {say(-line.headroom)}"
            else:
                message = (f"{result.name}: {line.label} {say(line.used)} is {100 * line.used / line.allowed:.1f}% of the "
                           f"budget {say()}")
            click.echo(f"::{'error' if over else 'warning'} {where}::{_annotation_text(message)}")


def _summarize(results, failures):
    """The Markdown report appended to the job summary, when GitHub gives one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from ..render import Options, renderer
    text = renderer("markdown").budgets(results, Options()) if results else ""
    text += "".join(f"\n- ❌ `{one_line(str(exc))}`" for exc in failures)
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        click.echo(f"warning: cannot write the job summary {one_line(path)}: {exc.strerror or exc}", err=True)
