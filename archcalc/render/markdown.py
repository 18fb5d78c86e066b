"""Markdown: for READMEs, pull requests and CI job summaries."""

from __future__ import annotations

from ..text import counted, shown
from .common import (FIELD_COLUMNS, BlockStart, budget_figure, count, exponent, field_cells, metric_value, params,
                     quotient_cell, rows_with_block_headers, shape, share, size, zoom_lines)


def _table(header, rows, right=()) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def training(items, options) -> str:
    out = []
    for report, t in items:
        out += [f"## {shown(report.name)}: training", "",
                f"Optimizer {t.optimizer}, precision {t.precision}, batch {report.batch}"
                + f", {counted(t.steps, 'step')}."
                + (f" R{t.recompute.describe()[1:]}." if t.recompute.describe() else ""), ""]   # names keep their case
        m = t.memory
        out += _table(["", "value"], [
            ["MACs per step", count(t.macs_per_step, options)],
            ["FLOPs per step", count(t.flops_per_step, options)],
            ["FLOPs in all", count(t.flops, options)],
            ["Weights", size(m.weights_bytes, options)],
            ["Gradients", size(m.gradient_bytes, options)],
            ["Optimizer state", size(m.optimizer_bytes, options)],
            ["Activations kept for backward", size(m.activation_bytes, options)],
            ["Total", size(m.total_bytes, options)],
            *([] if t.device is None else [[label, text] for label, text in _training_rows(t.device, options)]),
        ], right={1})
        out.append("")
    return "\n".join(out)


def _training_rows(time, options):
    from .device import training_rows
    return training_rows(time, options)


def analysis(reports, options) -> str:
    out = []
    for r in reports:
        out += [f"## {shown(r.name)}", "", f"Input {shape(r.input)}, batch {r.batch}, {r.dtype}"
                + ("" if r.attention is None else f", {r.attention} attention") + ".", ""]
        out += _table(["", "value"], _total_rows(r, options), right={1})
        out.append("")
        if r.layers:            # none under --depth 0: the totals alone
            header, right = ["Layer", "Type", "Output shape", "Params", "MACs", "MACs %"], {3, 4, 5}
            rows = _layer_rows(r, options)
            if r.totals.roofline is not None:
                header, right, rows = _with_device_columns(r, header, right, rows, options)
            out += _table(header, rows, right=right)
            out.append("")
    return "\n".join(out)


def fields(reports, options) -> str:
    """`analyze --view fields`: what each layer sees, its weight reuse, dense equivalent and intensity."""
    out = []
    for r in reports:
        out += [f"## {shown(r.name)}: fields", "", f"Input {shape(r.input)}, batch {r.batch}, {r.dtype}.", ""]
        out += _table(["", "value"], [[label, text] for label, text in zoom_lines(r, options)])
        out.append("")
        notes = any(layer.fields_note for layer in r.layers)
        rows = [["&nbsp;&nbsp;" * len(layer.blocks) + shown(layer.name), layer.type, shape(layer.output_shape),
                 *field_cells(layer, options), *([layer.fields_note] if notes else [])] for layer in r.layers]
        rows.append(["**Total**", "", "", "", "", "", "", count(r.totals.dense_equivalent_params, options),
                     quotient_cell(r.totals.sharing_factor, "×"), "", *([""] if notes else [])])
        out += _table(["Layer", "Type", "Output shape", *FIELD_COLUMNS, *(["Note"] if notes else [])], rows,
                      right={3, 4, 5, 6, 7, 8, 9})
        out.append("")
    return "\n".join(out)


def _total_rows(r, options) -> list[list[str]]:
    """What the table's summary says, one figure a row."""
    t, m = r.totals, r.totals.memory
    rows = [["Params", params(t.params, options)],
            ["Trainable params", params(t.trainable_params, options)],
            ["Frozen params", params(t.non_trainable_params, options)],
            ["Buffers", count(t.buffers, options)],
            ["MACs", count(t.macs, options)],
            ["FLOPs", count(t.flops, options)],
            ["Weight memory", size(m.params_bytes, options)],
            ["Activation memory (training)", size(m.activations_bytes, options)],
            ["Peak activation memory (inference)", size(m.peak_activation_bytes, options)],
            ["Footprint (weights + peak activations)", size(m.inference_bytes, options)]]
    if t.active_params is not None and t.active_params != t.params:
        rows.append(["Active params per token", params(t.active_params, options)])
    if t.decoding is not None:
        d = t.decoding
        rows += [["Context (tokens)", f"{d.context:,}"],
                 ["KV cache", size(d.kv_cache_bytes, options)],
                 ["KV cache per token", size(d.kv_cache_bytes_per_token, options)],
                 ["Decode MACs per new token", count(d.decode_macs_per_token, options)]]
    if t.roofline is not None:
        from .device import summary_rows
        rows += [[label, text] for label, text in summary_rows(r, options)]
    return rows


