"""CSV: one row per layer (or per figure), for spreadsheets and scripts. Exact integers."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Iterator

from ..text import shown
from .common import shape

# A text cell starting with one of these is a formula to a spreadsheet (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# …unless the whole cell reads as a number, which a spreadsheet takes as that number.
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"


def _cell(value):
    """A cell as written: numbers as they are; text as `shown`, with a leading single quote
    when a spreadsheet would read it as a formula (`=cmd|' /c calc'!A0`, `-2+3`)."""
    if not isinstance(value, str):
        return value
    text = shown(value)
    if text.startswith(FORMULA_STARTS):
        if not re.fullmatch(_NUMBER, text):
            return "'" + text
    return text


def _write(header, rows) -> str:
    """The rows (and the header), every cell through `_cell`."""
    return _write_ready([header, *rows] if header is not None else rows, _cell)


def _write_ready(rows, cell=None) -> str:
    """The rows as CSV text; `cell` maps each cell first (the per-layer rows come with their
    text cells already through `_cell`: one call a cell cost a million-layer CSV seconds)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows if cell is None else ([cell(c) for c in row] for row in rows))
    return out.getvalue()


ROWS_PER_CHUNK = 2000     # layers per piece of streamed output


def analysis_chunks(reports, options) -> Iterator[str]:
    """`analysis` in pieces, for writing as they come (`archcalc analyze` does). Per model: one
    row per layer (`blocks`: the block uses it sits in, `use=block type`, outermost first), then
    one row per model figure (type `model`) and per total (type `total`), named by its JSON key
    and held in `value`: every figure and name the table shows."""
    yield _write(["model", "name", "type", "inputs", "output_shape", "params", "trainable_params",
                  "buffers", "macs", "flops", "bytes_moved", "arithmetic_intensity", "bound", "seconds",
                  "blocks", "value"], [])
    for r in reports:
        model = _cell(r.name)
        times = r.totals.roofline.layers if r.totals.roofline is not None else ((None, None),) * len(r.layers)
        for at in range(0, len(r.layers), ROWS_PER_CHUNK):
            yield _write_ready([[model, _cell(layer.name), layer.type, _cell(";".join(layer.inputs)),
                                 shape(layer.output_shape).replace("×", "x"), layer.params,
                                 layer.trainable_params, layer.buffers, layer.macs, layer.flops,
                                 layer.bytes_moved, _blank(layer.arithmetic_intensity), _blank(bound),
                                 _blank(seconds), _cell(";".join(f"{use}={block}" for use, block in layer.blocks)), ""]
                                for layer, (bound, seconds) in zip(r.layers[at:at + ROWS_PER_CHUNK],
                                                                   times[at:at + ROWS_PER_CHUNK])])
        yield _write(None, [[r.name, key, kind, "", "", "", "", "", "", "", "", "", "", "", "", value]
                            for kind, key, value in model_figures(r)])


def _blank(value):
    return "" if value is None else value


def _axes(values) -> str:
    return "" if values is None else json.dumps(list(values))


def fields(reports, options) -> str:
    """`analyze --view fields`: one row per layer with its JSON keys' values (per-axis lists
    written as JSON lists: `[212, 212]`; empty where JSON has null), then the model figures."""
    rows = []
    for r in reports:
        for layer in r.layers:
            rows.append([r.name, layer.name, layer.type, shape(layer.output_shape).replace("×", "x"),
                         _axes(layer.receptive_field), _axes(layer.effective_stride), _axes(layer.field_offset),
                         "true" if layer.fields_note else "false", layer.fields_note,
                         "" if layer.weight_reuse is None else layer.weight_reuse, layer.dense_equivalent_params,
                         "" if layer.sharing_factor is None else layer.sharing_factor,
                         _blank(layer.arithmetic_intensity), ""])
        rows += [[r.name, key, kind, "", "", "", "", "", "", "", "", "", "", "" if value is None else value]
                 for kind, key, value in model_figures(r)]
    return _write(["model", "name", "type", "output_shape", "receptive_field", "effective_stride", "field_offset",
                   "fields_misaligned", "fields_note", "weight_reuse", "dense_equivalent_params", "sharing_factor",
                   "arithmetic_intensity", "value"], rows)


def model_figures(report) -> Iterator[tuple[str, str, object]]:
    """(`model` | `total`, JSON key, value) of what a report holds besides its layers; nested
    totals are dotted (`totals.memory.peak_activation_bytes`). `totals.memory.inference_bytes`
    is the footprint the table prints (weights + peak activations)."""
    for name, input_shape in report.inputs or (("input", report.input),):
        yield "model", f"inputs.{name}", shape(input_shape).replace("×", "x")
    yield "model", "batch", report.batch
    yield "model", "dtype", str(report.dtype)
    if report.attention is not None:
        yield "model", "attention", report.attention

    def flat(prefix, data):
        for key, value in data.items():
            if isinstance(value, dict):
                yield from flat(f"{prefix}{key}.", value)
            else:
                yield "total", prefix + key, value
    if report.totals.roofline is not None:
        for _, key, value in flat("device.", report.totals.roofline.device_dict()):
            yield "model", key, value
    yield from flat("totals.", report.totals.to_dict())
    yield "total", "totals.memory.inference_bytes", report.totals.memory.inference_bytes


