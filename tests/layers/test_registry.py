"""The layer registry: every rule states its figures, and `bind` checks arguments."""

import pytest

from archcalc.errors import ArgumentError
from archcalc.layers import RULES, find_rule
from archcalc.layers.registry import Rule, Zero, zero

from helpers import only_layer
from test_layers import ACTIVATIONS, CASES


def _samples() -> dict:
    """Each type's calls in tests/test_layers.py (its table and its activations)."""
    samples: dict = {}
    for input_shape, layer, *_ in CASES:
        samples.setdefault(find_rule(layer if isinstance(layer, str) else layer["type"]).type, []).append(
            (input_shape, layer))
    for name in ACTIVATIONS:
        samples.setdefault(find_rule(name).type, []).append(([3, 5, 7], name))
    return samples


SAMPLES = _samples()
MERGES = {"add", "multiply", "concat"}       # two inputs: tests/test_merge.py has their cases


@pytest.mark.parametrize("name", sorted(set(RULES) - MERGES))
def test_every_rule_states_params_macs_and_flops(name):
    """A figure is stated either as zero("why"), which says why and is 0 on every call, or as
    a function, which gives an exact non-negative integer, above 0 on some call of the type's
    table (a function that is 0 on all of them should be a zero("why") giving its reason)."""
    rule = RULES[name]
    rows = [only_layer(shape, layer) for shape, layer in SAMPLES[name]]
    figures = {"params": (rule.params, [r.params + r.buffers for r in rows]),
               "macs": (rule.macs, [r.macs for r in rows]), "flops": (rule.flops, [r.flops for r in rows])}
    for key, (figure, values) in figures.items():
        assert all(type(v) is int and v >= 0 for v in values), f"{name}: {key} {values}"
        if isinstance(figure, Zero):
            assert figure.why.strip(), f"{name}: a zero figure must say why"
            assert not any(values), f"{name}: {key} is zero({figure.why!r}) but counted {values}"
        else:
            assert any(values), f"{name}: {key} is 0 on every case; state it as zero('why')"
    assert rule.flops_rule.strip() and rule.summary.strip()


def test_a_rule_without_a_figure_cannot_be_made():
    with pytest.raises(TypeError):
        Rule(type="t", family="f", summary="s", output_shape=lambda call: call.input,
             params=zero("none"), macs=zero("none"))          # flops left out
    with pytest.raises(ValueError, match="states no flops_rule"):
        Rule(type="t", family="f", summary="s", output_shape=lambda call: call.input,
             params=zero("none"), macs=zero("none"), flops=lambda call: 1)


def test_bind_fills_defaults_and_validates():
    assert RULES["conv2d"].bind({"filters": 4, "kernel": 3}) == {
        "filters": 4, "kernel": (3, 3), "stride": (1, 1), "padding": (0, 0), "dilation": (1, 1),
        "groups": 1, "bias": True}


@pytest.mark.parametrize("raw, n_inputs, message, key", [
    ({"units": 4, "unit": 2}, None, "unknown argument 'unit' for dense layer", "unit"),
    ({}, None, "dense layer needs argument 'units'", None),
    ({"units": 0}, None, "dense layer: 'units': expected an integer >= 1, got 0", "units"),
    ({"units": "4"}, None, "dense layer: 'units': expected an integer, got string '4'", "units"),
    ({"units": 4}, 2, "takes 1 inputs, got 2", "inputs"),
])
def test_bind_errors_carry_no_location_but_name_the_argument(raw, n_inputs, message, key):
    with pytest.raises(ArgumentError) as info:
        RULES["dense"].bind(raw, n_inputs)
    assert str(info.value).startswith(message) and info.value.key == key


def test_aliases_match_in_any_case():
    assert find_rule("LINEAR") is RULES["dense"] and find_rule("nothing") is None
