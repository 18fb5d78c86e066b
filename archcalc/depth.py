"""Collapsing a report's layers to a block depth (like torchinfo's `depth`)."""

from __future__ import annotations


from .report import LayerReport, Report


def collapse_layers(report: Report, depth: int) -> Report:
    """Layers nested deeper than `depth` block uses become one row per block use at that depth,
    with their figures summed; depth 0 keeps no rows (totals only)."""
    if depth <= 0:
        return report._replace(layers=())
    rows: list[LayerReport] = []
    for layer in report.layers:
        if len(layer.blocks) < depth:
            rows.append(layer)
            continue
        use, block = layer.blocks[depth - 1]
        last = rows[-1] if rows else None
        if last is not None and last.name == use:
            rows[-1] = last._replace(output_shape=layer.output_shape, params=last.params + layer.params,
                               trainable_params=last.trainable_params + layer.trainable_params,
                               buffers=last.buffers + layer.buffers, macs=last.macs + layer.macs,
                               flops=last.flops + layer.flops)
        else:
            rows.append(layer._replace(name=use, type=block, blocks=layer.blocks[:depth - 1]))
    return report._replace(layers=tuple(rows))
