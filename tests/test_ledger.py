"""The ledger (benchmarks/ledger.py, printed in docs/devices.md): archcalc's lower bound is never
slower than a published measurement it is comparable with. A ratio under 1 would mean the device
table or a count is wrong; the rows marked not comparable say why in the ledger."""

import importlib.util

import pytest

from helpers import ROOT

spec = importlib.util.spec_from_file_location("ledger", ROOT / "benchmarks" / "ledger.py")
ledger = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ledger)


@pytest.mark.parametrize("case", ledger.CASES, ids=[f"{c.model}-{c.device}-{c.settings['dtype']}"
                                                     for c in ledger.CASES])
def test_the_bound_is_never_slower_than_a_measurement(case):
    row = ledger.evaluate(case)
    if case.comparable:
        assert row.ratio >= 1, f"{case.model} on {case.device}: bound {row.bound:,.1f}/s < measured"
    else:
        assert case.note.startswith("not comparable")


def test_the_ledger_covers_what_the_issue_asks():
    comparable = [c for c in ledger.CASES if c.comparable]
    for model in ("ResNet-50", "BERT-Large"):
        assert len({c.device for c in comparable if c.model.startswith(model)}) >= 3
    assert len({c.device for c in comparable if c.model.endswith("decode")}) >= 3


def test_docs_print_the_ledger_as_the_script_computes_it():
    docs = (ROOT / "docs" / "devices.md").read_text(encoding="utf-8")
    assert ledger.table([ledger.evaluate(case) for case in ledger.CASES]) in docs
