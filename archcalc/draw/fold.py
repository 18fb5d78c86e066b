"""Folding: a view over a report's block uses that the drawing and the report's tables share.

A run of consecutive uses of the same block whose layers have the same types, shapes and
figures (Llama's 32 decoder layers, ViT's 12 encoder layers, the identical bottlenecks of a
ResNet stage) is one `Part` with `count` uses, named "layers.0–31". Nothing is summed twice
and nothing is lost: a part's figures are the sums over its layers, which `first:stop`
indexes in `report.layers`.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

from ..report import LayerReport

_INDEXED = re.compile(r"^(.*?)(\d+)$")


class Part(NamedTuple):
    """One row of a folded view: a layer, a block use, or a run of identical uses."""
    key: str                 # unique within its view: the layer's or use's name, or the run's label
    label: str               # "conv1", "layer1", "layers.0–31"
    kind: str                # the layer's type or the block's name
    level: int               # nesting level: 0 for top-level layers and uses
    first: int               # report.layers[first:stop] are its layers
    stop: int
    uses: int                # block uses folded into it (1: not folded)
    is_layer: bool           # a single layer rather than a block use or run
    params: int
    macs: int
    flops: int


def run_label(first_use: str, last_use: str) -> str:
    """"layers.0" and "layers.31" -> "layers.0–31"; other names -> "a–b"."""
    a, b = _INDEXED.match(first_use), _INDEXED.match(last_use)
    if a and b and a.group(1) == b.group(1):
        return f"{a.group(1)}{a.group(2)}–{b.group(2)}"
    return f"{first_use}–{last_use}"


def _signature(layers: Sequence[LayerReport], first: int, stop: int, use: str) -> tuple[object, ...]:
    """What must agree for two uses to fold: per layer, its name inside the use, type, shape,
    figures and where its inputs come from (inside the use by name, else "outside")."""
    cut = len(use) + 1
    inside = use + "."
    return tuple((layer.name[cut:], layer.type, layer.output_shape, layer.params, layer.macs, layer.flops,
                  tuple(x[cut:] if x.startswith(inside) else "" for x in layer.inputs),
                  layer.blocks[1:] and tuple((u[cut:], k) for u, k in layer.blocks[1:]))
                 for layer in layers[first:stop])


def _segments(layers: Sequence[LayerReport], level: int, start: int, stop: int) -> list[tuple[int, int, str, str]]:
    """layers[start:stop] cut at `level`: (first, stop, use, block) per use, use "" for a lone layer."""
    out: list[tuple[int, int, str, str]] = []
    i = start
    while i < stop:
        blocks = layers[i].blocks
        if len(blocks) <= level:
            out.append((i, i + 1, "", layers[i].type))
            i += 1
            continue
        use, kind = blocks[level]
        j = i + 1
        while j < stop and len(layers[j].blocks) > level and layers[j].blocks[level][0] == use:
            j += 1
        out.append((i, j, use, kind))
        i = j
    return out


def _sums(layers: Sequence[LayerReport], first: int, stop: int) -> tuple[int, int, int]:
    chosen = layers[first:stop]
    return sum(x.params for x in chosen), sum(x.macs for x in chosen), sum(x.flops for x in chosen)


def fold_parts(layers: Sequence[LayerReport], level: int = 0, start: int = 0, stop: int | None = None,
               fold: bool = True) -> list[Part]:
    """The parts of layers[start:stop] at nesting `level`, runs of identical uses folded
    (unless `fold` is false)."""
    stop = len(layers) if stop is None else stop
    segments = _segments(layers, level, start, stop)
    parts: list[Part] = []
    i = 0
    while i < len(segments):
        first, end, use, kind = segments[i]
        j = i + 1
        if use and fold:
            signature = _signature(layers, first, end, use)
            while (j < len(segments) and segments[j][2] and segments[j][3] == kind
                   and _signature(layers, segments[j][0], segments[j][1], segments[j][2]) == signature):
                j += 1
        last = segments[j - 1]
        params, macs, flops = _sums(layers, first, last[1])
        if j - i > 1:
            label = run_label(use, last[2])
            parts.append(Part(label, label, kind, level, first, last[1], j - i, False, params, macs, flops))
        elif use:
            parts.append(Part(use, use, kind, level, first, end, 1, False, params, macs, flops))
        else:
            name = layers[first].name
            parts.append(Part(name, name, kind, level, first, end, 1, True, params, macs, flops))
        i = j
    return parts
