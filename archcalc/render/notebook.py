"""A report as a notebook shows it (Jupyter's `_repr_html_`): the summary and one row per
top-level part of the model, small whatever the model's size; `full=True` gives every layer.
The API's `Analysis` hands its report here. Every name is HTML-escaped.

The parts are the layer names' own tree (`layer1.0.conv1` sits in `layer1.0`, in `layer1`):
the first level of names, a part opened while the view has fewer than `MIN_ROWS` rows (so a
Hugging Face model, all under `model.`, shows `model.embed_tokens`, `model.layers`, …), and
a run of equal parts (the same layer types and figures, as a repeated block's uses are)
folded into one row, `layers.0–31 ×32`.
"""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from ..report import LayerReport, Report, block_totals
from ..text import counted, shown
from ..units import human_bytes, human_count, human_params

MIN_ROWS = 4            # open parts until the view has at least this many rows
MAX_ROWS = 40           # and never more than this many (the rest summed in one row)


class Part(NamedTuple):
    name: str
    layers: tuple[LayerReport, ...]
    times: int = 1                  # equal consecutive parts folded into this row
    last: str = ""                  # the last folded part's name


def html(report: Report, full: bool = False) -> str:
    """The summary and the top-level parts (or, with `full`, every layer)."""
    rows = _layer_rows(report) if full else _part_rows(report)
    hint = "" if full else (f"<div style='color:gray'>{counted(len(report.layers), 'layer')}; every one: "
                            "<code>report.html(full=True)</code>, or <code>print(report)</code></div>")
    return (f"<div>{_summary(report)}<table><thead><tr><th style='text-align:left'>"
            f"{'Layer' if full else 'Part'}</th><th style='text-align:left'>Type</th>"
            "<th style='text-align:left'>Output</th><th>Params</th><th>MACs</th><th>Weights</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{hint}</div>")


def _summary(report: Report) -> str:
    t, m = report.totals, report.totals.memory
    lines = [f"<b>{escape(shown(report.name))}</b>: input {_shape(report.input)}, batch {report.batch}, "
             f"{escape(str(report.dtype))}",
             f"{human_params(t.params)} params ({t.params:,}), {human_count(t.macs)} MACs, "
             f"{human_count(t.flops)} FLOPs",
             f"weights {human_bytes(m.params_bytes)}, peak activations {human_bytes(m.peak_activation_bytes)} "
             f"(inference), activations {human_bytes(m.activations_bytes)} (kept for training)"]
    if t.decoding is not None:
        d = t.decoding
        lines.append(f"KV cache {human_bytes(d.kv_cache_bytes)} at {counted(d.context, 'token')}; "
                     f"{human_count(d.decode_macs_per_token)} MACs per new token")
    return "<br>".join(lines)


def _shape(dims: tuple[int, ...]) -> str:
    return "×".join(map(str, dims))


def _cells(name: str, kind: str, layers: tuple[LayerReport, ...], report: Report, times: int = 1) -> str:
    t = block_totals(layers, report.dtype, report.batch)
    right = "style='text-align:right'"
    return (f"<tr><td>{escape(shown(name))}</td><td>{escape(shown(kind))}</td>"
            f"<td>{_shape(layers[-1].output_shape)}</td>"
            f"<td {right}>{human_params(t.params * times)}</td><td {right}>{human_count(t.macs * times)}</td>"
            f"<td {right}>{human_bytes(t.params_bytes * times)}</td></tr>")


def _layer_rows(report: Report) -> str:
    return "".join(_cells(layer.name, layer.type, (layer,), report) for layer in report.layers)


def _part_rows(report: Report) -> str:
    parts = _folded(_parts(report.layers))
    shown_parts, rest = parts[:MAX_ROWS], parts[MAX_ROWS:]
    out = []
    for part in shown_parts:
        if len(part.layers) == 1 and part.times == 1 and part.layers[0].name == part.name:
            out.append(_cells(part.name, part.layers[0].type, part.layers, report))
            continue
        name = part.name if part.times == 1 else f"{part.name}–{part.last.rsplit('.', 1)[-1]} ×{part.times}"
        kind = _kind(part)
        out.append(_cells(name, kind, part.layers, report, part.times))
    if rest:
        layers = tuple(layer for part in rest for _ in range(part.times) for layer in part.layers)
        out.append(_cells(f"… {counted(len(rest), 'more part')}", "", layers, report))
    return "".join(out)


def _kind(part: Part) -> str:
    """A block use's type; a run of uses of one block type as `32 × decoder`; else the layer count."""
    own = next((block for use, block in part.layers[0].blocks if use == part.name), "")
    if own:
        return own
    children = _split(part.name + ".", part.layers)
    kinds = {next((block for use, block in c.layers[0].blocks if use == c.name), "") for c in children}
    if len(children) > 1 and len(kinds) == 1 and "" not in kinds:
        return f"{len(children)} × {kinds.pop()}"
    return counted(len(part.layers), "layer")


def _parts(layers: tuple[LayerReport, ...]) -> list[Part]:
    """Layers grouped by their names' first level, then the largest part opened while there
    are fewer than MIN_ROWS rows and a part holds more than one layer."""
    parts = _split("", layers)
    while len(parts) < MIN_ROWS:
        opened = max((p for p in parts if len(p.layers) > 1), key=lambda p: len(p.layers), default=None)
        if opened is None:
            break
        at = parts.index(opened)
        inner = _split(opened.name + ".", opened.layers)
        if len(inner) < 2:
            break
        parts[at:at + 1] = inner
    return parts


def _split(prefix: str, layers: tuple[LayerReport, ...]) -> list[Part]:
    """Runs of layers under one name of the next level (a list per run: a growing tuple would
    copy itself for every layer)."""
    runs: list[tuple[str, list[LayerReport]]] = []
    start = len(prefix)
    for layer in layers:
        end = layer.name.find(".", start)
        head = layer.name if end == -1 else layer.name[:end]
        if runs and runs[-1][0] == head:
            runs[-1][1].append(layer)
        else:
            runs.append((head, [layer]))
    return [Part(head, tuple(members)) for head, members in runs]


def _signature(part: Part) -> tuple:
    start = len(part.name)
    return tuple((layer.name[start:], layer.type, layer.params, layer.macs) for layer in part.layers)


def _folded(parts: list[Part]) -> list[Part]:
    """Runs of equal parts (the same layers, types and figures, relative to their names) as one row."""
    out: list[Part] = []
    last_signature: tuple = ()
    for part in parts:
        signature = _signature(part) if len(part.layers) > 1 else ()
        last = out[-1] if out else None
        if (last is not None and signature and signature == last_signature
                and part.name.rsplit(".", 1)[0] == last.name.rsplit(".", 1)[0]):
            out[-1] = last._replace(times=last.times + 1, last=part.name)
        else:
            out.append(part._replace(last=part.name))
            last_signature = signature
    return out
