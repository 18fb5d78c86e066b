"""Keras model JSON -> spec, against what Keras said of the same models (recorded by
tests/fixtures/make_keras_fixtures.py in tests/fixtures/keras/expected.json)."""

import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.verify import verify

from helpers import ROOT, keras_chain

KERAS = ROOT / "tests" / "fixtures" / "keras"
EXPECTED = json.loads((KERAS / "expected.json").read_text())


def given_inputs(expected):
    """What the fixture script recorded Keras's figures at, for a model whose input size is open:
    given as --input NAME=SHAPE would give it."""
    return {"inputs": {name: tuple(shape) for name, shape in expected["input"].items()}} if "input" in expected else {}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_match_keras(name):
    expected = EXPECTED[name]
    report = archcalc.analyze(KERAS / f"{name}.json", **given_inputs(expected))
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


# keras.applications' models at 224×224 are too large for the pure-Python reference pass.
@pytest.mark.parametrize("name", sorted(name for name in EXPECTED if not name.startswith("applications/")))
def test_reference_pass_agrees(name):
    graph = archcalc.load(KERAS / f"{name}.json", **given_inputs(EXPECTED[name]))
    assert verify(graph).agrees


@pytest.mark.parametrize("text, message", [
    ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Foo", "config": {"name": "x", '
     '"batch_input_shape": [null, 4]}}]}}', "layer 'x': Keras class Foo has no rule"),
    ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Conv2D", "config": {"name": "c", '
     '"filters": 2, "kernel_size": 3, "data_format": "channels_first", "batch_input_shape": [null, 3, 8, 8]}}]}}',
     "layer 'c': channels_first has no rule: archcalc's shapes are channels-last"),
    ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", '
     '"units": 2, "batch_input_shape": [null, null]}}]}}',
     "input 'd_input' has no fixed shape (got [None, None]); give it with --input d_input=SHAPE"),
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
    (LAYERS % '3', "layer 0: a Keras layer must be a mapping, got integer 3"),
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


IMAGE = '{"class_name": "InputLayer", "config": {"name": "x", "batch_shape": [null, 8, 8, 3]}}, '


def functional(layer: str, output: str = '[["l", 0, 0]]') -> str:
    """A Keras 3 Functional model: the input x, then `layer` (named l) called on x."""
    return ('{"class_name": "Functional", "config": {"name": "f", "output_layers": %s, "layers": [%s%s]}}'
            % (output, IMAGE.replace('"config"', '"inbound_nodes": [], "config"'), layer))


X = '{"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0, 0]}}'


# Each value is read through a checked accessor: the refusal names the layer, the key and what
# the file holds.
@pytest.mark.parametrize("text, message", [
    (LAYERS % (IMAGE + '{"class_name": "Conv2D", "config": {"name": "c", "filters": "8", "kernel_size": 3}}'),
     "layer 'c': the Conv2D config's 'filters' must be an integer, got string '8'"),
    (LAYERS % (IMAGE + '{"class_name": "Conv2D", "config": {"name": "c", "filters": 8, "kernel_size": [3]}}'),
     "layer 'c': the Conv2D config's 'kernel_size' must be an integer or a list of 2, got list [3]"),
    (LAYERS % (IMAGE + '{"class_name": "Conv2D", "module": "mine.layers", "config": {"name": "c", "filters": 8}}'),
     "layer 'c': a custom layer class Conv2D (module string 'mine.layers') has no rule"),
    (LAYERS % (IMAGE + '{"class_name": "Normalization", "config": {"name": "n", "axis": [0]}}'),
     "layer 'n': normalising per sample of the batch (axis 0) has no rule"),
    (LAYERS % (IMAGE + '{"class_name": "CenterCrop", "config": {"name": "c", "height": 9, "width": 4}, '
               '"build_config": {"input_shape": [null, 8, 8, 3]}}'),
     "layer 'c': CenterCrop to 9×4 of a 8×8 input (Keras then resizes instead) has no rule"),
    (LAYERS % (IMAGE + '{"class_name": "Resizing", "config": {"name": "r", "height": 4, "width": 4, '
               '"interpolation": "bicubic"}}'), "layer 'r': interpolation 'bicubic' has no rule"),
    (LAYERS % (IMAGE + '{"class_name": "BatchNormalization", "config": {"name": "b", "axis": 1}, '
               '"build_config": {"input_shape": [null, 8, 8, 3]}}'),
     "layer 'b': normalising over axis 1 has no rule (the last axis, the channels, has)"),
    # found by benchmarks/fuzz_configs.py: a wrapped layer's class that is no name
    (LAYERS % ('{"class_name": "InputLayer", "config": {"batch_shape": [null, 4, 8]}}, {"class_name": '
               '"Bidirectional", "config": {"name": "b", "layer": {"class_name": {}, "config": {}}}}'),
     "layer 'b': Bidirectional around something other than LSTM, GRU or SimpleRNN has no rule"),
    (functional('{"class_name": "ReLU", "name": "l", "config": {"name": "l"}, "inbound_nodes": {"args": []}}'),
     "layer 'l': the layer entry's 'inbound_nodes' must be a list, got mapping"),
    (functional('{"class_name": "ReLU", "name": "l", "config": {"name": "l"}, "inbound_nodes": [{"args": '
                '[{"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0]}}]}]}'),
     "layer 'l': a tensor reference must be [layer name, call, tensor], got list ['x', 0]"),
    (functional('{"class_name": "Add", "module": "keras.src.ops.numpy", "name": "l", "config": {"name": "l"}, '
                '"inbound_nodes": [{"args": [2.0, %s]}]}' % X.replace('"x"', '"y"')),
     "layer 'l': reads 'y' (call 0), which is never computed"),
    (functional('{"class_name": "Subtract", "module": "keras.src.ops.numpy", "name": "l", "config": {"name": "l"}, '
                '"inbound_nodes": [{"args": [2.0, %s]}]}' % X),
     "layer 'l': the Keras operation Subtract on (number 2.0, tensor) has no rule"),
    (functional('{"class_name": "ReLU", "name": "l", "config": {"name": "l"}, "inbound_nodes": [{"args": [%s]}]}'
                % X, output='"l"'), "the Functional config's 'output_layers' must be a list, got string 'l'"),
])
def test_values_are_checked(tmp_path, text, message):
    path = tmp_path / "model.json"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_note_about_batchnorm(tmp_path):
    result = CliRunner().invoke(cli, ["analyze", str(KERAS / "cnn.json"), "--format", "json"])
    assert "params + buffers equal count_params()" in result.stderr


