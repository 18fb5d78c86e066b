"""Expressions in spec values (frontends/yaml/expressions.py), each value by hand."""

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
    # numbers that are not integers (compound scaling), each worked by hand
    ("$half * 2", 3.0),
    ("$c / 8", 2.5),
    ("$k / 3", 1.0),                    # `/` always gives a float
    ("floor($c * 1.1 + 4)", 26),        # 22.0 + 4 -> 26
    ("ceil($k * 1.4)", 5),              # 4.2 -> 5
    ("ceil($k * 1.0)", 3),
    ("round(2.5)", 2),                  # halves to the even integer, as Python's round
    ("round(3.5)", 4),
    ("floor(-1.5)", -2),
    ("2 ** 10", 1024),
    ("-2 ** 2", -4),                    # the power binds tighter than unary minus, as in Python
    ("2 ** -1", 0.5),
    ("2 ** 3 ** 2", 512),               # right-associative: 2 ** 9
    ("1.5e2", 150.0),
    ("$half > 1", True),
    ("min($half, 1)", 1),
    # torchvision's _make_divisible(16 * 1.2, 8): round to 8 (16), below 0.9 · 19.2 = 17.28, so 24
    ("max(8, floor($c * 1.2 + 4) // 8 * 8, ceil(0.9 * $c * 1.2 / 8) * 8)", 24),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_evaluate(text, expected):
    assert evaluate(text, VALUES) == expected


ERRORS = [
    ("$nope + 1", "unknown argument '$nope'"),
    ("$k // 0", "division by zero"),
    ("$k % (1 - 1)", "division by zero"),
    ("$half // 2", "'//' needs integers, got 1.5"),
    ("$act * 2", "'*' needs numbers, got 'relu'"),
    ("$se + 1", "'+' needs numbers, got True"),
    ("floor($se)", "floor() needs numbers, got True"),
    ("$c / 0", "division by zero"),
    ("2 ** 1000", "larger than 2^256"),
    ("2 ** 2 ** 2 ** 2 ** 2", "larger than 2^256"),
    ("1e308 * 10", "not a finite number"),
    ("(-1) ** 0.5", "not a finite real number"),
    ("1e999 + 1", "not a finite number"),
    ("$k and $se", "'and' needs true or false, got 3"),
    ("$k +", "unexpected end of expression"),
    ("($k + 1", "expected ')'"),
    ("layer_$k", "unknown word 'layer_'"),
    ("$k *** 2", "unexpected '*'"),
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
