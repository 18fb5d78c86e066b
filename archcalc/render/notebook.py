"""A report as a notebook shows it (Jupyter's `_repr_html_`): the summary line and the
per-layer table, HTML-escaped. The API's `Analysis` hands its report here."""

from __future__ import annotations

from html import escape

from ..report import Report


def html(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{escape(layer.name)}</td><td>{escape(layer.type)}</td>"
        f"<td>{'×'.join(map(str, layer.output_shape))}</td>"
        f"<td style='text-align:right'>{layer.params:,}</td><td style='text-align:right'>{layer.macs:,}</td></tr>"
        for layer in report.layers)
    t = report.totals
    return (f"<div><b>{escape(report.name)}</b>: {t.params:,} params, {t.macs:,} MACs, {t.flops:,} FLOPs"
            f"<table><thead><tr><th>Layer</th><th>Type</th><th>Output</th><th>Params</th><th>MACs</th></tr>"
            f"</thead><tbody>{rows}</tbody></table></div>")