# keras.io's table of keras.applications (keras.io/api/applications) publishes these sizes with
# the classifier on top; the fixture script recorded Keras's own count_params() of the same models.
@pytest.mark.parametrize("name, published", [("EfficientNetB0", 5_330_571), ("InceptionV3", 23_851_784)])
def test_applications_match_the_published_sizes(name, published):
    totals = archcalc.analyze(KERAS / "applications" / f"{name}.json").totals
    assert totals.params + totals.buffers == published == EXPECTED[f"applications/{name}"]["count_params"]


def test_preprocessing_layers():
    layers = archcalc.analyze(KERAS / "preprocessing.json").layers
    of_type = lambda kind: [layer for layer in layers if layer.type == kind]
    (rescaling,), (adapted, given), (crop,) = of_type("rescale"), of_type("normalize"), of_type("slice")
    # Rescaling: nothing learned; a product and a sum (its offset) per element of 32·32·3
    assert (rescaling.params, rescaling.buffers, rescaling.flops) == (0, 0, 2 * 3072)
    # Normalization not adapted: mean and variance of the 3 channels and a count, 2·3 + 1, as buffers;
    # given mean and variance are constants of the graph: nothing stored
    assert (adapted.params, adapted.buffers, given.buffers) == (0, 7, 0)
    # CenterCrop(25, 24) of 32×32, then Resizing(16, 12), and Resizing(2, 3) of the pooled 1×1
    assert crop.output_shape == (25, 24, 3)
    assert [layer.output_shape for layer in of_type("upsample2d")] == [(16, 12, 3), (2, 3, 8)]
    # scale=False: beta only, 8; center=False too: nothing learned; running statistics 2·8 each
    assert [(layer.params, layer.buffers) for layer in of_type("batchnorm")] == [(8, 16), (0, 16)]
    # GlobalAveragePooling2D(keepdims=True): 1×1×C, not C
    assert [layer.output_shape for layer in of_type("reduce")] == [(1, 1, 8)]


def analyze_cli(path, *options):
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json", *options])
    return result.exit_code, result.stdout, result.stderr


def test_an_open_input_is_given_with_input():
    path = KERAS / "open_input.json"
    status, _, stderr = analyze_cli(path)
    assert status == 2 and "input 'image' has no fixed shape (got [None, None, None, 3]); give it with " \
        "--input image=SHAPE" in stderr and len(stderr.splitlines()) == 1
    status, stdout, _ = analyze_cli(path, "--input", "image=2,40,48,3")
    report = json.loads(stdout)
    # batch first, then Keras's own layout: H 40, W 48, C 3; the batch is the option's
    assert status == 0 and report["input"] == [40, 48, 3] and report["batch"] == 2
    assert report["layers"][-1]["output_shape"] == EXPECTED["open_input"]["output_shape"]
    # without a name, --input SHAPE is the first (here the only) input
    assert analyze_cli(path, "--input", "2,40,48,3")[1] == stdout


@pytest.mark.parametrize("option, message", [
    ("photo=1,40,48,3", "--input photo: the model has no input of that name (its inputs: image)"),
    ("image=1,40,48", "--input image: 3 sizes for an input of rank 4 ([None, None, None, 3], batch axis first)"),
])
def test_input_option_refusals(option, message):
    status, stdout, stderr = analyze_cli(KERAS / "open_input.json", "--input", option)
    assert status == 2 and stdout == "" and message in stderr and len(stderr.splitlines()) == 1


