"""The Pareto front of hand-built points (archcalc/sweep/front.py), each case worked by hand."""

from hypothesis import given, strategies as st

from archcalc.sweep.front import front, mark_front
from archcalc.sweep.source import Point

# (label, params, macs): both minimised
POINTS = [
    ("a", 10, 100),     # the fewest params: on the front
    ("b", 20, 50),      # fewer MACs than a: on the front
    ("c", 20, 60),      # b has as many params and fewer MACs: dominated by b (a tie on one figure)
    ("d", 30, 50),      # b has fewer params and as many MACs: dominated by b
    ("e", 40, 10),      # the fewest MACs: on the front
    ("f", 40, 10),      # equal to e: neither dominates the other, so on the front with it
    ("g", 50, 60),      # b, c and d all beat it: dominated
    ("h", 10, 100),     # equal to a: on the front too
    ("i", 5, 500),      # fewest params by far: on the front
]
ON = {"a", "b", "e", "f", "h", "i"}


def points(rows, within=lambda label: True):
    return [Point(k, {"label": label}, {"params": p, "macs": m, "memory": {}}, within(label))
            for k, (label, p, m) in enumerate(rows)]


def test_front_of_a_hand_built_set_with_ties_and_equal_points():
    marked = mark_front(points(POINTS), [("params", 1), ("macs", 1)])
    assert {p.settings["label"] for p in marked if p.pareto} == ON
    assert all(p.pareto is not None for p in marked)


def test_points_over_budget_or_invalid_take_no_part():
    # With b over its budget, c and d are beaten by nothing left: c (20, 60) and d (30, 50)
    # are then both on the front (neither beats the other), g still is not (d beats it).
    marked = mark_front(points(POINTS, within=lambda label: label != "b"), [("params", 1), ("macs", 1)])
    assert {p.settings["label"] for p in marked if p.pareto} == (ON - {"b"}) | {"c", "d"}
    invalid = Point(99, {"label": "x"}, None, None, error="bad")
    assert mark_front([invalid], [("params", 1), ("macs", 1)])[0].pareto is False


def test_maximised_figure():
    rows = [Point(0, {}, {"macs": 10, "memory": {}}, True, measured={"accuracy": 70.0}),
            Point(1, {}, {"macs": 20, "memory": {}}, True, measured={"accuracy": 75.0}),
            Point(2, {}, {"macs": 20, "memory": {}}, True, measured={"accuracy": 72.0}),   # 1 beats it
            Point(3, {}, {"macs": 30, "memory": {}}, True, measured={})]                  # unmeasured: out
    marked = mark_front(rows, [("macs", 1), ("accuracy", -1)])
    assert [p.pareto for p in marked] == [True, True, False, False]


def test_three_figures():
    vectors = {0: (1, 2, 3), 1: (3, 2, 1), 2: (2, 2, 2), 3: (2, 2, 3), 4: (1, 2, 3)}
    # 3 is beaten by 2 (2 ≤ 2, 2 ≤ 2, 2 < 3); 0 and 4 are equal; the rest trade off
    assert front(vectors) == {0, 1, 2, 4}


def dominated(u, v):
    return u != v and all(a <= b for a, b in zip(u, v))


@given(st.dictionaries(st.integers(0, 50), st.tuples(*[st.integers(0, 6)] * 3), max_size=40))
def test_front_is_what_the_definition_says(vectors):
    expected = {k for k, v in vectors.items() if not any(dominated(u, v) for u in vectors.values())}
    assert front(vectors) == expected


@given(st.dictionaries(st.integers(0, 50), st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=40))
def test_front_of_two_figures_is_what_the_definition_says(vectors):
    expected = {k for k, v in vectors.items() if not any(dominated(u, v) for u in vectors.values())}
    assert front(vectors) == expected
