"""JSON, JSON lines and CSV written in pieces: the same text as the whole, byte for byte.

`jsonfmt.layer_json` writes a layer's row without building a dict; these tests hold it equal
to `json.dumps(layer.to_dict(...))`, the definition of a row, for arbitrary layers."""

import csv
import io
import json

from hypothesis import given, settings, strategies as st

from archcalc.dtypes import BITS, Dtypes
from archcalc.render import Options, analysis_pieces
from archcalc.render import csvfmt, jsonfmt, jsonlfmt, markdown
from archcalc.report import LayerReport

from helpers import one_layer

# Text with what JSON must escape: quotes, backslashes, control characters, and non-ASCII.
names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
sizes = st.integers(min_value=0, max_value=2**70)
dtype_names = st.sampled_from(sorted(BITS))


@st.composite
def layers(draw):
    params = draw(sizes)
    return LayerReport(
        name=draw(names), type=draw(names), inputs=tuple(draw(st.lists(names, max_size=3))),
        output_shape=tuple(draw(st.lists(st.integers(1, 2**20), max_size=4))), params=params,
        trainable_params=draw(st.integers(0, params)), buffers=draw(sizes), macs=draw(sizes), flops=draw(sizes),
        tied_to=draw(st.none() | names), bytes_moved=draw(sizes))


@given(layers(), dtype_names, dtype_names, st.integers(1, 2**31))
@settings(max_examples=300, deadline=None)
def test_a_row_is_the_dumped_dict(layer, weights, activations, batch):
    dtype = Dtypes(weights, activations, activations, plain=False)
    assert jsonfmt.layer_json(layer, dtype, batch) == json.dumps(layer.to_dict(dtype, batch), ensure_ascii=False)


def _many_layers():
    # More layers than one piece holds (ROWS_PER_CHUNK), and a count that does not divide evenly.
    n = 2 * jsonfmt.ROWS_PER_CHUNK + 7
    report = one_layer([8], {"type": "relu"})
    row = report.layers[0]
    rows = tuple(row._replace(name=f"relu_{i}", inputs=(f"relu_{i - 1}",) if i else ("input",)) for i in range(n))
    return report._replace(layers=rows)


def test_json_in_pieces_is_the_report():
    report = _many_layers()
    text = "".join(jsonfmt.analysis_chunks([report], Options()))
    assert json.loads(text) == report.to_dict()
    assert text == jsonfmt.analysis([report], Options())
    # one compact line per layer, as before it was streamed
    assert sum(line.startswith('    {"name": ') for line in text.splitlines()) == len(report.layers)


def test_json_and_json_lines_in_pieces_carry_each_layers_time_on_a_device():
    from archcalc.device_table import find_device
    from archcalc.roofline_inference import with_roofline
    report = with_roofline(_many_layers(), find_device("l4"))
    text = "".join(jsonfmt.analysis_chunks([report], Options()))
    assert json.loads(text) == report.to_dict()
    assert {"bound", "seconds"} <= json.loads(text)["layers"][-1].keys()
    lines = [json.loads(line) for line in "".join(jsonlfmt.analysis_chunks([report], Options())).splitlines()]
    assert [{k: v for k, v in line.items() if k not in ("record", "model")} for line in lines[1:]] == \
        report.to_dict()["layers"]


def test_json_of_several_reports_in_pieces_is_a_list():
    report = _many_layers()
    text = "".join(analysis_pieces("json", [report, report], Options()))
    assert json.loads(text) == [report.to_dict(), report.to_dict()]


def test_json_lines_in_pieces_are_the_report():
    report = _many_layers()
    lines = [json.loads(line) for line in "".join(jsonlfmt.analysis_chunks([report], Options())).splitlines()]
    head = report.to_dict()
    rows = head.pop("layers")
    assert lines[0] == {"record": "model", **head}
    assert lines[1:] == [{"record": "layer", "model": report.name, **row} for row in rows]


def test_csv_in_pieces_is_one_table():
    report = _many_layers()
    rows = list(csv.reader(io.StringIO("".join(csvfmt.analysis_chunks([report], Options())))))
    assert rows[0][:3] == ["model", "name", "type"]
    layer_rows = [row for row in rows[1:] if row[2] not in ("model", "total")]      # then the model's figures
    assert [row[1] for row in layer_rows] == [layer.name for layer in report.layers]
    assert rows[1:len(layer_rows) + 1] == layer_rows


def test_formats_without_pieces_are_one_piece():
    report = one_layer([8], {"type": "relu"})
    assert list(analysis_pieces("markdown", [report], Options())) == [markdown.analysis([report], Options())]
