"""The command line: wires options to library functions, and errors to one line.

Library code raises typed errors; `ArchcalcGroup` turns a bad spec or bad usage
into one line, `error: …`, with exit status 2, an interrupt into status 130,
and anything unexpected into `internal error: …` with exit status 3, so a bug
is never mistaken for a bad spec.
"""

from __future__ import annotations

import os
import shutil
import sys

import click

from . import __version__
from .errors import ArchcalcError
from .render import FORMATS
from .completion import complete_layer_types, complete_model_files
from .text import one_line


class ArchcalcGroup(click.Group):
    def main(self, *args, standalone_mode: bool = True, **kwargs):
        """Click's own error blocks (Usage:/Try/Error:) become one `error:` line."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "archcalc"
            click.echo(f"error: {one_line(exc.format_message())} (see '{command} --help')", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ArchcalcError as exc:
            # One line each, always: a name or value in the message may hold a line break or an escape.
            for error in getattr(exc, "errors", [exc]):
                click.echo("error: " + one_line(str(error)), err=True)
            ctx.exit(2)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Abort() from None
        except Exception as exc:  # a bug of ours, not the user's
            if ctx.params.get("debug") or os.environ.get("ARCHCALC_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
                       "(rerun with --debug for the traceback)", err=True)
            ctx.exit(3)


@click.group(cls=ArchcalcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archcalc")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@click.option("--max-file-size", type=click.IntRange(min=1), default=16, show_default=True, metavar="MIB",
              help="Refuse spec files larger than this many MiB (model files may be up to 4 GiB).")
@click.option("--max-layers", type=click.IntRange(min=1), default=10_000_000, show_default=True,
              help="Refuse specs that expand to more layers than this.")
def cli(debug, max_file_size, max_layers):
    """How big and how expensive is this network? Parameters, MACs, FLOPs and memory
    of a network described in a YAML spec."""


def _format_option(extra=()):
    return click.option("--format", "fmt", type=click.Choice([*FORMATS, *extra]), default=None,
                        help="Output format (default: from the -o file's extension, else table).")


_BY_EXTENSION = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".md": "markdown", ".markdown": "markdown", ".txt": "table",
                 ".xml": "junit"}


def _format(fmt, output, allowed=tuple(FORMATS)) -> str:
    """--format if given, else what the -o file's extension says, else a table."""
    if fmt is not None:
        return fmt
    if output:
        from pathlib import PurePath
        guess = _BY_EXTENSION.get(PurePath(output).suffix.lower())
        if guess in allowed:
            return guess
    return "table"


_batch_option = click.option("--batch", type=click.IntRange(min=1, max=2**31),
                             help="Override the spec's batch size.")
_dtype_option = click.option("--dtype", metavar="DTYPE",
                             help="Override the spec's dtype: float32, bfloat16, int4, …, or "
                                  "weights=int4,activations=bfloat16,kv_cache=float8.")
_exact_option = click.option("--exact", is_flag=True, help="Exact integers instead of K/M/G and KiB/MiB.")


_output_option = click.option("-o", "--output", type=click.Path(dir_okay=False),
                              help="Write to FILE (whole or not at all) instead of standard output.")


def _store_pairs(key):
    """Keeps NAME=VALUE options in the context for `_load_all`, so commands need not pass them on."""
    def store(ctx, param, values):
        pairs = {}
        for item in values or ():
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", ctx, param)
            pairs[name.strip()] = value
        ctx.meta[key] = pairs
        return pairs
    return store


_set_option = click.option(
    "--set", "set_args", multiple=True, metavar="NAME=VALUE", expose_value=False,
    callback=_store_pairs("archcalc.set"),
    help="Override one of the spec's `args` (repeatable), e.g. --set width=32 --set se=false.")


def _store_shape_inputs(ctx, param, values):
    shapes = {}
    for name, text in _store_pairs("archcalc.raw-inputs")(ctx, param, values).items():
        try:
            shapes[name] = tuple(int(n) for n in text.split(","))
        except ValueError:
            raise click.BadParameter(f"{name}: expected sizes separated by commas, got {text!r}", ctx, param) \
                from None
        if not shapes[name] or min(shapes[name]) < 1:
            raise click.BadParameter(f"{name}: sizes must be positive, got {text!r}", ctx, param)
    ctx.meta["archcalc.inputs"] = shapes