# A bug of ours (an exception in a layer's translation that is no refusal of the door's) ends in
# exit 3, "internal error", never in a line blaming the user's file.
@pytest.mark.parametrize("exception", [KeyError, TypeError, ValueError, AttributeError, IndexError])
def test_a_bug_in_a_handler_is_an_internal_error(monkeypatch, exception):
    from archcalc.frontends.keras import layers

    def broken(config, layer):
        raise exception("injected")
    monkeypatch.setitem(layers.LAYERS, "Dense", broken)
    status, stdout, stderr = analyze_cli(KERAS / "cnn.json")
    assert status == 3 and stderr.startswith(f"internal error: {exception.__name__}") and stdout == ""


class CountingDict(dict):
    """A JSON object that counts how often the door reads it."""
    reads = 0

    def get(self, *args):
        CountingDict.reads += 1
        return super().get(*args)

    def __getitem__(self, key):
        CountingDict.reads += 1
        return super().__getitem__(key)


def test_a_model_listed_last_first_costs_work_in_proportion_to_its_size(tmp_path, monkeypatch):
    # Work counted as reads of the file's mappings, not time: a sort that rescans the waiting
    # layers reads each of them once per pass, n²/2 reads for n layers listed last-first.
    n = 2000
    loads = json.loads
    monkeypatch.setattr(json, "loads", lambda text, **kw: loads(text, object_hook=CountingDict, **kw))
    reads = {}
    for reverse in (False, True):
        path = tmp_path / f"chain_{reverse}.json"
        path.write_text(json.dumps(keras_chain(n, reverse)))
        CountingDict.reads = 0
        from archcalc.frontends import import_file
        imported = import_file("keras", path.read_bytes(), str(path), None)
        reads[reverse] = CountingDict.reads
        # the same spec either way: each layer after the one it reads
        assert [layer["name"] for layer in imported.spec["layers"]] == [f"d{i}" for i in range(n)]
    # in order, a handful of reads per layer; last-first, no more than twice that (a generous bound)
    assert reads[True] <= 2 * reads[False] and reads[False] <= 50 * n


FUNCTIONAL = sorted(name for name in EXPECTED if json.loads((KERAS / f"{name}.json").read_text())["class_name"]
                    == "Functional" and "input" not in EXPECTED[name])


@pytest.mark.parametrize("name", FUNCTIONAL)
@pytest.mark.parametrize("seed", [0, 1])
def test_the_listing_order_changes_no_count(tmp_path, name, seed):
    # Keras lists a Functional model's layers in the order it built them; any other order names the
    # same calls, so the sort must give the same counts (Keras's own, recorded by the fixture script).
    import random
    model = json.loads((KERAS / f"{name}.json").read_text())
    random.Random(seed).shuffle(model["config"]["layers"])
    path = tmp_path / f"{name.replace('/', '_')}.json"
    path.write_text(json.dumps(model))
    totals = archcalc.analyze(path).totals
    assert totals.params + totals.buffers == EXPECTED[name]["count_params"]


def test_inception_resnet_scale_layer(tmp_path):
    # keras.applications.InceptionResNetV2's CustomScaleLayer, as its to_json() writes it (module and
    # config), called on [x, residual]: x + residual · 0.17
    scale = ('{"module": "keras.src.applications.inception_resnet_v2", "class_name": "CustomScaleLayer", '
             '"name": "l", "config": {"name": "l", "trainable": true, "scale": 0.17}, '
             '"inbound_nodes": [{"args": [[%s, %s]], "kwargs": {}}]}' % (X, X.replace('"x"', '"r"')))
    relu = '{"class_name": "ReLU", "name": "r", "config": {"name": "r"}, "inbound_nodes": [{"args": [%s]}]}, ' % X
    path = tmp_path / "model.json"
    path.write_text(functional(relu + scale))
    layers = archcalc.analyze(path).layers
    # the product with the constant, then the sum: one FLOP per element of 8·8·3 each, nothing learned
    assert [(layer.type, layer.flops, layer.params) for layer in layers[1:]] == \
        [("elementwise", 192, 0), ("add", 192, 0)]


@pytest.mark.parametrize("cropping, shape", [
    # NASNet's Cropping2D(((0, 1), (0, 1))) as Keras writes it: one row and one column off the end
    ([[0, 1], [0, 1]], (7, 7, 3)),
    # an integer crops both sides of both axes: 8 - 2·2
    (2, (4, 4, 3)),
])
def test_cropping(tmp_path, cropping, shape):
    crop = ('{"module": "keras.layers", "class_name": "Cropping2D", "name": "l", "config": {"name": "l", '
            '"cropping": %s, "data_format": "channels_last"}, "build_config": {"input_shape": [null, 8, 8, 3]}, '
            '"inbound_nodes": [{"args": [%s]}]}' % (json.dumps(cropping), X))
    path = tmp_path / "model.json"
    path.write_text(functional(crop))
    assert archcalc.analyze(path).layers[-1].output_shape == shape
