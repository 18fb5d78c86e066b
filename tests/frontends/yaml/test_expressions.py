"""Integer expressions in spec values (frontends/yaml/expressions.py), each value by hand."""

import pytest

from archcalc.frontends.yaml.expressions import ExpressionError, evaluate, is_expression, is_reference

VALUES = {"k": 3, "c": 20, "w": 96, "se": True, "off": False, "half": 1.5, "act": "relu"}

CASES = [
    ("$k // 2", 1),                     # 3 // 2
    ("($c + 7) // 8 * 8", 24),          # 27 // 8 = 3; 3 · 8
    ("max($c // 4, 8)", 8),             # max(5, 8)
    ("min($c, $w, 100)", 20),
    ("-$k + 2", -1),
    ("$c % 6", 2),
    ("$w * 4 - $c", 364),               # 384 - 20
    ("2 + 3 * 4", 14),                  # precedence: * before +
    ("(2 + 3) * 4", 20),
    ("$w > 64", True),
    ("$w <= 64", False),
    ("$k == 3 and $se", True),
    ("not $se or $k != 3", False),
    ("not $off", True),
    ("$act == $act", True),             # equality works on any values
    ("true and false", False),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_evaluate(text, expected):
    assert evaluate(text, VALUES) == expected


ERRORS = [
    ("$nope + 1", "unknown argument '$nope'"),
    ("$k // 0", "division by zero"),
    ("$k % (1 - 1)", "division by zero"),
    ("$half * 2", "'*' needs integers, got 1.5"),
    ("$se + 1", "'+' needs integers, got True"),
    ("$k and $se", "'and' needs true or false, got 3"),
    ("$k +", "unexpected end of expression"),
    ("($k + 1", "expected ')'"),
    ("layer_$k", "unknown word 'layer_'"),
    ("$k ** 2", "unexpected '*'"),
    ("$k " + "+ 1 " * 200, "longer than 400 characters"),
    ("-" * 40 + "$k", "nested more than 32 deep"),
    ("(" * 40 + "$k" + ")" * 40, "nested more than 32 deep"),
]


@pytest.mark.parametrize("text, message", ERRORS)
def test_errors(text, message):
    with pytest.raises(ExpressionError, match=None) as info:
        evaluate(text, VALUES)
    assert message in str(info.value)


@pytest.mark.parametrize("text, reference, expression", [
    ("$k", True, False), ("$k // 2", False, True), ("k", False, False), ("$ 2", False, False),
    ("price: 5$", False, False),
])
def test_kinds(text, reference, expression):
    assert (is_reference(text), is_expression(text)) == (reference, expression)