def _import_options(command):
    """Options of model files that are not specs: symbolic input shapes, sequence length, head."""
    for option in reversed((
        click.option("--input", "input_shapes", multiple=True, metavar="NAME=SHAPE", expose_value=False,
                     callback=_store_shape_inputs,
                     help="Shape of a model file's input, in the file's own layout with its batch axis "
                          "(ONNX), e.g. --input input=1,3,224,224."),
        click.option("--seq-len", type=click.IntRange(min=1), expose_value=False,
                     callback=lambda ctx, param, value: ctx.meta.__setitem__("archcalc.seq_len", value),
                     help="Sequence length T of a Hugging Face config's model."),
        click.option("--head", expose_value=False,
                     callback=lambda ctx, param, value: ctx.meta.__setitem__("archcalc.head", value),
                     help="Which head a Hugging Face config's model carries (see docs/importing.md)."),
    )):
        command = option(command)
    return command


_context_option = click.option(
    "--context", type=click.IntRange(min=1), expose_value=False,
    callback=lambda ctx, param, value: ctx.meta.__setitem__("archcalc.context", value),
    help="Tokens in the KV cache: adds the cache's size and the MACs of decoding one token.")


def _analyze(graph):
    """The graph's Report, with the decoding figures when a context is set (--context or the
    spec's `workload:`)."""
    from .analysis import analyze_graph
    report = analyze_graph(graph)
    context = click.get_current_context().meta.get("archcalc.context") or graph.context
    if context is None:
        return report
    from .workloads.decode import with_decoding
    return with_decoding(graph, report, context)


def _report_options(command, extra_formats=()):
    """--format, --batch, --dtype, --exact, --output, --set, --context and the model-file options,
    shared by the commands that report figures."""
    for option in reversed((_format_option(extra_formats), _batch_option, _dtype_option, _exact_option,
                            _output_option, _set_option, _context_option)):
        command = option(command)
    return _import_options(command)


def _import_settings():
    meta = click.get_current_context().meta
    if not (meta.get("archcalc.seq_len") or meta.get("archcalc.head") or meta.get("archcalc.inputs")):
        return None
    from .frontends.imported import ImportOptions
    return ImportOptions(seq_len=meta.get("archcalc.seq_len"), head=meta.get("archcalc.head"),
                         inputs=meta.get("archcalc.inputs") or {})


def _options(exact: bool, output: str | None = None):
    from .render import Options
    return Options(exact=exact, width=shutil.get_terminal_size((100, 24)).columns,
                   color=output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ)


def _load_all(specs, batch, dtype):
    """Every SPEC (a spec or a model file) as a `Graph`, with --batch and --dtype applied."""
    from .api import apply_settings
    from .frontends import read_model
    if list(specs).count("-") > 1:
        raise click.UsageError("standard input ('-') can be read only once")
    root = click.get_current_context().find_root().params
    max_layers = root.get("max_layers")
    max_spec_bytes = (root.get("max_file_size") or 16) * 2**20
    context = click.get_current_context()
    overrides, options = context.meta.get("archcalc.set") or {}, _import_settings()
    graphs = [apply_settings(read_model(s, options, max_layers, overrides, max_spec_bytes), batch=batch, dtype=dtype)
              for s in specs]
    for graph in graphs:
        for note in graph.notes:
            click.echo(f"note: {one_line(graph.origin.file)}: {one_line(note)}", err=True)
        for warning in graph.warnings:
            click.echo(f"warning: {one_line(graph.origin.file)}: {one_line(warning)}", err=True)
    return graphs


def _emit(text: str, output: str | None = None, specs=()):
    if output is not None:
        from .files import write_atomic
        write_atomic(output, text if text.endswith("\n") else text + "\n", protected=specs)
        return
    try:
        click.echo(text, nl=not text.endswith("\n"))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop writing quietly, as Unix tools do, and let
        # the command finish with its own status.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError as exc:
        from .errors import UsageError
        raise UsageError(f"cannot write the output: {exc.strerror or exc}") from None


