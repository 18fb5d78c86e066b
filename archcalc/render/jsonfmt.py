"""JSON for scripts: exact integers, CONTRACT §3 keys (one object per spec, a list for several)."""

from __future__ import annotations

import json


def _dump(items) -> str:
    data = items[0] if len(items) == 1 else items
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _report(data: dict, pad: str) -> str:
    """A report object indented, with one compact line per layer: each line goes through the C
    encoder (indented output falls back to the pure-Python one, many times slower on a
    million layers), and a diff still shows one changed layer as one changed line."""
    parts = []
    for key, value in data.items():
        if key == "layers":
            rows = ",\n".join(f"{pad}    " + json.dumps(row, ensure_ascii=False) for row in value)
            parts.append(f'{pad}  "layers": [\n{rows}\n{pad}  ]' if value else f'{pad}  "layers": []')
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad + "  ")
            parts.append(f"{pad}  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n" + pad + "}"


def _reports(dicts: list[dict]) -> str:
    if len(dicts) == 1:
        return _report(dicts[0], "") + "\n"
    return "[\n" + ",\n".join("  " + _report(d, "  ") for d in dicts) + "\n]\n"


def analysis(reports, options) -> str:
    return _reports([r.to_dict() for r in reports])


def training(items, options) -> str:
    return _reports([{**report.to_dict(), "training": figures.to_dict()} for report, figures in items])


def _number(value):
    # Quotients (MACs per param) are the only non-integers; round them for readers.
    return round(float(value), 4) if value is not None and not isinstance(value, int) else value


def comparison(cmp, options) -> str:
    from ..compare import ratio
    models = []
    for i, name in enumerate(cmp.names):
        figures = {m.key: _number(m.values[i]) for m in cmp.metrics}
        ratios = {m.key: _number(ratio(m.values[0], m.values[i])) for m in cmp.metrics}
        models.append({"name": name, "input": list(cmp.inputs[i]), **figures,
                       "ratio_first_to_this": ratios})
    return json.dumps({"base": cmp.names[0], "models": models}, indent=2, ensure_ascii=False) + "\n"


def budgets(results, options) -> str:
    from dataclasses import asdict
    data = [{"name": r.name, "file": r.file, "within_budget": r.within,
             "budgets": [{**asdict(line), "within": line.within, "headroom": line.headroom}
                         for line in r.lines]}
            for r in results]
    return _dump(data)


def scaling(result, options, show_layers=False) -> str:
    points = []
    for p in result.points:
        point = {"size": p.size, "input": list(p.input)}
        if p.report is None:
            point["error"] = p.error
        else:
            point.update(params=p.report.totals.params, macs=p.report.totals.macs, flops=p.report.totals.flops)
            if show_layers:
                point["layers"] = [{"name": layer.name, "params": layer.params, "macs": layer.macs}
                                   for layer in p.report.layers]
        points.append(point)
    data = {"name": result.name, "points": points,
            "exponents": {"params": result.params_exponent, "macs": result.macs_exponent}}
    if show_layers:
        data["layer_exponents"] = [{"name": n, "params": pe, "macs": me} for n, pe, me in result.layer_exponents]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
