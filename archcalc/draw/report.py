"""`archcalc report`: one self-contained HTML file — the summary, the drawing, the per-layer
table (sortable, filterable, exact figures on hover), where params and MACs go per top-level
block, a comparison when there are several models, and growth curves with `--sizes`.

No CDN, no web font, no network: the styles, the script and the pictures are inline, so
the file works opened from disk, offline, and prints legibly. Light and dark themes follow
the system's preference.
"""

from __future__ import annotations

import json
import math

from ..units import human_bytes, human_count
from .layout import build
from .svg import escape, render_svg      # escape: names as `shown`, then HTML's escaping

STYLE = """
:root { color-scheme: light dark; --fg: #212529; --bg: #ffffff; --muted: #6c757d; --line: #dee2e6;
        --bar: #fd7e14; --bar2: #4263eb; }
@media (prefers-color-scheme: dark) { :root { --fg: #e9ecef; --bg: #1a1b1e; --muted: #adb5bd;
        --line: #373a40; } .archcalc-drawing { filter: invert(0.88) hue-rotate(180deg); } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 0.2rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left; }
td.n, th.n { text-align: right; } th { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
tr.block td { font-weight: 600; } tr.inner td:first-child { padding-left: 1.5rem; }
.summary td:first-child { color: var(--muted); width: 14rem; }
.bar { display: inline-block; height: 0.8rem; background: var(--bar); vertical-align: middle; }
.bar.p { background: var(--bar2); }
.drawing { overflow: auto; max-height: 80vh; border: 1px solid var(--line); }
input[type=search] { padding: 0.3rem; width: 18rem; margin: 0.5rem 0; }
@media print { .drawing { max-height: none; overflow: visible; } input { display: none; } body { margin: 0; } }
"""

SCRIPT = """
document.querySelectorAll('table.layers').forEach(function (table) {
  var body = table.tBodies[0];
  table.querySelectorAll('th').forEach(function (th, column) {
    th.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.v, y = b.cells[column].dataset.v;
        var nx = Number(x), ny = Number(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
document.querySelectorAll('input.filter').forEach(function (input) {
  input.addEventListener('input', function () {
    var needle = input.value.toLowerCase();
    document.querySelectorAll(input.dataset.table + ' tbody tr').forEach(function (row) {
      row.style.display = row.textContent.toLowerCase().indexOf(needle) >= 0 ? '' : 'none';
    });
  });
});
if (location.hash.indexOf('#sort=') === 0) {
  var header = document.querySelector('table.layers th[data-key="' + location.hash.slice(6) + '"]');
  if (header) { header.click(); }
}
"""


def script_json(data) -> str:
    """`data` as JSON to stand inside a <script> element, whose text a browser reads raw (no
    entities): `<`, `>` and `&` written as \\u escapes, so no `</script>` or `<!--` can end or
    bend the element, and everything else outside ASCII as escapes too (ensure_ascii).
    JSON.parse gives back the exact names."""
    text = json.dumps(data)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _cell(value: int, text: str | None = None) -> str:
    return f'<td class="n" data-v="{value}" title="{value:,}">{escape(text or human_count(value))}</td>'


def _summary(report) -> str:
    t, m = report.totals, report.totals.memory
    rows = [("Input", "×".join(map(str, report.input)) + f", batch {report.batch}, {report.dtype}"),
            ("Parameters", f"{t.params:,} (trainable {t.trainable_params:,}, frozen {t.non_trainable_params:,}); "
                           f"buffers {t.buffers:,}"),
            ("Compute", f"{t.macs:,} MACs, {t.flops:,} FLOPs"),
            ("Memory", f"weights {human_bytes(m.params_bytes)}, peak activations "
                       f"{human_bytes(m.peak_activation_bytes)}, kept for training {human_bytes(m.activations_bytes)}")]
    if t.active_params is not None and t.active_params != t.params:
        rows.append(("Active per token", f"{t.active_params:,} params"))
    if t.decoding is not None:
        d = t.decoding
        rows.append(("Decoding", f"KV cache {human_bytes(d.kv_cache_bytes)} at {d.context:,} tokens "
                                 f"({human_bytes(d.kv_cache_bytes_per_token)} per token); "
                                 f"{d.decode_macs_per_token:,} MACs per new token"))
    return ('<table class="summary">' + "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
            + "</table>")