def _check_outputs(output, svg=None, html=None, specs=()):
    """Every target checked before any is written (--svg f -o f, -o over a spec)."""
    from .files import check_targets
    check_targets([output, svg, html], specs)


def _export_options(command):
    command = click.option("--svg", type=click.Path(dir_okay=False), help="Also save the table as SVG.")(command)
    return click.option("--html", type=click.Path(dir_okay=False), help="Also save the table as HTML.")(command)


def _export(view, data, exact, svg, html, specs, title, output=None, **extra):
    """--svg / --html: the table format, coloured, saved through rich's console export."""
    if not (svg or html):
        return
    _check_outputs(output, svg, html, specs)

    from .files import export_terminal_output
    from .render import renderer
    options = _options(exact)._replace(color=True)
    text = getattr(renderer("table"), view)(data, options, **extra)
    export_terminal_output(text, svg=svg, html=html, title=title, protected=specs)


@cli.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@_report_options
@click.option("--depth", type=click.IntRange(min=0),
              help="Collapse layers nested deeper than N block uses into one row per use; 0: totals only.")
@_export_options
def analyze(specs, fmt, batch, dtype, exact, output, depth, svg, html):
    """Per-layer table and totals of each SPEC ('-' reads standard input)."""
    fmt = _format(fmt, output)
    from .render import renderer
    reports = [_analyze(spec) for spec in _load_all(specs, batch, dtype)]
    if depth is not None:
        from .depth import collapse_layers
        reports = [collapse_layers(report, depth) for report in reports]
    _export("analysis", reports, exact, svg, html, specs, "archcalc analyze", output)
    _emit(renderer(fmt).analysis(reports, _options(exact, output)), output, specs)


@cli.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@_report_options
@_export_options
def compare(specs, fmt, batch, dtype, exact, output, svg, html):
    """Specs side by side, with ratios against the first."""
    fmt = _format(fmt, output)
    from .compare import compare_reports
    from .render import renderer
    if len(specs) < 2:
        raise click.UsageError("compare needs at least two specs")
    graphs = _load_all(specs, batch, dtype)
    reports = [_analyze(graph) for graph in graphs]
    names = [r.name for r in reports]
    # Two models of one name (a spec against itself, or two files named alike): tell them by file.
    labels = [f"{r.name} ({g.origin.file})" if names.count(r.name) > 1 else r.name for r, g in zip(reports, graphs)]
    comparison = compare_reports(reports, labels)
    _export("comparison", comparison, exact, svg, html, specs, "archcalc compare", output)
    _emit(renderer(fmt).comparison(comparison, _options(exact, output)), output, specs)


@cli.command()
@click.argument("spec", shell_complete=complete_model_files)
@click.option("--sizes", required=True, help="Input side lengths: 28,56,112,224 or 32..512x2 or 32..256+32.")
@click.option("--layers", "show_layers", is_flag=True, help="Per-layer figures and growth exponents.")
@_report_options
@_export_options
@click.option("--plot", type=click.Path(dir_okay=False), help="Also save the growth curves as SVG (log–log).")
def scale(spec, sizes, show_layers, fmt, batch, dtype, exact, output, svg, html, plot):
    """Analyse SPEC at several input sizes and fit how params and MACs grow with the side length."""
    fmt = _format(fmt, output)
    from .render import renderer
    from .scale import parse_sizes, scale_spec
    side_lengths = parse_sizes(sizes)
    (loaded,) = _load_all([spec], batch, dtype)
    result = scale_spec(loaded, side_lengths)
    _export("scaling", result, exact, svg, html, [spec], "archcalc scale", output, show_layers=show_layers)
    if plot:
        from .draw.report import growth_svg
        from .files import write_atomic
        _check_outputs(plot, specs=[spec])
        picture = growth_svg(result).replace('<svg class="growth"', '<svg xmlns="http://www.w3.org/2000/svg" class="growth"', 1)
        write_atomic(plot, picture + "\n", protected=[spec])
    _emit(renderer(fmt).scaling(result, _options(exact, output), show_layers=show_layers), output, [spec])


