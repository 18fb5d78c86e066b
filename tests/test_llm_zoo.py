"""specs/llm: transformer specs (written by `archcalc import` from the models' config.json files)
against the published parameter counts (sources in tests/frontends/test_huggingface.py)."""

import pytest

import archcalc

from helpers import SPECS

LLM = [
    ("gpt2_small", 124_439_808, None),
    ("bert_base", 109_514_298, None),
    ("llama3_8b", 8_030_261_248, None),
    ("mistral_7b", 7_241_732_096, None),
    ("mixtral_8x7b", 46_702_792_704, 12_879_925_248),
    ("t5_small", 60_506_624, None),
]


@pytest.mark.parametrize("name, params, active", LLM)
def test_llm_spec(name, params, active):
    report = archcalc.analyze(SPECS / "llm" / f"{name}.yaml")
    assert report.name == name and report.totals.params == params
    assert report.totals.active_params == (active or params)


def test_gpt2_small_tied_head():
    report = archcalc.analyze(SPECS / "llm" / "gpt2_small.yaml")
    head = report.layers[-1]
    assert (head.name, head.tied_to, head.params) == ("lm_head", "transformer.wte", 0)
