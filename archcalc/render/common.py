"""Cell formatting shared by the text formats."""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

from ..report import LayerReport
from ..text import shown
from ..units import exact, human_bytes, human_count, human_params


def shape(dims) -> str:
    return "×".join(map(str, dims))


def count(n: int, options) -> str:
    return exact(n) if options.exact else human_count(n)


def params(n: int, options) -> str:
    """A parameter count: billions as B (8.03 B), as model cards write them."""
    return exact(n) if options.exact else human_params(n)


def budget_figure(line, n: int, options) -> str:
    """A budget line's figure (used, allowed or headroom) in its unit: bytes, params or a count."""
    return size(n, options) if line.in_bytes else params(n, options) if line.key == "params" else count(n, options)


def size(n: int, options) -> str:
    return f"{exact(n)} B" if options.exact else human_bytes(n)


def metric_value(metric, value, options) -> str:
    if metric.unit == "name":   # a layer's name, or none (no layer sees the whole input)
        return shown(value) if value else "none"
    if value is None:           # a figure the model does not have (no KV cache, no params)
        return "–"
    if metric.unit == "seconds":
        from .device import seconds
        return seconds(value, options)
    if metric.unit == "per":
        return f"{float(value):,.1f}"
    if metric.unit == "params":
        return params(value, options)
    return size(value, options) if metric.unit == "bytes" else count(value, options)


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def display_name(layer) -> str:
    """A layer's name relative to its innermost block use, indented by nesting depth, as shown
    (control characters escaped: every text format prints it)."""
    name = layer.name
    if layer.blocks:
        name = name[len(layer.blocks[-1][0]) + 1:]
    return "  " * len(layer.blocks) + shown(name)


class BlockStart(NamedTuple):
    """A row naming a block use where it starts (the table's and Markdown's block rows)."""

    depth: int               # 0: a top-level use
    name: str                # the use's name within its parent use
    block: str               # the block type


def rows_with_block_headers(layers: Iterable[LayerReport]) -> Iterator[BlockStart | LayerReport]:
    """Each layer, after a `BlockStart` for every block use that starts at it."""
    open_uses: tuple[tuple[str, str], ...] = ()
    for layer in layers:
        if layer.blocks == open_uses:        # most layers: still inside the blocks of the last one
            yield layer
            continue
        common = 0
        while (common < min(len(open_uses), len(layer.blocks))
               and open_uses[common] == layer.blocks[common]):
            common += 1
        for depth in range(common, len(layer.blocks)):
            use, block = layer.blocks[depth]
            parent = layer.blocks[depth - 1][0] + "." if depth else ""
            yield BlockStart(depth, use[len(parent):], block)
        open_uses = layer.blocks
        yield layer


def exponent(value) -> str:
    return "-" if value is None else f"{value:.2f}"


# -- the fields view (`analyze --view fields`) ------------------------------------------------

FIELD_COLUMNS = ("Field", "Stride", "Offset", "MACs/weight", "Dense equivalent", "Sharing", "FLOP/B")


def _axis_value(value) -> str:
    if value is None:
        return "merged"          # an axis whose units are followed only as a whole
    return str(value) if isinstance(value, int) else f"{value:g}"


def axes_cell(values, separator: str = "×") -> str:
    """Per-axis figures as one cell: `212×212`; `-` where the output has no spatial axis."""
    return "-" if values is None else separator.join(_axis_value(v) for v in values)


def quotient_cell(value, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    if value >= 100:
        return f"{value:,.0f}{suffix}"
    return f"{value:,.1f}{suffix}" if value >= 10 else f"{value:,.3g}{suffix}"


def intensity(value: float | None) -> str:
    """Arithmetic intensity, FLOPs per byte moved; `-` where nothing moves."""
    return "-" if value is None else f"{value:,.4f}"


def field_cells(layer, options) -> list[str]:
    """The fields view's cells of one layer, in FIELD_COLUMNS order."""
    return [axes_cell(layer.receptive_field), axes_cell(layer.effective_stride),
            axes_cell(layer.field_offset, ", "), quotient_cell(layer.weight_reuse),
            count(layer.dense_equivalent_params, options), quotient_cell(layer.sharing_factor, "×"),
            intensity(layer.arithmetic_intensity)]


def zoom_lines(report, options) -> list[tuple[str, str]]:
    """The fields view's summary: where the model zooms out, and what sharing saves."""
    t = report.totals
    whole = (f"{shown(t.whole_input_layer)} is the first layer with a unit that sees both ends of every input axis"
             if t.whole_input_layer else "no layer has a unit that sees both ends of every input axis")
    sized = (f"{shown(t.input_sized_field_layer)} the first whose field is as large as the input"
             if t.input_sized_field_layer else "no layer's field is as large as the input")
    lines = [("Zoom-out", f"{whole}; {sized}")]
    if t.sharing_factor is not None:
        lines.append(("Sharing", f"dense layers doing the weighted layers' maps would hold "
                                 f"{count(t.dense_equivalent_params, options)} params, "
                                 f"{quotient_cell(t.sharing_factor, '×')} these layers' own"))
    return lines