@cli.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@click.option("--max-params", help="Largest allowed parameter count, e.g. 25M.")
@click.option("--max-macs", help="Largest allowed MACs, e.g. 4.1G.")
@click.option("--max-flops", help="Largest allowed FLOPs, e.g. 8G.")
@click.option("--max-memory", help="Largest inference footprint (weights + peak activations), e.g. 200MB, 1.5GiB.")
@click.option("--max-kv-cache", help="Largest KV cache at the context (needs --context), e.g. 2GiB.")
@click.option("--max-train-memory", help="Largest training-step memory (AdamW, fp32), e.g. 40GB.")
@click.option("--warn-at", default="90%", show_default=True,
              help="Warn (under GitHub Actions: ::warning) when a figure reaches this share of its budget.")
@click.option("--allow-no-budget", is_flag=True, help="Pass when no budget is set anywhere (default: exit 2).")
@lambda command: _report_options(command, extra_formats=("junit",))
def check(specs, max_params, max_macs, max_flops, max_memory, max_kv_cache, max_train_memory, warn_at,
          allow_no_budget, fmt, batch, dtype, exact, output):
    """Fail (exit 1) when a SPEC exceeds its budget (flags override the spec's `budget:`).

    Every spec is checked and reported, the invalid ones too (exit 2 wins over 1). Under
    GitHub Actions each failure is also an ::error annotation at its file and line, each
    near miss a ::warning, and a Markdown summary goes to $GITHUB_STEP_SUMMARY."""
    fmt = _format(fmt, output, (*FORMATS, "junit"))
    from .budget import check_budget
    from .errors import SpecError
    from .render import renderer
    from .units import parse_quantity, parse_share
    flags = {key: parse_quantity(value, memory=key in ("memory", "kv_cache", "train_memory"))
             for key, value in (("params", max_params), ("macs", max_macs), ("flops", max_flops),
                                ("memory", max_memory), ("kv_cache", max_kv_cache),
                                ("train_memory", max_train_memory)) if value is not None}
    warn = parse_share(warn_at)
    if list(specs).count("-") > 1:
        raise click.UsageError("standard input ('-') can be read only once")
    loaded, results, failures = [], [], []
    for name in specs:
        try:
            (graph,) = _load_all([name], batch, dtype)
            budget = {**graph.budget, **flags}
            report = _analyze(graph)
            training = None
            if "train_memory" in budget:
                from .workloads.training import train_figures
                training = train_figures(graph, report)
            results.append(check_budget(report, graph.origin.file, budget, training))
            loaded.append(graph)
        except SpecError as exc:
            failures.append(exc)
    if not failures and not any(r.lines for r in results) and not allow_no_budget:
        raise click.UsageError("no budget set: give --max-params, --max-macs, --max-flops, --max-memory, "
                               "--max-kv-cache or --max-train-memory, or a 'budget:' mapping in the spec "
                               "(or --allow-no-budget)")
    if fmt == "junit":
        from .render.junit import budgets as junit
        _emit(junit(results, failures), output, specs)
    elif results:
        _emit(renderer(fmt).budgets(results, _options(exact, output)), output, specs)
    failures = [error for exc in failures for error in getattr(exc, "errors", [exc])]
    for exc in failures:
        click.echo("error: " + one_line(str(exc)), err=True)
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


def _annotation_text(text: str) -> str:
    """GitHub's workflow-command escaping, on one line."""
    return one_line(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _annotate(loaded, results, flags, failures, warn):
    """GitHub Actions `::error` / `::warning` lines pointing at the spec's `budget:` entry or at the
    error's place in the file."""
    for exc in failures:
        where = f"file={exc.file or '<spec>'}"
        if exc.line is not None:
            where += f",line={exc.line}" + (f",col={exc.column}" if exc.column is not None else "")
        click.echo(f"::error {where}::{_annotation_text(exc.message)}")
    for spec, result in zip(loaded, results):
        for line in result.lines:
            over, near = not line.within, line.near(warn)
            if not (over or near):
                continue
            where = f"file={spec.origin.file}"
            if line.key not in flags:
                found = spec.origin.error("", ("budget", line.key))
                if found.line is not None:
                    where += f",line={found.line},col={found.column}"
            say = getattr(line.allowed, "written", lambda n=None: f"{line.allowed if n is None else n:,}")
            if over:
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
    from .render import Options, renderer
    text = renderer("markdown").budgets(results, Options()) if results else ""
    text += "".join(f"\n- ❌ `{one_line(str(exc))}`" for exc in failures)
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        click.echo(f"warning: cannot write the job summary {path}: {exc.strerror or exc}", err=True)


@cli.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam", "adamw"]), default="adamw",
              show_default=True, help="Optimizer whose state is counted.")
