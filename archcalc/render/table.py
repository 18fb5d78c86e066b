"""Terminal tables through rich."""

from __future__ import annotations

import io
import re

from rich import box
from rich.console import Console
from rich.table import Table
from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text

from ..text import counted, shown
from .common import BlockStart, count, display_name, exponent, metric_value, rows_with_block_headers, shape, share, size
from .common import budget_figure
from .common import params as param_count
from .aligned import aligned_table


def render(renderables, options) -> str:
    """Prints to text. Nothing is ever cut: a table wider than the terminal is printed at its
    natural width (rich tables are measured first, so rich never squeezes a figure), and
    our own laid-out Texts are printed whole."""
    out = io.StringIO()
    width = options.width or 100
    console = Console(file=out, width=width, color_system="standard" if options.color else None,
                      force_terminal=options.color, highlight=False, emoji=False, legacy_windows=False)
    for item in renderables:
        if isinstance(item, str) and item.endswith("\n"):     # laid out here, without colour
            out.write(item + "\n")
        elif isinstance(item, Text):
            console.print(item, no_wrap=True, overflow="ignore", crop=False)
        elif isinstance(item, Table):
            # measured unbounded: its natural width, and the least it needs when its label column
            # wraps (a table marked `labels_wrap`: every other column is figures that do not);
            # printed within `width` when it can be, else at its natural width
            console.width = 100_000
            measured = console.measure(item)
            fits = getattr(item, "labels_wrap", False) and measured.minimum <= width < measured.maximum
            console.width = width if fits else max(width, measured.maximum)
            console.print(item)
            console.width = width
        elif isinstance(item, str):
            # rich wraps a line at spaces: the space between a figure and its unit is held by a
            # character rich does not break at, and given back after (`85.46 M`, `12 B`, `0.01 s`).
            console.print(_FIGURE_SPACE.sub(_GLUE, item))
        else:
            console.print(item)
    return "\n".join(line.rstrip() for line in out.getvalue().replace(_GLUE, " ").split("\n"))


_GLUE = "\ue000"        # a private-use character, one cell wide, never in our text
_FIGURE_SPACE = re.compile(r"(?<=\d) (?=(?:[KMGTP]i?B|[KMGTP]|B|s|MACs?|FLOPs?|MAC/s|step)\b)|(?<=∝) ")


def _title(report) -> str:
    kernel = "" if report.attention is None else f", {report.attention} attention"
    return f"{shown(report.name)}: input {shape(report.input)}, batch {report.batch}, {report.dtype}{kernel}"



def layer_table(report, options) -> Text:
    totals = report.totals
    rows = []
    # Cells by value: a large model repeats a few shapes and counts many times over.
    shapes, counts, weights, shares = {}, {0: ("-", "")}, {0: ("-", "")}, {0: ("", "")}
    for row in rows_with_block_headers(report.layers):
        if isinstance(row, BlockStart):
            rows.append([("  " * row.depth + shown(row.name), "bold"), (shown(row.block), "dim"),
                         ("", ""), ("", ""), ("", ""), ("", "")])
            continue
        layer = row
        params, macs, output = layer.params, layer.macs, layer.output_shape
        if output not in shapes:
            shapes[output] = (shape(output), "")
        if params not in weights:
            weights[params] = (param_count(params, options), "")
        if macs not in counts:
            counts[macs] = (count(macs, options), "")
        if macs not in shares:
            shares[macs] = (share(macs, totals.macs), "")
        rows.append([(display_name(layer), ""), (layer.type, ""), shapes[output], weights[params], counts[macs],
                     shares[macs]])
    columns = [("Layer", "left"), ("Type", "left"), ("Output shape", "left"), ("Params", "right"),
               ("MACs", "right"), ("MACs %", "right")]
    footer = ["Total", "", "", param_count(totals.params, options), count(totals.macs, options),
              share(totals.macs, totals.macs)]
    if totals.roofline is not None:
        rows, columns, footer = _with_device_columns(report, rows, columns, footer, options)
    return aligned_table(_title(report), columns, rows, footer, options.width or 100, options.color, paired=True)


def _with_device_columns(report, rows, columns, footer, options):
    """The table with each layer's bytes moved, intensity, bound and time on the device."""
    from .device import LAYER_COLUMNS, layer_cells, seconds
    times = iter(zip(report.layers, report.totals.roofline.layers))
    blank = [("", "")] * len(LAYER_COLUMNS)
    out = []
    for row in rows:
        if row[3] == ("", "") and row[2] == ("", ""):        # a block row
            out.append(row + blank)
        else:
            layer, time = next(times)
            out.append(row + [(cell, "") for cell in layer_cells(layer, time, options)])
    roof = report.totals.roofline
    return out, columns + LAYER_COLUMNS, footer + ["", "", "", seconds(roof.unfused_estimate_seconds, options)]


