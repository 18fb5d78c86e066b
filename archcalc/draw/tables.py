"""The report's tables as HTML: each model's summary, the per-layer table, where params and
MACs go (the folded view of fold.py: "layers.0–31 (× 32)" is one row), the totals of several
models side by side, and the per-block difference of each model against the first."""

from __future__ import annotations

import json
import math
import re
from difflib import SequenceMatcher

from ..render import Options
from ..render.common import axes_cell, quotient_cell, zoom_lines
from ..text import counted
from ..units import human_bytes, human_count
from .fold import Part, fold_parts
from .svg import escape      # escape: names as `shown`, then HTML's escaping


def _cell(value: int, text: str | None = None) -> str:
    return f'<td class="n" data-v="{value}" title="{value:,}">{escape(text or human_count(value))}</td>'


def boxes_attribute(keys) -> str:
    """The drawing's boxes a row stands for, as a JSON list in an attribute (names hold spaces)."""
    return escape(json.dumps(list(dict.fromkeys(keys)), ensure_ascii=False))


def summary(report) -> str:
    t, m = report.totals, report.totals.memory
    rows = [("Input", "×".join(map(str, report.input)) + f", batch {report.batch}, {report.dtype}"),
            ("Parameters", f"{t.params:,} (trainable {t.trainable_params:,}, frozen {t.non_trainable_params:,}); "
                           f"buffers {t.buffers:,}"),
            ("Compute", f"{t.macs:,} MACs, {t.flops:,} FLOPs"),
            ("Memory", f"weights {human_bytes(m.params_bytes)}, peak activations "
                       f"{human_bytes(m.peak_activation_bytes)}, kept for training {human_bytes(m.activations_bytes)}")]
    if t.active_params is not None and t.active_params != t.params:
        rows.append(("Active per token", f"{t.active_params:,} params"))
    rows += zoom_lines(report, Options(exact=True))
    if t.decoding is not None:
        d = t.decoding
        rows.append(("Decoding", f"KV cache {human_bytes(d.kv_cache_bytes)} at {counted(d.context, 'token')} "
                                 f"({human_bytes(d.kv_cache_bytes_per_token)} per token); "
                                 f"{d.decode_macs_per_token:,} MACs per new token"))
    if t.roofline is not None:              # --device: the same rows the table's summary prints
        from ..render.device import summary_rows
        rows += summary_rows(report, Options())
    return ('<table class="summary">' + "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
            + "</table>")


def _field_cells(layer) -> str:
    """What the layer sees (sorted by the field's first axis) and its weight sharing; the note of
    a misaligned merge as the field cell's title."""
    field = layer.receptive_field
    key = next((n for n in field or () if n is not None), -1)
    title = f' title="{escape(layer.fields_note)}"' if layer.fields_note else ""
    cells = [f'<td class="n f" data-v="{key}"{title}>{escape(axes_cell(field))}</td>',
             f'<td class="n f" data-v="{_first(layer.effective_stride)}">{escape(axes_cell(layer.effective_stride))}</td>']
    for value, suffix in ((layer.weight_reuse, ""), (layer.sharing_factor, "×")):
        cells.append(f'<td class="n f" data-v="{-1 if value is None else value}">'
                     f'{escape(quotient_cell(value, suffix))}</td>')
    return "".join(cells)


def _first(values) -> int | float:
    return next((v for v in values or () if v is not None), -1)