def _with_device_columns(r, header, right, rows, options):
    """Each layer's bytes moved, intensity, bound and time on the device, after its counts."""
    from .device import LAYER_COLUMNS, layer_cells, seconds
    times = iter(zip(r.layers, r.totals.roofline.layers))
    out = []
    for row in rows[:-1]:
        if row[1].startswith("*"):                    # a block use's row (its type in italics)
            out.append(row + [""] * len(LAYER_COLUMNS))
        else:
            out.append(row + layer_cells(*next(times), options))
    out.append(rows[-1] + ["", "", "", seconds(r.totals.roofline.unfused_estimate_seconds, options)])
    first = len(header)
    return (header + [name for name, _ in LAYER_COLUMNS],
            right | {first + i for i, (_, side) in enumerate(LAYER_COLUMNS) if side == "right"}, out)


def _layer_rows(r, options) -> list[list[str]]:
    """One row per layer by its full name, a row naming each block use where it starts (as the
    table's), and the Total row."""
    rows: list[list[str]] = []
    uses: list[str] = []         # uses: the full names of the block uses open, outermost first
    for row in rows_with_block_headers(r.layers):
        if isinstance(row, BlockStart):
            depth = row.depth
            uses[depth:] = [f"{uses[depth - 1]}.{row.name}" if depth else row.name]
            rows.append(["&nbsp;&nbsp;" * depth + f"**{shown(uses[depth])}**", f"*{shown(row.block)}*", "", "", "", ""])
            continue
        layer = row
        rows.append(["&nbsp;&nbsp;" * len(layer.blocks) + shown(layer.name), layer.type, shape(layer.output_shape),
                     params(layer.params, options), count(layer.macs, options), share(layer.macs, r.totals.macs)])
    rows.append(["**Total**", "", "", params(r.totals.params, options), count(r.totals.macs, options),
                 share(r.totals.macs, r.totals.macs)])
    return rows


def comparison(cmp, options) -> str:
    from ..compare import describe_ratio    # here: only comparisons need it, and it imports fractions
    header = [""]
    for i, name in enumerate(cmp.names):
        header += [shown(name)] if i == 0 else [shown(name), "vs first"]
    rows = [["Input", shape(cmp.inputs[0])] + sum(([shape(s), ""] for s in cmp.inputs[1:]), [])]
    for metric in cmp.metrics:
        row = [metric.label.strip(), metric_value(metric, metric.values[0], options)]
        for v in metric.values[1:]:
            row += [metric_value(metric, v, options), describe_ratio(metric.values[0], v, metric.unit)]
        rows.append(row)
    return "\n".join(_table(header, rows, right=set(range(1, len(header))))) + "\n"


def budgets(results, options) -> str:
    out = []
    for r in results:
        out += [f"### {'✅' if r.within else '❌'} {shown(r.name)} (`{shown(r.file)}`): "
                f"{'within budget' if r.within else 'over budget'}", ""]
        rows = []
        for line in r.lines:
            rows.append([line.label, *(budget_figure(line, n, options) for n in (line.used, line.allowed, line.headroom)),
                         "ok" if line.within else "**over**"])
        out += _table(["Budget", "Used", "Allowed", "Headroom", "Status"], rows, right={1, 2, 3})
        out.append("")
    return "\n".join(out)


def scaling(result, options, show_layers=False) -> str:
    rows = [[p.size, shape(p.input), count(p.report.totals.params, options), count(p.report.totals.macs, options)]
            if p.report else [p.size, shape(p.input), "error", shown(p.error)] for p in result.points]
    out = [f"## {shown(result.name)}: cost by input size", ""]
    out += _table(["Size", "Input", "Params", "MACs"], rows, right={0, 2, 3})
    out += ["", f"Params ∝ size^{exponent(result.params_exponent)}, MACs ∝ size^{exponent(result.macs_exponent)}.", ""]
    if show_layers:
        out += _table(["Layer", "params exponent", "MACs exponent"],
                      [[shown(n), exponent(pe), exponent(me)] for n, pe, me in result.layer_exponents], right={1, 2})
        out.append("")
    return "\n".join(out)


def sweep(view, options) -> str:
    """One row per point: settings, figures, the budget's verdict and the front."""
    from ..sweep.view import text_rows, title

    def cell(value) -> str:
        text = value[0] if isinstance(value, tuple) else value
        return text.replace("|", "\\|")
    from .device import seconds
    table = text_rows(view, lambda n: count(n, options), lambda n: size(n, options), shown,
                      lambda v: seconds(v, options))
    out = [f"## {title(view, table, shown)}", ""]
    out += _table([cell(h) for h, _ in table.columns], [[cell(c) for c in row] for row in table.rows],
                  right={i for i, (_, justify) in enumerate(table.columns) if justify == "right"})
    out += ["", *(f"- {cell(line)}" for line in table.errors)]
    return "\n".join(out).rstrip("\n") + "\n"