@click.option("--precision", type=click.Choice(["fp32", "bf16-mixed", "fp16-mixed"]), default="fp32",
              show_default=True, help="fp32, or mixed precision (2-byte weights, gradients, activations).")
@click.option("--recompute", is_flag=True, help="Activation checkpointing per top-level layer or block.")
@click.option("--tokens", type=click.IntRange(min=1), help="Tokens to train on: steps = tokens / (batch · T).")
@click.option("--steps", type=click.IntRange(min=1), help="Steps to train (default 1).")
@_report_options
def train(specs, optimizer, precision, recompute, tokens, steps, fmt, batch, dtype, exact, output):
    """MACs, FLOPs and memory of a training step of each SPEC (forward, backward, optimizer)."""
    fmt = _format(fmt, output)
    from .render import renderer
    from .workloads.training import train_figures
    items = []
    for graph in _load_all(specs, batch, dtype):
        report = _analyze(graph)
        items.append((report, train_figures(graph, report, optimizer=optimizer, precision=precision,
                                            recompute=recompute, steps=steps, tokens=tokens)))
    _emit(renderer(fmt).training(items, _options(exact, output)), output, specs)


@cli.command()
@click.argument("spec", shell_complete=complete_model_files)
@click.option("--input", "input_shape", help="Run at another input shape, e.g. 64,64,3.")
@_batch_option
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random input and weights.")
@click.option("--max-macs", default="2G", show_default=True,
              help="Refuse to start a pass larger than this (the reference pass is slow).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
@_set_option
def verify(spec, input_shape, batch, seed, max_macs, fmt):
    """Run SPEC through the pure-Python reference pass and check every layer's shape and MACs."""
    from .analysis import analyze_graph
    from .errors import UsageError
    from .render import renderer
    from .units import human_count, parse_quantity
    from .verify import ASSUMED_MACS_PER_SECOND, verify as run_verify, with_input
    limit = parse_quantity(max_macs)
    shape = None
    if input_shape is not None:
        try:
            shape = tuple(int(n) for n in input_shape.split(","))
        except ValueError:
            raise UsageError(f"--input takes sizes separated by commas, e.g. 64,64,3; got {input_shape!r}") from None
        if min(shape) < 1:
            raise UsageError(f"--input sizes must be positive, got {input_shape!r}")
    (loaded,) = _load_all([spec], batch, None)
    loaded = with_input(loaded, shape)
    total = analyze_graph(loaded).totals.macs
    if total > limit:
        raise UsageError(
            f"{loaded.origin.file}: the reference pass would execute {human_count(total)} MACs, more than "
            f"--max-macs {human_count(limit)} (about {total / ASSUMED_MACS_PER_SECOND:,.0f} s); "
            "run it at a smaller --input (e.g. 64,64,3) or raise --max-macs")
    result = _verify_with_progress(loaded, seed, total, run_verify)
    if fmt == "json":
        from .render.layers import verification_json
        _emit(verification_json(result))
    else:
        _emit(renderer("table").verification(result, _options(False)))
    if not result.agrees:
        sys.exit(1)


def _verify_with_progress(spec, seed, total, run_verify):
    """A progress bar on standard error (one step per layer) when it is a terminal."""
    if not sys.stderr.isatty():
        return run_verify(spec, seed=seed)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f} MACs"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("reference pass", total=total or 1)
        return run_verify(spec, seed=seed,
                          progress=lambda layer: bar.update(task, advance=layer.macs, description=layer.name))


