"""`verify --fields`: the analysis's receptive fields against the reference's exact dependency
sets, for every shipped spec, at an input where deep layers' fields lie inside it.

Bounded work: the reference follows one set per position along each axis (not per pixel), so
even DenseNet-121 at 2,464×2,464 takes about a second; each image spec is scaled by the
smallest whole factor that makes its input larger than its widest field (plus one factor, so
that positions away from the edges exist), and the language models run at 64 tokens. Mistral's
sliding windows stack (32 layers of 4,096 reach 131,040 tokens back): it runs at 64 tokens more
than one window, where its first layer's fields lie inside the sequence and deeper ones do not."""

import json

import pytest
from click.testing import CliRunner

from archcalc import analyze, load
from archcalc.cli import cli
from archcalc.errors import SpecError
from archcalc.layers import RULES
from archcalc.verify_fields import verify_fields

from helpers import SPECS

SPEC_FILES = sorted(SPECS.rglob("*.yaml"))
IDS = [str(p.relative_to(SPECS)) for p in SPEC_FILES]
SEQUENCE = 64             # tokens for the language models: their fields do not depend on the length


# A spec whose other inputs feed layers sized for them (a slice of fixed bounds): only its volume grows.
CHOSEN = {"seed/all_layers_v2.yaml": {"volume": "16,16,16,2"}}


def interior(path):
    """The spec at an input where the widest field fits inside: every spatial axis multiplied."""
    settings = {}
    chosen = CHOSEN.get(str(path.relative_to(SPECS)))
    if chosen:
        return load(path, input=chosen)
    graph = load(path)
    if all(len(shape) == 1 for _, shape in graph.inputs):                  # token ids
        if len(graph.inputs) > 1:
            return graph
        short = load(path, input=str(SEQUENCE))
        # A sliding window (Mistral's 4,096) starts before token 0 until the sequence outgrows it:
        # long enough for the first layer's window (its 32 stacked windows reach 131,040 back).
        first = next((-n for row in analyze(short).layers for n in row.field_offset or () if n and n < 0), 0)
        return load(path, input=str(SEQUENCE + first)) if first else short
    widest = max((n for layer in analyze(graph).layers for n in layer.receptive_field or () if n), default=1)
    side = min(graph.input[:-1]) if len(graph.input) > 1 else graph.input[0]
    for factor in range(-(-widest // side) + 1, 0, -1):
        if path.stem == "shufflenet_v2_x1_0":        # its reshapes are written in terms of the image side
            settings["set"] = {"size": graph.input[0] * factor}
        scaled = [n * factor for n in graph.input[:-1]] + [graph.input[-1]] if len(graph.input) > 1 else [side]
        try:
            scaled_graph = load(path, input=",".join(map(str, scaled)), **settings)
            analyze(scaled_graph)
            return scaled_graph
        except SpecError:        # a spec whose branches are sized for its own input (seed/all_layers)
            continue
    return graph


@pytest.mark.parametrize("path", SPEC_FILES, ids=IDS)
def test_every_spec_agrees_with_the_reference_where_fields_are_interior(path):
    result = verify_fields(interior(path))
    assert result.agrees, [(c.name, c.problems) for c in result.checks if not c.agrees][:3]
    assert result.whole_input_layer == result.reference_whole_input_layer
    # Every layer with a spatial axis was compared somewhere (a position, or a hull).
    report = analyze(interior(path))
    untested = [c.name for c, row in zip(result.checks, report.layers) if row.receptive_field and not c.compared]
    if path.stem == "mistral_7b":      # only the first layer's window fits: later ones reach further back
        assert "model.layers.0.self_attn" not in untested and "model.layers.1.self_attn" in untested
    else:
        assert not untested


def test_a_wrong_field_transfer_is_caught(monkeypatch):
    from archcalc.fieldmaps import moved, window
    conv = RULES["conv2d"]

    def off_by_one(call, inputs):           # a window read one position too far to the right
        return moved(inputs[0], {axis: window(k, s, 0) for axis, (k, s) in
                                 enumerate(zip(call["kernel"], call["stride"]))})
    monkeypatch.setitem(RULES, "conv2d", conv._replace(fields=off_by_one))
    result = verify_fields(load(SPECS / "resnet18.yaml"))
    assert not result.agrees
    assert not next(c for c in result.checks if c.name == "conv1").agrees


def test_verify_fields_on_the_command_line():
    runner = CliRunner()
    table = runner.invoke(cli, ["verify", str(SPECS / "resnet18.yaml"), "--fields"])
    assert table.exit_code == 0, table.output
    assert "68 of 68 layers agree" in table.output
    data = json.loads(runner.invoke(cli, ["verify", str(SPECS / "vgg16.yaml"), "--fields", "--format", "json"]).output)
    assert data["agrees"] and data["whole_input_layer"] == data["reference_whole_input_layer"] == "classifier.0"


def test_value_pass_options_are_refused_with_fields():
    result = CliRunner().invoke(cli, ["verify", str(SPECS / "resnet18.yaml"), "--fields", "--seed", "3"])
    assert result.exit_code == 2
    assert "--seed applies to the value pass" in result.output