class _Lines:
    """Label–text rows printed as our own Text: the text wraps only after a comma or a
    semicolon, so a figure never parts from its unit (`12.82 MiB`)."""

    def __init__(self):
        self.rows: list[tuple[str, str]] = []

    def add_row(self, label: str, text: str) -> None:
        self.rows.append((label, text))

    def to_text(self, width: int) -> Text:
        label_width = max(cell_len(label) for label, _ in self.rows) + 2
        out = Text()
        for label, text in self.rows:
            # A piece ends at a comma or semicolon followed by a space: "154,140,672 B" is one figure.
            pieces = re.findall(r"(?:[^,;]|[,;](?! ))+(?:[,;] )?", text) or [text]
            room = width - label_width
            if any(cell_len(piece) > room for piece in pieces):      # too long between commas: at spaces too
                pieces = [word for piece in pieces for word in _spaced(piece)]
            lines, current = [], ""
            for piece in pieces:
                if current and label_width + cell_len(current) + cell_len(piece) > width:
                    lines.append(current.rstrip())
                    current = "  " + piece
                else:
                    current += piece
            lines.append(current.rstrip())
            out.append(label.ljust(label_width), style="bold")
            out.append(lines[0] + "\n")
            for line in lines[1:]:
                out.append(" " * label_width + line + "\n")
        out.rstrip()
        return out


def _spaced(piece: str) -> list[str]:
    """A piece in words, each with its space, a figure kept with its unit (`335.42 MiB`)."""
    glued = _FIGURE_SPACE.sub(_GLUE, piece)
    return [word.replace(_GLUE, " ") for word in re.findall(r"[^ ]+ ?| ", glued)]


def summary(report, options) -> Text:
    t, m = report.totals, report.totals.memory
    grid = _Lines()
    grid.add_row("Params", f"{param_count(t.params, options)} (trainable {param_count(t.trainable_params, options)}, "
                           f"frozen {param_count(t.non_trainable_params, options)}); "
                           f"buffers {count(t.buffers, options)}")
    grid.add_row("Compute", f"{count(t.macs, options)} MACs, {count(t.flops, options)} FLOPs")
    grid.add_row("Memory", f"weights {size(m.params_bytes, options)}, "
                           f"activations {size(m.activations_bytes, options)} (kept for training), "
                           f"peak {size(m.peak_activation_bytes, options)} (inference)")
    if t.decoding is None:
        grid.add_row("Footprint", f"{size(m.inference_bytes, options)} for inference, "
                                  "weights + peak activations (what check --max-memory tests)")
    else:
        grid.add_row("Footprint", f"{size(m.inference_bytes, options)} for inference, weights + peak activations "
                                  "(check --max-memory adds the KV cache below)")
    if t.active_params is not None and t.active_params != t.params:
        grid.add_row("Experts", f"{param_count(t.active_params, options)} params active per token")
    if t.decoding is not None:
        d = t.decoding
        grid.add_row("Decoding", f"KV cache {size(d.kv_cache_bytes, options)} at {counted(d.context, 'token')} "
                                 f"({size(d.kv_cache_bytes_per_token, options)} per token); "
                                 f"{count(d.decode_macs_per_token, options)} MACs per new token")
    if t.roofline is not None:
        from .device import summary_rows
        for label, text in summary_rows(report, options):
            grid.add_row(label, text)
    return grid.to_text(options.width or 100)


def training(items, options) -> str:
    out = []
    for report, t in items:
        m = t.memory
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column(justify="right")
        grid.add_column()
        setting = (f"{t.optimizer}, {t.precision}, batch {report.batch}"
                   + f", {counted(t.steps, 'step')}")
        forward = report.totals.macs
        times = f"{t.macs_per_step / forward:.2f}× the forward pass" if forward else ""
        for label, value, note in (
                ("MACs per step", count(t.macs_per_step, options), times),
                ("FLOPs per step", count(t.flops_per_step, options), ""),
                ("FLOPs in all", count(t.flops, options), counted(t.steps, "step")),
                ("Weights", size(m.weights_bytes, options), ""),
                ("Gradients", size(m.gradient_bytes, options), ""),
                ("Optimizer state", size(m.optimizer_bytes, options), t.optimizer),
                ("Activations", size(m.activation_bytes, options), "kept for the backward pass"),
                ("Total memory", size(m.total_bytes, options), "")):
            grid.add_row(label, value, note)
        if t.device is not None:
            from .device import training_rows
            for label, text in training_rows(t.device, options):
                grid.add_row(label, "", text)
        plan = t.recompute.describe()
        out += [Text(f"{shown(report.name)}: training step ({setting})\n" + (f"{plan}\n" if plan else "")), grid, ""]
    return render(out[:-1], options)


