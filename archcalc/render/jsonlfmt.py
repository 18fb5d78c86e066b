"""JSON Lines for streaming consumers: one JSON object per line. `analyze` writes, per model, a
line with everything but the layers (`"record": "model"`), then one line per layer
(`"record": "layer"`, with the model's name); the other views are one line each."""

from __future__ import annotations

import json

from . import jsonfmt


def _line(data) -> str:
    return json.dumps(data, ensure_ascii=False)


def analysis(reports, options) -> str:
    lines = []
    for report in reports:
        data = report.to_dict()
        layers = data.pop("layers")
        lines.append(_line({"record": "model", **data}))
        lines += [_line({"record": "layer", "model": report.name, **layer}) for layer in layers]
    return "\n".join(lines) + "\n"


def _compact(text: str) -> str:
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    return "\n".join(_line(item) for item in items) + "\n"


def comparison(cmp, options) -> str:
    return _compact(jsonfmt.comparison(cmp, options))


def budgets(results, options) -> str:
    return _compact(jsonfmt.budgets(results, options))


def scaling(result, options, show_layers=False) -> str:
    return _compact(jsonfmt.scaling(result, options, show_layers))


def training(items, options) -> str:
    return _compact(jsonfmt.training(items, options))
