"""Keras model JSON -> spec, against what Keras said of the same models (recorded by
tests/fixtures/make_keras_fixtures.py in tests/fixtures/keras/expected.json)."""

import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.verify import verify

from helpers import ROOT

KERAS = ROOT / "tests" / "fixtures" / "keras"
EXPECTED = json.loads((KERAS / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_match_keras(name):
    report = archcalc.analyze(KERAS / f"{name}.json")
    expected = EXPECTED[name]
    # Keras counts batchnorm's moving statistics as non-trainable params; archcalc as buffers.
    assert report.totals.params + report.totals.buffers == expected["count_params"]
    assert report.totals.trainable_params == expected["trainable"]
    assert report.totals.non_trainable_params + report.totals.buffers == expected["non_trainable"]
    assert list(report.layers[-1].output_shape) == expected["output_shape"]


def test_keras_lstm_has_one_bias_per_gate():
    # LSTM(64) on 128 features: 4·(64·(128 + 64) + 64) = 49,408, as Keras reports
    assert archcalc.analyze(KERAS / "lstm.json").totals.params == 49408


def test_a_shared_layer_counts_once():
    report = archcalc.analyze(KERAS / "two_inputs_shared.json")
    calls = [layer for layer in report.layers if layer.name.startswith("shared")]
    assert [layer.params for layer in calls] == [16 * 4 + 4, 0]


@pytest.mark.parametrize("name", ["cnn", "two_inputs_shared", "attention", "lstm"])
def test_reference_pass_agrees(name):
    graph = archcalc.load(KERAS / f"{name}.json")
    assert verify(graph).agrees


@pytest.mark.parametrize("text, message", [
    ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Foo", "config": {"name": "x", '
     '"batch_input_shape": [null, 4]}}]}}', "layer 'x': Keras class Foo has no rule"),
    ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Conv2D", "config": {"name": "c", '
     '"filters": 2, "kernel_size": 3, "data_format": "channels_first", "batch_input_shape": [null, 3, 8, 8]}}]}}',
     "layer 'c': channels_first has no rule: archcalc's shapes are channels-last"),
    ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", '
     '"units": 2, "batch_input_shape": [null, null]}}]}}', "layer 'd': needs a fixed input shape"),
])
def test_errors(tmp_path, text, message):
    path = tmp_path / "model.json"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_note_about_batchnorm(tmp_path):
    result = CliRunner().invoke(cli, ["analyze", str(KERAS / "cnn.json"), "--format", "json"])
    assert "params + buffers equal count_params()" in result.stderr