def analysis(reports, options) -> str:
    items = []
    for report in reports:
        # no rows (--depth 0): the title and the totals, without an empty table's header
        head = layer_table(report, options) if report.layers else Text(_title(report) + "\n")
        items += [head, summary(report, options), ""]
    return render(items[:-1], options)


def fields(reports, options) -> str:
    """`analyze --view fields`: what each layer sees, its weight reuse and dense equivalent."""
    from .fieldtable import fields_table, zoom_summary
    items = []
    for report in reports:
        items += [fields_table(report, options), zoom_summary(report, options), ""]
    return render(items[:-1], options)


def comparison(cmp, options) -> str:
    """The models side by side with ratios against the first; when they do not fit the width,
    stacked: several tables, each the first model and as many others as fit."""
    others = list(range(1, len(cmp.names)))
    tables, start = [], 0
    while True:
        count = len(others) - start
        while count > 1 and _comparison_table(cmp, others[start:start + count], options, measure=True) > \
                (options.width or 100):
            count -= 1
        tables.append(_comparison_table(cmp, others[start:start + max(count, 1)], options))
        start += max(count, 1)
        if start >= len(others):
            break
    return render([*tables, *_named_layers(cmp)], options)


def _named_layers(cmp) -> list[str]:
    """Metrics that name a layer (where a model first sees its whole input), below the tables:
    a name is no figure to set beside a ratio, and a long one would widen every column."""
    lines = []
    for metric in (m for m in cmp.metrics if m.unit == "name"):
        width = max(len(shown(name)) for name in cmp.names) + 1
        lines.append(escape(metric.label) + "\n" + "\n".join(
            f"  {escape(shown(name) + ':'):<{width}} {escape(metric_value(metric, value, None))}"
            for name, value in zip(cmp.names, metric.values)))
    return lines


