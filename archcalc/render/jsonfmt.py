"""JSON for scripts: exact integers, CONTRACT §3 keys (one object per spec, a list for several)."""

from __future__ import annotations

import json


def _dump(items) -> str:
    data = items[0] if len(items) == 1 else items
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def analysis(reports, options) -> str:
    return _dump([r.to_dict() for r in reports])


def training(items, options) -> str:
    return _dump([{**report.to_dict(), "training": figures.to_dict()} for report, figures in items])


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
