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


def test_a_nested_model_called_twice_counts_once():
    layers = archcalc.analyze(KERAS / "nested.json").layers
    of_type = lambda kind: [(layer.params, layer.trainable_params) for layer in layers if layer.type == kind]
    # the tower's convolution, 3·3·3·4 + 4 = 112, on its first call; its second call shares it
    assert of_type("conv2d") == [(112, 112), (0, 0)]
    # PReLU with shared_axes [1, 2]: one slope per channel, 4; shared on the second call
    assert of_type("prelu") == [(4, 4), (0, 0)]
    # the frozen head: dense 4·4 + 4 = 20, batchnorm's gamma and beta 2·4 = 8, none trainable;
    # then the classifier 4·1 + 1 = 5
    assert of_type("dense") == [(20, 0), (5, 5)] and of_type("batchnorm") == [(8, 0)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
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


# Keras 2 writes inbound nodes as [[layer, node, tensor, kwargs], ...], the input shape as
# batch_input_shape and the class of a Functional model as "Model" (older) or "Functional".
KERAS2 = {"class_name": "Model", "keras_version": "2.13.1", "backend": "tensorflow", "config": {
    "name": "keras2", "input_layers": [["input_1", 0, 0]], "output_layers": [["out", 0, 0]], "layers": [
        {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 10, 8], "name": "input_1"}},
        {"class_name": "LSTM", "name": "lstm", "inbound_nodes": [[["input_1", 0, 0, {}]]],
         "config": {"name": "lstm", "units": 16, "return_sequences": True, "use_bias": True}},
        {"class_name": "Dense", "name": "proj", "inbound_nodes": [[["lstm", 0, 0, {}]], [["add", 0, 0, {}]]],
         "config": {"name": "proj", "units": 16, "activation": "relu", "use_bias": True}},
        {"class_name": "Add", "name": "add", "inbound_nodes": [[["lstm", 0, 0, {}], ["proj", 0, 0, {}]]],
         "config": {"name": "add"}},
        {"class_name": "LeakyReLU", "name": "leaky", "inbound_nodes": [[["proj", 1, 0, {}]]],
         "config": {"name": "leaky", "alpha": 0.3}},
        {"class_name": "GlobalAveragePooling1D", "name": "pool", "inbound_nodes": [[["leaky", 0, 0, {}]]],
         "config": {"name": "pool", "data_format": "channels_last"}},
        {"class_name": "Dense", "name": "out", "inbound_nodes": [[["pool", 0, 0, {}]]],
         "config": {"name": "out", "units": 3, "activation": "linear", "use_bias": True}}]}}


def test_keras2_functional(tmp_path):
    path = tmp_path / "keras2.json"
    path.write_text(json.dumps(KERAS2))
    report = archcalc.analyze(path)
    by_name = {layer.name: layer for layer in report.layers}
    # LSTM(16) on 8 features, one bias per gate: 4·(16·(8 + 16) + 16) = 1,600
    assert by_name["lstm"].params == 1600
    # proj applied twice (node 1 reads add): 16·16 + 16 = 272 once, then shared
    assert (by_name["proj"].params, by_name["proj_call1"].params) == (272, 0)
    # 1,600 + 272 + (16·3 + 3 = 51) = 1,923
    assert report.totals.params == 1923 and list(report.layers[-1].output_shape) == [3]


def test_an_output_listed_before_a_side_branch_ends_the_spec(tmp_path):
    model = json.loads(json.dumps(KERAS2))
    model["config"]["output_layers"] = [["lstm", 0, 0]]
    path = tmp_path / "keras2.json"
    path.write_text(json.dumps(model))
    report = archcalc.analyze(path)
    # the LSTM's sequence output: 10 steps of 16 units
    assert report.layers[-1].name == "output" and list(report.layers[-1].output_shape) == [10, 16]


LAYERS = '{"class_name": "Sequential", "config": {"layers": [%s]}}'


@pytest.mark.parametrize("text, message", [
    # the stray comma is the 24th character of line 2
    ('{"class_name": "Sequential",\n "config": {"layers": [,]}}', ":2:24: not valid JSON"),
    ('{"class_name": "Sequential", "layers": []}', "not a Keras model JSON (no class_name and config)"),
    ('{"class_name": "Dense", "config": {"layers": [{}]}}', "a Keras Dense is not a Sequential or Functional model"),
    (LAYERS % '3', "layer 0 is not a Keras layer (a mapping with class_name and config), got 3"),
    (LAYERS % '{"class_name": "Dense", "config": {"name": "d", "batch_input_shape": [null, 4]}}',
     "layer 'd': the Dense config has no 'units'"),
    (LAYERS % '{"class_name": "InputLayer", "config": {"batch_shape": [null, 4, 4, 2]}}, '
     '{"class_name": "PReLU", "config": {"name": "p"}, "build_config": {"input_shape": [null, 4, 4, 2]}}',
     "layer 'p': PReLU with shared_axes None (input of rank 3) has no rule"),
    (LAYERS % '{"class_name": "InputLayer", "config": {"batch_shape": [null, 4, 8]}}, '
     '{"class_name": "MultiHeadAttention", "config": {"name": "m", "num_heads": 2, "key_dim": 4, "value_dim": 8}}',
     "layer 'm': value_dim different from key_dim has no rule"),
    (LAYERS % '{"class_name": "InputLayer", "config": {"batch_shape": [null, 4, 8]}}, '
     '{"class_name": "Bidirectional", "config": {"name": "b", "merge_mode": "sum", "layer": {}}}',
     "layer 'b': merge_mode 'sum' has no rule (concat has)"),
])
def test_bad_files(tmp_path, text, message):
    path = tmp_path / "model.json"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_note_about_batchnorm(tmp_path):
    result = CliRunner().invoke(cli, ["analyze", str(KERAS / "cnn.json"), "--format", "json"])
    assert "params + buffers equal count_params()" in result.stderr