def _comparison_table(cmp, chosen, options, measure=False):
    from ..compare import describe_ratio    # here: only comparisons need it, and it imports fractions
    base = cmp.names[0]
    table = Table(title=f"Compared with {escape(shown(base))}", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("")                # labels wrap on a narrow terminal; figures never do
    table.labels_wrap = True  # read by render()
    columns = [0, *chosen]
    for i in columns:
        table.add_column(escape(shown(cmp.names[i])), justify="right", no_wrap=True)
        if i:
            table.add_column("vs first", justify="right", style="dim", no_wrap=True, min_width=11)
    table.add_row("Input", *_interleave([shape(cmp.inputs[i]) for i in columns], [""] * len(columns)))
    for metric in (m for m in cmp.metrics if m.unit != "name"):
        cells = [metric_value(metric, metric.values[i], options) for i in columns]
        ratios = [describe_ratio(metric.values[0], metric.values[i], metric.unit) for i in columns]
        table.add_row(metric.label, *_interleave(cells, ratios))
    if measure:
        console = Console(width=100_000, file=io.StringIO())
        return console.measure(table).maximum
    return table


def _interleave(values, ratios):
    out = [values[0]]
    for value, ratio in zip(values[1:], ratios[1:]):
        out += [value, ratio]
    return out


def budgets(results, options) -> str:
    items: list[str | Table] = []
    for result in results:
        verdict = "[green]within budget[/]" if result.within else "[red]OVER BUDGET[/]"
        # The title is a line of its own: inside the table rich would wrap it to the table's width.
        # a line of our own, wrapped at spaces on a narrow terminal (a long path stays whole)
        items.append(f"{escape(shown(result.name))} ({escape(shown(result.file))}): {verdict}")
        table = Table(box=box.SIMPLE_HEAD)
        table.labels_wrap = True  # type: ignore[attr-defined]   # read by render()
        for column in ("Budget", "Used", "Allowed", "Headroom", ""):
            # the budget's label wraps on a narrow terminal; figures and verdicts never do
            table.add_column(column, justify="left" if column == "Budget" else "right", no_wrap=column != "Budget")
        for line in result.lines:
            written = getattr(line.allowed, "written", None)
            if written and line.allowed.suffix and not options.exact:     # in the unit the budget was written in
                used, allowed, headroom = written(line.used), written(), written(line.headroom)
            else:
                used, allowed, headroom = (budget_figure(line, v, options) for v in (line.used, line.allowed, line.headroom))
            table.add_row(line.label, used, allowed, headroom, "ok" if line.within else "[red]over[/]")
        if not result.lines:
            table.add_row("(no budget set)", "", "", "", "")
        items.append(table)
    return render(items, options)


def verification(result, options) -> str:
    table = Table(title=f"{escape(shown(result.name))}: reference pass on input {shape(result.input)}, "
                        f"batch {result.batch}",
                  box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Layer", overflow="fold")
    for column in ("Type", "Inferred", "Produced", "MACs analyzed", "MACs executed"):
        table.add_column(column, justify="right" if column.startswith("MACs") else "left", no_wrap=True)
    table.add_column("", min_width=1, no_wrap=True)
    for c in result.checks:
        mark = "[green]✓[/]" if c.agrees else "[red]✗[/]"
        table.add_row(escape(shown(c.name)), c.type, shape(c.inferred_shape), shape(c.produced_shape),
                      count(c.analyzed_macs, options), count(c.executed_macs, options), mark)
    bad = [c for c in result.checks if not c.agrees]
    executed = sum(c.executed_macs for c in result.checks)
    rate = executed / result.seconds if result.seconds else 0
    lines = [f"{len(result.checks) - len(bad)} of {len(result.checks)} layers agree; "
             f"{count(executed, options)} MACs executed in {result.seconds:.2f} s ({count(int(rate), options)} MAC/s)"]
    for c in bad:
        lines.append(f"[red]✗ {escape(shown(c.name))}[/]: shape {shape(c.inferred_shape)} vs "
                     f"{shape(c.produced_shape)}, "
                     f"MACs {c.analyzed_macs} vs {c.executed_macs}, params {c.analyzed_params} vs "
                     f"{c.drawn_params}, buffers {c.analyzed_buffers} vs {c.drawn_buffers} (analysis vs reference)")
    return render([table, *lines], options)


def _bar_width(result, options) -> int:
    """The longest bar: 30 cells, fewer when the terminal is narrower than the table with them
    (never under 5: the bars still tell sizes apart)."""
    widest = max([len(f"{p.size}") + len(shape(p.input)) + 2 * 9 for p in result.points], default=0) + 16
    return max(5, min(30, (options.width or 100) - widest - 4))


def scaling(result, options, show_layers=False) -> str:
    good = [p for p in result.points if p.report is not None]
    top = max((p.report.totals.macs for p in good), default=0)
    table = Table(title=f"{escape(shown(result.name))}: cost by input size", box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("Size", "Input", "Params", "MACs"):
        table.add_column(column, justify="left" if column == "Input" else "right", no_wrap=True)
    table.add_column("MACs, relative", no_wrap=True)
    bar_width = _bar_width(result, options)
    for p in result.points:
        if p.report is None:
            table.add_row(str(p.size), shape(p.input), "", "", Text(f"error: {shown(p.error)}", style="red"))
            continue
        macs = p.report.totals.macs
        bar = "█" * max(1, round(bar_width * macs / top)) if top and macs else ""
        table.add_row(str(p.size), shape(p.input), count(p.report.totals.params, options), count(macs, options),
                      Text(bar, style="cyan"))
    items = [table, f"Growth with the side length: params ∝ size^{exponent(result.params_exponent)}, "
                    f"MACs ∝ size^{exponent(result.macs_exponent)}"]
    if show_layers:
        layers = Table(title="Per layer", box=box.SIMPLE_HEAD, title_justify="left")
        layers.add_column("Layer", overflow="fold")
        for p in good:
            layers.add_column(f"MACs @{p.size}", justify="right", no_wrap=True)
        layers.add_column("params exp.", justify="right", no_wrap=True)
        layers.add_column("MACs exp.", justify="right", no_wrap=True)
        for i, (name, params_exp, macs_exp) in enumerate(result.layer_exponents):
            layers.add_row(escape(shown(name)), *(count(p.report.layers[i].macs, options) for p in good),
                           exponent(params_exp), exponent(macs_exp))
        items.append(layers)
    return render(items, options)


def sweep(view, options) -> str:
    """One row per point: its settings, the figures, the budget's verdict and the front."""
    from ..sweep.view import text_rows, title
    from .device import seconds
    table = text_rows(view, lambda n: count(n, options), lambda n: size(n, options), shown,
                      lambda v: seconds(v, options))
    text = aligned_table(title(view, table, shown), table.columns, table.rows, [""] * len(table.columns),
                         options.width or 100, options.color)
    out = render([text], options).rstrip("\n") + "\n"      # the footer row is empty: no blank lines after
    return out + ("\n" + "".join(f"  {line}\n" for line in table.errors) if table.errors else "")
