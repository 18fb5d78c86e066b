"""JSON Lines for streaming consumers: one JSON object per line. `analyze` writes, per model, a
line with everything but the layers (`"record": "model"`), then one line per layer
(`"record": "layer"`, with the model's name); the other views are one line each."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Iterator

from ..text import json_escaped
from . import jsonfmt


def _line(data) -> str:
    return json_escaped(json.dumps(data, ensure_ascii=False))


def analysis_chunks(reports, options) -> Iterator[str]:
    """`analysis` in pieces, for writing as they come (`archcalc analyze` does)."""
    for report in reports:
        data = report._replace(layers=()).to_dict()
        del data["layers"]
        yield _line({"record": "model", **data}) + "\n"
        # The layer lines are jsonfmt's rows with two keys in front.
        head = f'{{"record": "layer", "model": {encode_basestring(report.name)}, '
        layers, dtype, batch = report.layers, report.dtype, report.batch
        times = jsonfmt.layer_times(report)
        for at in range(0, len(layers), jsonfmt.ROWS_PER_CHUNK):
            yield json_escaped("".join(head + jsonfmt.layer_json(layer, dtype, batch, times[i])[1:] + "\n"
                                       for i, layer in enumerate(layers[at:at + jsonfmt.ROWS_PER_CHUNK], at)))


def analysis(reports, options) -> str:
    return "".join(analysis_chunks(reports, options))


def fields(reports, options) -> str:
    """The fields view: the analysis's lines, which always carry the fields keys."""
    return analysis(reports, options)


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


def sweep_chunks(view, options) -> Iterator[str]:
    """One line per point, as it comes: settings, totals, within_budget (measured, pareto)."""
    from ..sweep.lines import point_line
    for point in view.points:
        yield point_line(point)


def sweep(view, options) -> str:
    return "".join(sweep_chunks(view, options))
