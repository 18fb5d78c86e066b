"""Cell formatting shared by the text formats."""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

from ..report import LayerReport
from ..text import shown
from ..units import exact, human_bytes, human_count


def shape(dims) -> str:
    return "×".join(map(str, dims))


def count(n: int, options) -> str:
    return exact(n) if options.exact else human_count(n)


def size(n: int, options) -> str:
    return f"{exact(n)} B" if options.exact else human_bytes(n)


def metric_value(metric, value, options) -> str:
    if value is None:           # a figure the model does not have (no KV cache, no params)
        return "–"
    if metric.unit == "seconds":
        from .device import seconds
        return seconds(value, options)
    if metric.unit == "per":
        return f"{float(value):,.1f}"
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
