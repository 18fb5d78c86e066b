"""JSON for scripts: exact integers under the keys docs/output.md lists (one object per spec, a
list for several)."""

from __future__ import annotations

import json
from json.encoder import encode_basestring      # how json.dumps(ensure_ascii=False) quotes a string
from math import prod
from typing import Iterator

from ..dtypes import nbytes
from ..text import json_escaped


def _dumps(data) -> str:
    """JSON text, strings exact; what could drive a terminal written as \\u escapes (json_escaped)."""
    return json_escaped(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def _dump(items) -> str:
    return _dumps(items[0] if len(items) == 1 else items)


# Layers per piece of streamed output: large enough that writing costs little per layer,
# small enough that a million-layer report never exists as one string.
ROWS_PER_CHUNK = 2000


def layer_json(layer, dtype, batch: int, extra: str = "") -> str:
    """`json.dumps(layer.to_dict(dtype, batch), ensure_ascii=False)`, written out directly:
    going through a dict and the encoder took four times as long, most of a million-layer
    report's output (benchmarks/bench_output.py). tests/render/test_streamed_formats.py holds the two
    equal, byte for byte."""
    q = encode_basestring
    tied = "" if layer.tied_to is None else f', "tied_to": {q(layer.tied_to)}'
    tied += ", " + json.dumps(layer.fields_dict(), ensure_ascii=False)[1:-1]
    if layer.blocks:
        tied += ', "blocks": [' + ", ".join(f'{{"name": {q(use)}, "type": {q(block)}}}'
                                            for use, block in layer.blocks) + "]"
    return (f'{{"name": {q(layer.name)}, "type": {q(layer.type)}, "inputs": [{", ".join(map(q, layer.inputs))}], '
            f'"output_shape": [{", ".join(map(str, layer.output_shape))}], "params": {layer.params}, '
            f'"trainable_params": {layer.trainable_params}, "buffers": {layer.buffers}, "macs": {layer.macs}, '
            f'"flops": {layer.flops}, "params_bytes": {nbytes(layer.params + layer.buffers, dtype.weights)}, '
            f'"activation_bytes": {nbytes(prod(layer.output_shape) * batch, dtype.activations)}, '
            f'"bytes_moved": {layer.bytes_moved}, "arithmetic_intensity": {json.dumps(layer.arithmetic_intensity)}'
            f'{tied}{extra}}}')


def layer_times(report) -> list[str]:
    """Each layer's `bound` and `seconds` on the device as JSON members ("" without a device)."""
    roofline = report.totals.roofline
    if roofline is None:
        return [""] * len(report.layers)
    return [f', "bound": "{t.bound}", "seconds": {json.dumps(t.seconds)}' for t in roofline.layers]


def _report_chunks(report, data: dict, pad: str) -> Iterator[str]:
    """A report object indented, with one compact line per layer (a diff shows one changed
    layer as one changed line). `data` is the report's dict without its layers' rows, which
    are written from `report` in pieces."""
    yield "{\n"
    first = True
    for key, value in data.items():
        yield "" if first else ",\n"
        first = False
        if key != "layers":
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad + "  ")
            yield f"{pad}  {json.dumps(key)}: {text}"
        elif not report.layers:
            yield f'{pad}  "layers": []'
        else:
            yield f'{pad}  "layers": [\n'
            layers, dtype, batch, indent = report.layers, report.dtype, report.batch, pad + "    "
            times = layer_times(report)
            for at in range(0, len(layers), ROWS_PER_CHUNK):
                rows = ",\n".join(indent + layer_json(layer, dtype, batch, times[i])
                                   for i, layer in enumerate(layers[at:at + ROWS_PER_CHUNK], at))
                yield rows if at == 0 else ",\n" + rows
            yield f"\n{pad}  ]"
    yield "\n" + pad + "}"


def _reports_chunks(items) -> Iterator[str]:
    """`items`: (report, its dict without layer rows) pairs; one object, or a list of them."""
    if len(items) == 1:
        report, data = items[0]
        yield from _report_chunks(report, data, "")
        yield "\n"
        return
    yield "["
    for i, (report, data) in enumerate(items):
        yield "\n  " if i == 0 else ",\n  "
        yield from _report_chunks(report, data, "  ")
    yield "\n]\n"


def _without_rows(report) -> dict:
    return report._replace(layers=()).to_dict()


def analysis_chunks(reports, options) -> Iterator[str]:
    """`analysis` in pieces, for writing as they come (`archcalc analyze` does)."""
    return map(json_escaped, _reports_chunks([(r, _without_rows(r)) for r in reports]))


def analysis(reports, options) -> str:
    return "".join(analysis_chunks(reports, options))


def fields(reports, options) -> str:
    """The fields view: the analysis's JSON, which always carries the fields keys."""
    return analysis(reports, options)


def training(items, options) -> str:
    return json_escaped("".join(_reports_chunks([(report, {**_without_rows(report), **_train_device(figures),
                                                           "training": figures.to_dict()})
                                                 for report, figures in items])))


def _train_device(figures) -> dict:
    return {} if figures.device is None else {"device": figures.device.device_dict()}


def _number(value):
    # Quotients (MACs per param) are the only non-integers; round them for readers.
    # Times (floats already) keep every digit; names (compare's whole-input layer) stay text.
    if value is None or isinstance(value, (int, float, str)):
        return value
    return round(float(value), 4)


def comparison(cmp, options) -> str:
    from ..compare import ratio
    models = []
    for i, name in enumerate(cmp.names):
        figures = {m.key: _number(m.values[i]) for m in cmp.metrics}
        ratios = {m.key: _number(ratio(m.values[0], m.values[i])) for m in cmp.metrics if m.unit != "name"}
        models.append({"name": name, "input": list(cmp.inputs[i]), **figures,
                       "ratio_first_to_this": ratios})
    return _dumps({"base": cmp.names[0], "models": models})


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
    return _dumps(data)


def sweep_chunks(view, options) -> Iterator[str]:
    """A list of the points' objects (as the JSON lines' records), one object per line."""
    from ..sweep.lines import point_record
    opened = "["
    for point in view.points:
        yield opened + "\n  " + json_escaped(json.dumps(point_record(point), ensure_ascii=False))
        opened = ","
    yield "]\n" if opened == "[" else "\n]\n"


def sweep(view, options) -> str:
    return "".join(sweep_chunks(view, options))
