"""What the commands share: their common options, loading specs and model files, writing output."""

from __future__ import annotations

import os
import sys
from typing import Iterable, Iterator

import click

from ..args import MAX_INTEGER     # the bound of every integer in a spec: counts and sizes past it are refused
from ..render import FORMATS
from ..text import one_line


class Count(click.IntRange):
    """A positive integer of at most 2^62 (a spec's bound); a long number is refused before
    conversion (Python converts at most 4,300 digits) and shown shortened, so the bound is seen."""

    def __init__(self):
        super().__init__(min=1, max=MAX_INTEGER)

    def _describe_range(self) -> str:
        return "1 to 2^62"          # the bound's 19 digits would be one word too long for a narrow --help

    def convert(self, value, param, ctx):
        if isinstance(value, str) and len(value.strip().lstrip("+-")) > len(str(MAX_INTEGER)):
            digits = value.strip().lstrip("+-")
            self.fail(f"{digits[:12]}… ({len(digits):,} digits) is larger than 2^62 = {MAX_INTEGER:,}", param, ctx)
        return super().convert(value, param, ctx)


def format_option(extra=()):
    return click.option("--format", "fmt", type=click.Choice([*FORMATS, *extra]), default=None,
                        help="Output format (default: from the -o file's extension, else table).")


BY_EXTENSION = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".md": "markdown", ".markdown": "markdown",
                ".txt": "table", ".xml": "junit"}


def choose_format(fmt, output, allowed=tuple(FORMATS), specs=(), pictures=None) -> str:
    """--format if given, else what the -o file's extension says, else a table. A file name
    whose extension none of the command's writers produces is refused before anything is
    written, as are --svg / --html / --plot files (`pictures`: option -> path) of the wrong kind."""
    from ..errors import UsageError
    targets = [output, *(pictures or {}).values()]
    if any(targets):
        check_outputs(*targets, specs=specs)
    for option, path in (pictures or {}).items():
        suffixes = PICTURE_SUFFIXES[option]
        if path and os.path.splitext(path)[1].lower() not in suffixes:
            raise UsageError(f"cannot write {path} with {option}: it writes {' or '.join(suffixes)} files")
    suffix = os.path.splitext(output)[1].lower() if output else ""
    guess = BY_EXTENSION.get(suffix)
    if suffix and guess not in allowed:
        works = ", ".join(f"{ext} ({name})" for ext, name in BY_EXTENSION.items() if name in allowed)
        hint = "; --svg and --html save pictures" if pictures is not None and "--svg" in pictures else ""
        raise UsageError(f"cannot write {output}: -o writes {works}, or a name without an extension "
                               f"(a table){hint}")
    if fmt is not None:
        return fmt
    return guess or "table"


PICTURE_SUFFIXES = {"--svg": (".svg",), "--html": (".html", ".htm"), "--plot": (".svg",)}


batch_option = click.option("--batch", type=click.IntRange(min=1, max=2**31),
                             help="Override the spec's batch size.")
def _complete_dtypes(ctx, param, incomplete):
    from ..completion import complete_dtypes
    return complete_dtypes(ctx, param, incomplete)


dtype_option = click.option("--dtype", metavar="DTYPE", shell_complete=_complete_dtypes,
                             help="Override the spec's dtype: float32, bfloat16 (bf16), float16 (fp16), int4, …; "
                                  "or per part, joined by commas: weights=int4, activations=bf16, "
                                  "kv_cache=float8.")
exact_option = click.option("--exact", is_flag=True, help="Exact integers instead of K/M/G and KiB/MiB.")


output_option = click.option("-o", "--output", type=click.Path(dir_okay=False),
                              help="Write to FILE (whole or not at all) instead of standard output.")


def store_pairs(key):
    """Keeps NAME=VALUE options in the context for `load_all`, so commands need not pass them on."""
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


set_option = click.option(
    "--set", "set_args", multiple=True, metavar="NAME=VALUE", expose_value=False,
    callback=store_pairs("archcalc.set"),
    help="Override one of the spec's `args` (repeatable), e.g. --set width=32 --set se=false.")