def _layers_table(report, index: int) -> str:
    head = "".join(f'<th data-key="{k}" class="{c}">{escape(label)}</th>' for k, label, c in (
        ("name", "Layer", ""), ("type", "Type", ""), ("shape", "Output shape", ""),
        ("params", "Params", "n"), ("macs", "MACs", "n"), ("flops", "FLOPs", "n")))
    rows = []
    for i, layer in enumerate(report.layers):
        shape = "×".join(map(str, layer.output_shape))
        inner = ' class="inner"' if layer.blocks else ""
        rows.append(f'<tr{inner} data-i="{i}"><td data-v="{escape(layer.name)}">{escape(layer.name)}</td>'
                    f'<td data-v="{escape(layer.type)}">{escape(layer.type)}</td><td data-v="{shape}">{shape}</td>'
                    + _cell(layer.params) + _cell(layer.macs) + _cell(layer.flops) + "</tr>")
    return (f'<input type="search" class="filter" data-table="#layers{index}" placeholder="Filter layers…">'
            f'<table class="layers" id="layers{index}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _blocks_chart(report) -> str:
    """Params and MACs per top-level layer or block use, as bars."""
    parts: dict[str, list[int]] = {}
    for layer in report.layers:
        key = layer.blocks[0][0] if layer.blocks else layer.name
        entry = parts.setdefault(key, [0, 0])
        entry[0] += layer.params
        entry[1] += layer.macs
    t = report.totals
    rows = []
    for key, (params, macs) in parts.items():
        if not params and not macs:
            continue
        p = 100 * params / t.params if t.params else 0
        c = 100 * macs / t.macs if t.macs else 0
        rows.append(f"<tr><td>{escape(key)}</td><td><span class=\"bar p\" style=\"width:{p * 2:.1f}px\"></span> "
                    f"{p:.1f}%</td><td><span class=\"bar\" style=\"width:{c * 2:.1f}px\"></span> {c:.1f}%</td></tr>")
    return ("<table><thead><tr><th>Part</th><th>Share of params</th><th>Share of MACs</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _comparison(reports) -> str:
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


def growth_svg(result, width: int = 520, height: int = 300) -> str:
    """Params and MACs against the input side, log–log, with their fitted exponents."""
    points = [p for p in result.points if p.report is not None]
    if len(points) < 2:
        return "<p>Fewer than two sizes analysed: no curve.</p>"
    series = [("MACs", [p.report.totals.macs for p in points], "#fd7e14", result.macs_exponent),
              ("params", [p.report.totals.params for p in points], "#4263eb", result.params_exponent)]
    xs = [math.log(p.size) for p in points]
    ys = [math.log(v) for _, values, _, _ in series for v in values if v > 0]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    y1 = y1 if y1 > y0 else y0 + 1

    def sx(x):
        return 50 + (x - x0) / ((x1 - x0) or 1) * (width - 70)

    def sy(y):
        return height - 40 - (y - y0) / (y1 - y0) * (height - 60)

    out = [f'<svg class="growth" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           'font-family="system-ui, sans-serif" font-size="11">',
           f'<line x1="50" y1="{height - 40}" x2="{width - 20}" y2="{height - 40}" stroke="currentColor"/>',
           f'<line x1="50" y1="20" x2="50" y2="{height - 40}" stroke="currentColor"/>']
    for p, x in zip(points, xs):
        out.append(f'<text x="{sx(x):.1f}" y="{height - 25}" text-anchor="middle">{p.size}</text>')
    for i, (label, values, colour, exponent) in enumerate(series):
        coords = [(sx(x), sy(math.log(v))) for x, v in zip(xs, values) if v > 0]
        out.append(f'<polyline points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in coords)}" fill="none" '
                   f'stroke="{colour}" stroke-width="2"/>')
        text = f"{label} ∝ size^{exponent:.2f}" if exponent is not None else label
        out.append(f'<text x="60" y="{30 + 14 * i}" fill="{colour}">{escape(text)}</text>')
    out.append(f'<text x="{width / 2:.0f}" y="{height - 8}" text-anchor="middle">input side (log scale)</text>')
    out.append("</svg>")
    return "".join(out)


def render_report(reports, depth=None, scalings=()) -> str:
    title = ", ".join(r.name for r in reports)
    body = [f"<h1>archcalc report: {escape(title)}</h1>"]
    if len(reports) > 1:
        body += ["<h2>Comparison</h2>", _comparison(reports)]
    for i, report in enumerate(reports):
        body += [f'<h2 id="model{i}">{escape(report.name)}</h2>', _summary(report),
                 "<h3>Where params and MACs go</h3>", _blocks_chart(report),
                 "<h3>Drawing</h3>", f'<div class="drawing">{render_svg(build(report, depth), standalone=False)}</div>',
                 "<h3>Layers</h3>", _layers_table(report, i)]
    for result in scalings:
        body += [f"<h2>{escape(result.name)}: cost by input size</h2>", growth_svg(result)]
    data = script_json([{"name": r.name, "params": r.totals.params, "macs": r.totals.macs} for r in reports])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{''.join(body)}"
            f"<script type=\"application/json\" id=\"archcalc-data\">{data}</script>"
            f"<script>{SCRIPT}</script></body></html>\n")