def analysis(reports, options) -> str:
    return "".join(analysis_chunks(reports, options))


def training(items, options) -> str:
    """One row per model and figure of the training step."""
    rows = []
    for report, t in items:
        plan = t.recompute
        figures = [("macs_per_step", t.macs_per_step), ("flops_per_step", t.flops_per_step), ("steps", t.steps),
                   ("flops", t.flops), *t.memory._asdict().items(), ("total_bytes", t.memory.total_bytes),
                   ("recompute", plan.mode), ("recomputed", " ".join(plan.recomputed)),
                   ("recompute_macs", plan.extra_macs), ("held_bytes", plan.held_bytes),
                   ("rebuilt_bytes", plan.rebuilt_bytes)]
        if t.device is not None:
            figures += [(f"device.{key}", value) for key, value in t.device.device_dict().items() if key != "peaks"]
            figures += [(f"device.peaks.{key}", value) for key, value in t.device.device.peaks]
            figures += list(t.device.to_dict().items())
        rows += [[report.name, key, value] for key, value in figures]
    return _write(["model", "figure", "value"], rows)


def comparison(cmp, options) -> str:
    from ..compare import ratio
    rows: list[list[object]] = [["input", *(shape(s).replace("×", "x") for s in cmp.inputs)]]
    for metric in cmp.metrics:
        rows.append([metric.key, *("" if v is None else v if isinstance(v, (int, float, str)) else f"{float(v):.4f}"
                                   for v in metric.values)])
    # The "vs first" column of the table: the first model's figure over each one's, as in JSON.
    for metric in cmp.metrics:
        if metric.unit == "name":
            continue
        quotients = (ratio(metric.values[0], v) for v in metric.values)
        rows.append([f"ratio_first_to_this.{metric.key}", *("" if q is None else round(float(q), 4) for q in quotients)])
    return _write(["metric", *cmp.names], rows)


def budgets(results, options) -> str:
    rows = [[r.name, r.file, line.key, line.used, line.allowed, line.headroom,
             "within" if line.within else "over"]
            for r in results for line in r.lines]
    return _write(["model", "file", "budget", "used", "allowed", "headroom", "status"], rows)


def scaling(result, options, show_layers=False) -> str:
    if show_layers:
        rows = [[result.name, p.size, layer.name, layer.params, layer.macs, ""]
                for p in result.points if p.report is not None for layer in p.report.layers]
        rows += [[result.name, p.size, "", "", "", p.error] for p in result.points if p.report is None]
        return _write(["model", "size", "layer", "params", "macs", "error"], rows)
    rows = [[result.name, p.size, shape(p.input).replace("×", "x"),
             *((p.report.totals.params, p.report.totals.macs, "") if p.report else ("", "", p.error))]
            for p in result.points]
    return _write(["model", "size", "input", "params", "macs", "error"], rows)


def sweep_chunks(view, options) -> Iterator[str]:
    """One row per point, written as the points come: the settings, every total of analyze's
    JSON (nested keys dotted), `memory` (the footprint check compares), `within_budget`, the
    measured columns, `pareto`, and `error` for an invalid point kept by --keep-going."""
    from ..sweep.view import flat_totals, memory_footprint
    keys: list[str] | None = None
    waiting = []                          # invalid points before the first valid one fixes the columns

    def row(p):
        cells = [p.settings[n] for n in view.settings]
        if p.totals is None:
            return cells + [""] * (len(keys) + 2 + len(view.measured)) + ([""] if view.pareto else []) + [p.error]
        flat = dict(flat_totals(p.totals))
        if list(flat) != keys:
            raise AssertionError(f"a sweep point's totals have other keys: {list(flat)} against {keys}")
        cells += [*flat.values(), memory_footprint(p.totals), "true" if p.within_budget else "false"]
        cells += [(p.measured or {}).get(n, "") for n in view.measured]
        if view.pareto:
            cells.append("true" if p.pareto else "false")
        return cells + [""]

    for p in view.points:
        if keys is None:
            if p.totals is None:
                waiting.append(p)
                continue
            keys = [key for key, _ in flat_totals(p.totals)]
            yield _write([*view.settings, *keys, "memory", "within_budget", *view.measured,
                          *(("pareto",) if view.pareto else ()), "error"], [])
            yield _write(None, [row(w) for w in waiting])
        yield _write(None, [row(p)])
    if keys is None:                      # no valid point: the settings and the errors alone
        yield _write([*view.settings, "error"], [[*(w.settings[n] for n in view.settings), w.error] for w in waiting])


def sweep(view, options) -> str:
    return "".join(sweep_chunks(view, options))