def _store_shape_inputs(ctx, param, values):
    """`--input SHAPE` (the first or only input) or `--input NAME=SHAPE`, repeatable; a shape
    may end in `:int64` or `:int32` (PyTorch code's token ids)."""
    shapes, dtypes = {}, {}
    for item in values or ():
        from ..frontends.imported import FIRST_INPUT, split_input_type
        name, sep, text = item.rpartition("=")
        try:
            text, dtype = split_input_type(text)
        except ValueError as exc:
            raise click.BadParameter(f"{item!r}: {exc}", ctx, param) from None
        name = name.strip() if sep else FIRST_INPUT
        if sep and not name:
            raise click.BadParameter(f"expected SHAPE or NAME=SHAPE, got {item!r}", ctx, param)
        said = f"{name}: " if name else ""
        if name in shapes:
            raise click.BadParameter(f"{said or 'the first input: '}given twice", ctx, param)
        try:
            shapes[name] = tuple(int(n) for n in text.split(","))
        except ValueError:
            raise click.BadParameter(f"{said}expected sizes separated by commas, got {text!r}", ctx, param) \
                from None
        if shapes[name] and max(shapes[name]) > MAX_INTEGER:
            raise click.BadParameter(f"{said}a size is larger than 2^62, the largest a spec holds", ctx, param)
        if not shapes[name] or min(shapes[name]) < 1:
            raise click.BadParameter(f"{said}sizes must be positive, got {text!r}", ctx, param)
        if dtype is not None:
            dtypes[name] = dtype
    ctx.meta["archcalc.inputs"] = shapes
    ctx.meta["archcalc.input_dtypes"] = dtypes


input_option = click.option(
    "--input", "input_shapes", multiple=True, metavar="[NAME=]SHAPE", expose_value=False,
    callback=_store_shape_inputs,
    help="Override an input's shape: SHAPE for the first (or only) input, NAME=SHAPE by name; in the "
         "file's own layout: channels-last without batch for a spec (64,64,3), batch first for ONNX "
         "(input=1,3,224,224) and Keras (image=1,224,224,3).")


def _store_kwargs(ctx, param, values):
    pairs = {}
    for item in values or ():
        if item.startswith("@"):
            pairs[item] = ""
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE or @FILE.yaml, got {item!r}", ctx, param)
        pairs[name.strip()] = value
    ctx.meta["archcalc.kwargs"] = pairs


def import_options(command):
    """Options that say what a file's inputs are: input shapes (specs, ONNX), and a Hugging Face
    config's sequence length and head. A file they do not apply to refuses them."""
    for option in reversed((
        input_option,
        click.option("--seq-len", type=Count(), expose_value=False,
                     callback=lambda ctx, param, value: ctx.meta.__setitem__("archcalc.seq_len", value),
                     help="Sequence length T of a Hugging Face config's model."),
        click.option("--head", expose_value=False,
                     callback=lambda ctx, param, value: ctx.meta.__setitem__("archcalc.head", value),
                     help="Which head a Hugging Face config's model carries (see docs/importing.md)."),
        click.option("--kwargs", "factory_kwargs", multiple=True, metavar="NAME=VALUE|@FILE.yaml",
                     expose_value=False, callback=_store_kwargs,
                     help="Arguments for a PyTorch target's class or factory (repeatable; values read as YAML), "
                          "or @FILE.yaml holding a mapping of them."),
        click.option("--allow-uncounted", is_flag=True, expose_value=False,
                     callback=lambda ctx, param, value: ctx.meta.__setitem__("archcalc.allow_uncounted", value),
                     help="PyTorch code: let an op archcalc has no rule for through, listed and counting "
                          "nothing; the model's name then says [partial]."),
    )):
        command = option(command)
    return command


context_option = click.option(
    "--context", type=Count(), expose_value=False,
    callback=lambda ctx, param, value: ctx.meta.__setitem__("archcalc.context", value),
    help="Tokens in the KV cache: adds the cache's size and the MACs of decoding one token.")


def _store_device(ctx, param, value):
    if value is not None:
        from ..device_table import parse_device
        value = parse_device(value)
    ctx.meta["archcalc.device"] = value


def _store_efficiency(ctx, param, value):
    ctx.meta["archcalc.efficiency"] = value


