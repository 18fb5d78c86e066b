"""Every rule states its field transfer, the reference has a dependency kernel for every
type, and docs/layers.md gives every type's field rule: no type can silently have none."""

import re

from archcalc.layers import RULES
from archcalc.reference import fields_mixing  # noqa: F401  (registers the joining kernels)
from archcalc.reference.fields import DEP_KERNELS

from helpers import ROOT


def rules_without_a_field_transfer(rules) -> list[str]:
    return sorted(name for name, rule in rules.items() if not callable(rule.fields))


def test_every_rule_states_its_field_transfer():
    assert rules_without_a_field_transfer(RULES) == []


def test_a_rule_without_one_is_found():
    broken = {**RULES, "conv2d": RULES["conv2d"]._replace(fields=None)}
    assert rules_without_a_field_transfer(broken) == ["conv2d"]


def test_the_reference_follows_every_type():
    assert sorted(set(RULES) - set(DEP_KERNELS)) == []


def test_docs_give_every_type_its_field_rule():
    text = (ROOT / "docs" / "layers.md").read_text()
    section = text[text.index("## What each layer sees"):]
    named = set(re.findall(r"`([a-z0-9_]+)`", section))
    assert sorted(set(RULES) - named) == []