@cli.command()
@click.argument("type_name", required=False, shell_complete=complete_layer_types)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
def layers(type_name, fmt):
    """List the layer types with their arguments, or show one TYPE in full."""
    from .layers import RULES, find_rule
    from .render.layers import describe_rule, list_rules, rules_json
    if type_name is None:
        _emit(rules_json(RULES.values()) if fmt == "json" else list_rules(RULES.values()))
        return
    rule = find_rule(type_name)
    if rule is None:
        from .errors import UsageError
        from .layers.registry import suggest
        raise UsageError(f"unknown layer type '{type_name}'" + suggest(type_name, RULES))
    _emit(rules_json([rule]) if fmt == "json" else describe_rule(rule))


DRAW_SUFFIXES = (".svg", ".html")


@cli.command()
@click.argument("spec", shell_complete=complete_model_files)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The picture: .svg, or .html (the drawing in a page).")
@click.option("--depth", type=click.IntRange(min=1),
              help="Collapse block uses nested deeper than N into one box each (default: all layers, or "
                   "top-level blocks past 400 layers).")
@click.option("--batch", type=click.IntRange(min=1, max=2**31), help="Override the spec's batch size.")
@_set_option
@_import_options
def draw(spec, output, depth, batch):
    """Draw SPEC's layer graph top to bottom, each box coloured by its share of the MACs."""
    from pathlib import PurePath

    from .draw.layout import build
    from .draw.report import render_report
    from .draw.svg import render_svg
    from .errors import UsageError
    suffix = PurePath(output).suffix.lower()
    if suffix not in DRAW_SUFFIXES:
        raise UsageError(f"cannot draw to {output!r}: use one of {', '.join(DRAW_SUFFIXES)}")
    _check_outputs(output, specs=[spec])
    (graph,) = _load_all([spec], batch, None)
    report = _analyze(graph)
    text = render_svg(build(report, depth)) if suffix == ".svg" else render_report([report], depth)
    _emit(text, output, [spec])


@cli.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .html file to write.")
@click.option("--depth", type=click.IntRange(min=1), help="Collapse block uses deeper than N in the drawings.")
@click.option("--sizes", help="Also the growth with the input side: 28,56,112 or 32..512x2.")
@click.option("--batch", type=click.IntRange(min=1, max=2**31), help="Override the spec's batch size.")
@click.option("--dtype", metavar="DTYPE", help="Override the spec's dtype.")
@_set_option
@_import_options
def report(specs, output, depth, sizes, batch, dtype):
    """One self-contained HTML report of SPECs: summary, drawing, sortable table, charts."""
    from pathlib import PurePath

    from .draw.report import render_report
    from .errors import UsageError
    if PurePath(output).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"a report is HTML: give -o a .html file, got {output!r}")
    _check_outputs(output, specs=specs)
    graphs = _load_all(specs, batch, dtype)
    reports = [_analyze(g) for g in graphs]
    scalings = []
    if sizes:
        from .scale import parse_sizes, scale_spec
        scalings = [scale_spec(g, parse_sizes(sizes)) for g in graphs]
    _emit(render_report(reports, depth, scalings), output, specs)


@cli.command("import")
@click.argument("model", required=False, shell_complete=complete_model_files)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the spec to FILE (whole or not at all) instead of standard output.")
@click.option("--list-ops", is_flag=True, help="List the ONNX operators the importer covers, and stop.")
@_import_options
def import_model(model, output, list_ops):
    """Translate a model file (ONNX, Hugging Face config.json, Keras JSON) into a readable spec."""
    from .frontends import choose_door, import_file
    from .frontends.reading import read_input
    from .frontends.writing import spec_to_yaml
    from .errors import UsageError
    if list_ops:
        from .frontends import _importer
        _emit("\n".join(_importer("onnx").list_ops()))
        return
    if model is None:
        raise click.UsageError("import needs a MODEL file (or --list-ops)")
    file, data = read_input(model)
    door = choose_door(file, data[:65536])
    if door == "yaml":
        raise UsageError(f"{file} is already a spec: analyse it directly")
    imported = import_file(door, data, file, _import_settings())
    for note in imported.notes:
        click.echo(f"note: {one_line(file)}: {one_line(note)}", err=True)
    _emit(spec_to_yaml(imported, file, __version__), output, [model])


def main():
    cli(prog_name="archcalc")


if __name__ == "__main__":
    main()