def device_options(command):
    """--device and --efficiency: the report on a device (docs/devices.md)."""
    command = click.option(
        "--efficiency", type=float, expose_value=False, callback=_store_efficiency, metavar="FRACTION",
        help="Also give the lower bound divided by this fraction of peak (0 < F <= 1), labelled as scaled.")(command)
    return click.option(
        "--device", expose_value=False, callback=_store_device, metavar="NAME|FILE|FIGURES",
        help="Time bounds and fit on a device: a name from `archcalc devices`, a YAML file, or "
             "figures joined by commas: peak_bf16=FLOPS, bandwidth=B/s, memory=BYTES.")(command)


def chosen_device():
    """The --device given (a Device) or None; --efficiency without a device is refused."""
    meta = click.get_current_context().meta
    device = meta.get("archcalc.device")
    if device is None and meta.get("archcalc.efficiency") is not None:
        from ..errors import UsageError
        raise UsageError("--efficiency: it scales a device's lower bound, so it needs --device")
    return device


attention_option = click.option(
    "--attention", type=click.Choice(["eager", "flash"]), expose_value=False,
    callback=lambda ctx, param, value: ctx.meta.__setitem__("archcalc.attention", value),
    help="The attention kernel costed: eager (the score matrix held at inference too) or flash "
         "(training keeps only the softmax statistics). Default: inference as a fused kernel, "
         "training as PyTorch's standard modules.")


def analyze_graph_with_workload(graph):
    """The graph's Report, with the decoding figures when a context is set (--context or the
    spec's `workload:`), and its roofline when a device is (--device)."""
    from ..api import analyze_graph
    report = analyze_graph(graph, context=click.get_current_context().meta.get("archcalc.context"))
    device = chosen_device()
    if device is not None:
        from ..roofline_inference import with_roofline
        report = with_roofline(report, device, click.get_current_context().meta.get("archcalc.efficiency"))
    if report.totals.decoding is None:
        return report
    pending = click.get_current_context().meta.setdefault("archcalc.notes", [])
    pending += [f"warning: {one_line(graph.origin.file)}: {one_line(w)}" for w in report.totals.decoding.warnings]
    return report


def analyze_side_by_side(graphs):
    """Reports of models shown together (compare, report): with --context, a model without a
    KV cache is shown without decoding figures ("–") as long as one of them has a cache."""
    from ..analysis import analyze_graph
    from ..workloads.decode import NoKVCache
    reports, refusals = [], []
    for graph in graphs:
        try:
            reports.append(analyze_graph_with_workload(graph))
        except NoKVCache as exc:
            report = analyze_graph(graph)
            device = chosen_device()
            if device is not None:
                from ..roofline_inference import with_roofline
                report = with_roofline(report, device, click.get_current_context().meta.get("archcalc.efficiency"))
            reports.append(report)
            refusals.append(exc)
    if refusals and len(refusals) == len(graphs):
        raise refusals[0]
    return reports


def report_options(command, extra_formats=()):
    """--format, --batch, --dtype, --exact, --output, --set, --context and the model-file options,
    shared by the commands that report figures."""
    for option in reversed((format_option(extra_formats), batch_option, dtype_option, exact_option,
                            output_option, set_option, context_option, attention_option)):
        command = option(command)
    return import_options(command)


def import_settings():
    meta = click.get_current_context().meta
    if not (meta.get("archcalc.seq_len") or meta.get("archcalc.head") or meta.get("archcalc.inputs")
            or meta.get("archcalc.kwargs") or meta.get("archcalc.allow_uncounted")):
        return None
    from ..frontends.imported import ImportOptions
    return ImportOptions(seq_len=meta.get("archcalc.seq_len"), head=meta.get("archcalc.head"),
                         inputs=meta.get("archcalc.inputs") or {}, kwargs=meta.get("archcalc.kwargs") or {},
                         allow_uncounted=bool(meta.get("archcalc.allow_uncounted")),
                         input_dtypes=meta.get("archcalc.input_dtypes") or {})