def layers_table(report, index: int, box_of: dict[str, str], open_box_of: dict[str, str]) -> str:
    """Every layer, sortable (figures descending first, shapes by element count) and linked to
    its box in the drawing (`box_of`) and in the unfolded drawing (`open_box_of`)."""
    head = "".join(f'<th data-key="{k}" class="{c}" tabindex="0" scope="col">{escape(label)}</th>' for k, label, c in (
        ("name", "Layer", ""), ("type", "Type", ""), ("shape", "Output shape", "n"),
        ("params", "Params", "n"), ("macs", "MACs", "n"), ("flops", "FLOPs", "n"),
        ("field", "Field", "n"), ("stride", "Stride", "n"), ("reuse", "MACs/weight", "n"), ("sharing", "Sharing", "n")))
    rows = []
    for i, layer in enumerate(report.layers):
        shape = "×".join(map(str, layer.output_shape))
        inner = ' class="inner"' if layer.blocks else ""
        links = (f' data-boxes="{boxes_attribute([box_of.get(layer.name, "")])}"'
                 f' data-open="{boxes_attribute([open_box_of.get(layer.name, "")])}"')
        rows.append(f'<tr{inner} data-i="{i}" tabindex="0"{links}><td data-v="{escape(layer.name)}">'
                    f'{escape(layer.name)}</td><td data-v="{escape(layer.type)}">{escape(layer.type)}</td>'
                    f'<td class="n" data-v="{math.prod(layer.output_shape)}" '
                    f'title="{math.prod(layer.output_shape):,} elements">{shape}</td>'
                    + _cell(layer.params) + _cell(layer.macs) + _cell(layer.flops) + _field_cells(layer) + "</tr>")
    return (f'<input type="search" class="filter" data-table="#layers{index}" placeholder="Filter layers…" '
            f'aria-label="Filter layers"><table class="layers" id="layers{index}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def part_label(part: Part) -> str:
    return f"{part.label} (× {part.uses})" if part.uses > 1 else part.label


def shares_table(report, box_of: dict[str, str], fold: bool = True) -> str:
    """Params and MACs per top-level part (a layer, a block use, or a folded run), as bars."""
    t = report.totals
    rows = []
    for part in fold_parts(report.layers, fold=fold):
        if not part.params and not part.macs:
            continue
        p = 100 * part.params / t.params if t.params else 0
        c = 100 * part.macs / t.macs if t.macs else 0
        keys = [box_of.get(layer.name, "") for layer in report.layers[part.first:part.stop]]
        rows.append(f'<tr tabindex="0" data-boxes="{boxes_attribute(keys)}"><td title="{escape(part.label)}">'
                    f'{escape(part_label(part))}</td><td>{escape(part.kind)}</td>'
                    f'<td><span class="bar p" style="width:{p * 2:.1f}px"></span> {p:.1f}%</td>'
                    f'<td><span class="bar" style="width:{c * 2:.1f}px"></span> {c:.1f}%</td></tr>')
    return ('<table class="shares"><thead><tr><th>Part</th><th>Block or type</th><th>Share of params</th>'
            f"<th>Share of MACs</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def comparison(reports) -> str:
    """Totals side by side, each in its unit, with ratios against the first; "–" where a model
    has no such figure (no KV cache without causal attention)."""
    base = reports[0]
    head = "".join(f"<th class=\"n\">{escape(r.name)}</th>" for r in reports)
    rows = []
    figures = [("Params", human_count, lambda r: r.totals.params), ("MACs", human_count, lambda r: r.totals.macs),
               ("FLOPs", human_count, lambda r: r.totals.flops),
               ("Weights + peak activations", human_bytes, lambda r: r.totals.memory.inference_bytes)]
    if any(r.totals.decoding is not None for r in reports):
        figures += [("KV cache", human_bytes, lambda r: _decoding(r, "kv_cache_bytes")),
                    ("Decode MACs per token", human_count, lambda r: _decoding(r, "decode_macs_per_token"))]
    for label, unit, get in figures:
        cells = []
        for r in reports:
            value, first = get(r), get(base)
            if value is None:
                cells.append('<td class="n">–</td>')
                continue
            ratio = f" ({value / first:.2f}×)" if first and r is not base else ""
            cells.append(f'<td class="n" title="{value:,}">{escape(unit(value))}{ratio}</td>')
        rows.append(f"<tr><td>{label}</td>{''.join(cells)}</tr>")
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _decoding(report, figure: str) -> int | None:
    return None if report.totals.decoding is None else getattr(report.totals.decoding, figure)


def _identity(part: Part) -> tuple[str, str]:
    """What makes parts of two models the same block: the name (a run's without its index
    range, so "layers.0–31" meets "layers.0–79") and the block or type."""
    label = re.sub(r"\d+–\d+$", "*", part.label) if part.uses > 1 else part.label
    return label, part.kind


def _root(part: Part) -> str:
    """A part's name up to its first separator after a letter run and digits ("layer2" of
    "layer2_0" and of "layer2.rest.0–2"): the stage it belongs to, when names differ."""
    match = _ROOT.match(part.label)
    return match.group() if match else part.label


_ROOT = re.compile(r"[^._\d]*\d*")


def align(a_parts: list[Part], b_parts: list[Part], by=_identity) -> list[tuple[Part | None, Part | None]]:
    """The two models' top-level parts paired in order by identity (difflib's matching), what
    is left then by their names' root; None where a part has no counterpart."""
    pairs: list[tuple[Part | None, Part | None]] = []
    matcher = SequenceMatcher(None, [by(p) for p in a_parts], [by(p) for p in b_parts], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(a_parts[i1:i2], b_parts[j1:j2]))
        elif by is _identity and i2 > i1 and j2 > j1:
            pairs += align(a_parts[i1:i2], b_parts[j1:j2], _root)
        else:
            pairs += [(p, None) for p in a_parts[i1:i2]] + [(None, p) for p in b_parts[j1:j2]]
    return pairs


def change(a: Part | None, b: Part | None) -> str:
    """"new", "gone", "changed" (another block or type), or "grew", "shrank" or "same" by params
    then MACs."""
    if a is None:
        return "new"
    if b is None:
        return "gone"
    if a.kind != b.kind:
        return "changed" if (b.params, b.macs) != (a.params, a.macs) else "same"
    if (b.params, b.macs) == (a.params, a.macs):
        return "same"
    return "grew" if (b.params > a.params or (b.params == a.params and b.macs > a.macs)) else "shrank"


def _delta(a: int, b: int) -> str:
    if a == b:
        return "="
    sign = "+" if b > a else "−"
    ratio = f" ({b / a:.2f}×)" if a else ""
    return f"{sign}{human_count(abs(b - a))}{ratio}"


def block_diff(a_report, b_report, fold: bool = True) -> str:
    """Per top-level part: each model's params and MACs and what changed."""
    rows = []
    for a, b in align(fold_parts(a_report.layers, fold=fold), fold_parts(b_report.layers, fold=fold)):
        status = change(a, b)
        cells = []
        for part in (a, b):
            cells += ([f"<td>{escape(part_label(part))}</td>", _cell(part.params), _cell(part.macs)] if part
                      else ["<td>–</td>", '<td class="n">–</td>', '<td class="n">–</td>'])
        deltas = (_delta(a.params, b.params), _delta(a.macs, b.macs)) if a and b else ("", "")
        rows.append(f'<tr class="{status}">{"".join(cells)}<td>{status}</td><td class="n">{escape(deltas[0])}</td>'
                    f'<td class="n">{escape(deltas[1])}</td></tr>')
    a_name, b_name = escape(a_report.name), escape(b_report.name)
    return (f'<table class="diff"><thead><tr><th>{a_name}</th><th class="n">Params</th><th class="n">MACs</th>'
            f'<th>{b_name}</th><th class="n">Params</th><th class="n">MACs</th><th>Change</th>'
            f'<th class="n">Δ params</th><th class="n">Δ MACs</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
