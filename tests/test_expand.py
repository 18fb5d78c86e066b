"""Blocks, repeat, $args, activation shorthand, names and trainable."""

import pytest

import archcalc
from archcalc.errors import SpecError

BASIC = {
    "basic": {
        "args": {"filters": 4, "stride": 1},
        "layers": [
            {"type": "conv2d", "name": "c1", "filters": "$filters", "kernel": 3, "stride": "$stride",
             "padding": 1, "bias": False},
            "batchnorm", "relu",
            {"type": "conv2d", "name": "c2", "filters": "$filters", "kernel": 3, "padding": 1, "bias": False},
            {"type": "batchnorm", "name": "bn2"},
            {"type": "add", "inputs": ["bn2", "in"]},
            "relu",
        ],
    }
}


def run(layers, blocks=None, input_shape=(8, 8, 4)):
    spec = {"input": list(input_shape), "layers": layers}
    if blocks:
        spec["blocks"] = blocks
    return archcalc.analyze(spec)


def test_block_repeat_names_and_counts():
    r = run([{"type": "basic", "name": "layer1", "repeat": 2}], BASIC)
    names = [layer.name for layer in r.layers]
    assert names[:3] == ["layer1.0.c1", "layer1.0.batchnorm_1", "layer1.0.relu_1"]
    assert "layer1.1.c1" in names and len(names) == 14
    # per block: two 3·3·4·4 convs + two batchnorms of 2·4
    assert r.totals.params == 2 * (2 * 144 + 2 * 8)
    assert r.layers[5].inputs == ("layer1.0.bn2", "input")
    assert r.layers[12].inputs == ("layer1.1.bn2", "layer1.0.relu_2")


def test_block_arguments_override_defaults():
    r = run([{"type": "basic", "name": "b", "filters": 8, "stride": 2},], {
        **BASIC, "basic": {**BASIC["basic"], "layers": BASIC["basic"]["layers"][:5]}})
    assert r.layers[0].output_shape == (4, 4, 8)


def test_unnamed_block_use_and_default_layer_names():
    r = run(["relu", "relu", {"type": "basic"}], BASIC)
    assert [layer.name for layer in r.layers][:3] == ["relu_1", "relu_2", "basic_1.c1"]


def test_nested_blocks():
    blocks = {**BASIC, "stage": {"args": {"n": 1}, "layers": [{"type": "basic", "name": "b", "repeat": "$n"}]}}
    r = run([{"type": "stage", "name": "s", "n": 3}], blocks)
    assert r.layers[-1].name == "s.b.2.relu_2"
    assert r.layers[-1].blocks == (("s", "stage"), ("s.b.2", "basic"))


def test_repeat_plain_layer():
    r = run([{"type": "dense", "name": "fc", "units": 4, "repeat": 3}], input_shape=[4])
    assert [layer.name for layer in r.layers] == ["fc.0", "fc.1", "fc.2"]
    assert r.totals.params == 3 * 20   # each 4·4 weights + 4 biases


def test_activation_shorthand_appends_a_layer():
    r = run([{"type": "dense", "name": "fc", "units": 4, "activation": "gelu"}, "softmax"], input_shape=[4])
    assert [(layer.name, layer.type) for layer in r.layers] == [
        ("fc", "dense"), ("fc_gelu", "gelu"), ("softmax_1", "softmax")]
    assert r.layers[2].inputs == ("fc_gelu",)


def test_activation_linear_or_null_adds_nothing():
    for value in ("linear", None):
        r = run([{"type": "dense", "units": 4, "activation": value}], input_shape=[4])
        assert [layer.type for layer in r.layers] == ["dense"]


def test_trainable_false_freezes_a_block():
    r = run([{"type": "basic", "name": "frozen", "trainable": False}, {"type": "basic", "name": "live"}], BASIC)
    assert r.totals.non_trainable_params == r.totals.trainable_params == 2 * 144 + 2 * 8


def test_forward_reference():
    r = run([{"type": "add", "inputs": ["a", "input"]}, {"type": "relu", "name": "a", "inputs": ["input"]}],
            input_shape=[3])
    assert [layer.name for layer in r.layers] == ["a", "add_1"]


@pytest.mark.parametrize("layers, blocks, message", [
    ([{"type": "loop"}], {"loop": [{"type": "loop"}]}, "block 'loop' uses itself (loop -> loop)"),
    ([{"type": "a"}], {"a": [{"type": "b"}], "b": [{"type": "a"}]}, "block 'a' uses itself (a -> b -> a)"),
    ([{"type": "x"}], {"x": [{"type": "dense", "units": "$width"}]}, "undefined argument '$width'"),
    ([{"type": "x", "widht": 3}], {"x": {"args": {"width": 2}, "layers": ["relu"]}},
     "unknown argument 'widht' for block 'x' (did you mean 'width'?)"),
    ([{"type": "x"}], {"x": {"args": {"width": None}, "layers": ["relu"]}}, "needs argument 'width'"),
    ([{"type": "relu", "name": "a"}, {"type": "relu", "name": "a"}], None, "duplicate layer name 'a'"),
    ([{"type": "relu", "inputs": ["nope"]}], None, "undefined input 'nope'"),
    ([{"type": "add", "name": "a", "inputs": ["b", "input"]}, {"type": "relu", "name": "b", "inputs": ["a"]}],
     None, "cycle in layer inputs"),
    ([{"type": "dense", "units": 0}], None, "expected an integer >= 1, got 0"),
    ([{"type": "dense", "units": 2.5}], None, "expected an integer, got number 2.5"),
    ([{"type": "dense", "units": 2, "activation": "dense"}], None, "must name an activation"),
    ([{"type": "relu", "name": "input"}], None, "reserved"),
])
def test_errors(layers, blocks, message):
    with pytest.raises(SpecError) as info:
        run(layers, blocks, input_shape=[4])
    assert message in str(info.value)