def terminal_width(fallback: int = 100) -> int:
    """What shutil.get_terminal_size gives ($COLUMNS, else the terminal's, else `fallback`),
    without importing shutil, whose archive modules cost start-up about 1.5 ms."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or fallback


def render_options(exact: bool, output: str | None = None):
    from ..render import Options
    return Options(exact=exact, width=terminal_width(),
                   color=output is None and sys.stdout is not None and sys.stdout.isatty()
                   and "NO_COLOR" not in os.environ)


def load_all(specs, batch, dtype):
    """Every SPEC (a spec or a model file) as a `Graph`, with --batch and --dtype applied."""
    from ..api import apply_settings, has_attention_kernel
    from ..frontends import read_model
    if list(specs).count("-") > 1:
        raise click.UsageError("standard input ('-') can be read only once")
    root = click.get_current_context().find_root().params
    max_layers = root.get("max_layers")
    max_spec_bytes = (root.get("max_file_size") or 16) * 2**20
    context = click.get_current_context()
    overrides, options = context.meta.get("archcalc.set") or {}, import_settings()
    attention = context.meta.get("archcalc.attention")
    graphs = [read_model(s, options, max_layers, overrides, max_spec_bytes) for s in specs]
    kernels = [attention] * len(graphs)
    if attention and len(graphs) > 1:
        # Several models: --attention applies to those with attention layers, and is refused only
        # when none has one (as --context leaves a model without a KV cache at "–").
        has = [has_attention_kernel(g) for g in graphs]
        if any(has):
            kernels = [attention if h else None for h in has]
    graphs = [apply_settings(g, batch=batch, dtype=dtype, attention=kernel) for g, kernel in zip(graphs, kernels)]
    # Notes and warnings wait for the output (`emit`): a run that ends in an error prints that
    # error alone, though a shape error is found only after the graph (and its notes) exists.
    pending = context.meta.setdefault("archcalc.notes", [])
    for graph in graphs:
        pending += [f"note: {one_line(graph.origin.file)}: {one_line(note)}" for note in graph.notes]
        pending += [f"warning: {one_line(graph.origin.file)}: {one_line(warning)}" for warning in graph.warnings]
    return graphs


def emit(text: str | Iterable[str], output: str | None = None, specs=()):
    """Writes `text` (or its pieces, each as it comes) to standard output or to `output`,
    ending it with a line break."""
    pieces = _ending_with_newline([text] if isinstance(text, str) else text)
    for line in click.get_current_context().meta.pop("archcalc.notes", ()):
        click.echo(line, err=True)
    if output is not None:
        from ..files import write_atomic
        write_atomic(output, pieces, protected=specs)
        return
    if sys.stdout is None:
        # Started with standard output closed (`>&-`): the figures cannot go anywhere. A write
        # error, as `cat` and `ls` report one, not a silent success.
        from ..errors import UsageError
        has_output = any(p.name == "output" for p in click.get_current_context().command.params)
        raise UsageError("cannot write the output: standard output is closed" + (" (use -o FILE)" if has_output else ""))
    try:
        for piece in pieces:
            click.echo(piece, nl=False)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop writing quietly, as Unix tools do, and let
        # the command finish with its own status.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError as exc:
        from ..errors import UsageError
        raise UsageError(f"cannot write the output: {exc.strerror or exc}") from None


def _ending_with_newline(pieces: Iterable[str]) -> Iterator[str]:
    last = ""
    for piece in pieces:
        if piece:
            yield piece
            last = piece
    if not last.endswith("\n"):
        yield "\n"


def check_outputs(*targets, specs=()):
    """Every target checked before any is written (--svg f -o f, -o over a spec)."""
    from ..files import check_targets
    check_targets(list(targets), specs)


def export_options(command):
    command = click.option("--svg", type=click.Path(dir_okay=False), help="Also save the table as SVG.")(command)
    return click.option("--html", type=click.Path(dir_okay=False), help="Also save the table as HTML.")(command)


def export_pictures(view, data, exact, svg, html, specs, title, output=None, **extra):
    """--svg / --html: the table format, coloured, saved through rich's console export."""
    if not (svg or html):
        return
    check_outputs(output, svg, html, specs=specs)

    from ..files import export_terminal_output
    from ..render import renderer
    options = render_options(exact)._replace(color=True)
    text = getattr(renderer("table"), view)(data, options, **extra)
    export_terminal_output(text, svg=svg, html=html, title=title, protected=specs)