# Entries written alike are read and bound once (by content); a value equal in Python but of
# another type (`1` for `true`, `8.0` for `8`) is another entry, checked on its own.
@pytest.mark.parametrize("first, second, message", [
    ({"units": 8}, {"units": 8.0}, "4:26: dense layer 'dense_2': 'units': expected an integer, got number 8.0"),
    ({"units": 8, "bias": True}, {"units": 8, "bias": 1},
     "4:35: dense layer 'dense_2': 'bias': expected true or false, got integer 1"),
    ({"units": 8, "trainable": True}, {"units": 8, "trainable": 1},
     "4:40: 'trainable' must be true or false, got integer 1"),
])
def test_an_entry_equal_to_an_earlier_one_but_of_another_type_is_checked(first, second, message):
    def flow(entry):
        return "{type: dense, " + ", ".join(f"{k}: {str(v).lower()}" for k, v in entry.items()) + "}"
    text = f"input: [4]\nlayers:\n  - {flow(first)}\n  - {flow(second)}\n"
    with pytest.raises(SpecError) as error:
        archcalc.analyze_text(text)
    assert str(error.value) == f"<string>:{message}"


# -- names as frameworks write them (the zoo's module paths) -------------------------------

@pytest.mark.parametrize("entry, names", [
    ({"type": "relu", "name": "layer{i}", "repeat": 3}, ["layer0", "layer1", "layer2"]),
    ({"type": "relu", "name": "denselayer{i}", "repeat": 2, "index_from": 1}, ["denselayer1", "denselayer2"]),
    ({"type": "relu", "name": "block2-{i}", "repeat": 2, "index_from": 1}, ["block2-1", "block2-2"]),
    ({"type": "relu", "name": "r", "repeat": 2, "index_from": 4}, ["r.4", "r.5"]),
    ({"type": "relu", "name": "{i}", "repeat": 2, "index_from": 1}, ["1", "2"]),
])
def test_repetitions_number_themselves(entry, names):
    assert [layer.name for layer in run([entry]).layers] == names


@pytest.mark.parametrize("entry, message", [
    ({"type": "relu", "name": "r", "index_from": 1}, "'index_from' numbers the repetitions of a 'repeat'"),
    ({"type": "relu", "repeat": 2, "index_from": -1}, "'index_from' must be an integer >= 0"),
    ({"type": "relu", "repeat": 2, "index_from": True}, "'index_from' must be an integer >= 0"),
])
def test_index_from_refusals(entry, message):
    with pytest.raises(SpecError, match=message):
        run([entry])


def test_numbered_names_collide_with_a_written_one():
    with pytest.raises(SpecError, match="duplicate layer name 'relu1'"):
        run([{"type": "relu", "name": "relu1"}, {"type": "relu", "name": "relu{i}", "repeat": 2, "index_from": 1}])


def test_a_namespace_block_only_prefixes_names():
    blocks = {"features": {"namespace": True, "layers": [{"type": "basic", "name": "0"}, {"type": "relu", "name": "1"}]},
              **BASIC}
    r = run([{"type": "features", "name": "features"}, {"type": "global_avgpool", "name": "pool"}], blocks)
    assert r.layers[0].name == "features.0.c1" and r.layers[0].blocks == (("features.0", "basic"),)
    assert r.layers[7].name == "features.1" and r.layers[7].blocks == ()      # a top-level layer, as written flat
    plain = run([{"type": "basic", "name": "b"}, {"type": "relu"}, {"type": "global_avgpool"}], BASIC)
    # every figure the same; the zoom-out points name the same layer, spelt as each spec names it
    assert r.totals._replace(whole_input_layer=None, input_sized_field_layer=None) == \
        plain.totals._replace(whole_input_layer=None, input_sized_field_layer=None)
    assert (r.totals.whole_input_layer, plain.totals.whole_input_layer) == ("pool", "global_avgpool_1")


def test_a_dotted_name_reaches_inside_a_block_use():
    blocks = {"model": {"namespace": True, "layers": [{"type": "embedding", "name": "wte", "vocab": 10, "dim": 4}]}}
    r = archcalc.analyze({"input": [3], "blocks": blocks, "layers": [
        {"type": "model", "name": "transformer"},
        {"type": "dense", "name": "lm_head", "units": 10, "bias": False, "tied_to": "transformer.wte"}]})
    assert (r["lm_head"].tied_to, r["lm_head"].params, r.totals.params) == ("transformer.wte", 0, 40)


def test_experts_name_their_router():
    mlp = {"mlp": {"layers": [{"type": "dense", "name": "up", "units": 8}]}}
    r = run([{"type": "mlp", "name": "experts", "experts": 4, "top_k": 2, "router": "gate"}], mlp, input_shape=(3, 4))
    assert [layer.name for layer in r.layers] == ["gate", "experts.up"]
    with pytest.raises(SpecError, match="'router' names the router layer"):
        run([{"type": "mlp", "name": "experts", "experts": 4, "router": "a.b"}], mlp, input_shape=(3, 4))
