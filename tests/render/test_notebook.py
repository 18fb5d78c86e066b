"""The notebook view (`_repr_html_`): the summary and the top-level parts, small whatever the
model's size; every layer a method call away."""

import re

import archcalc

from helpers import SPECS


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", html)


def test_a_large_model_gives_a_small_view():
    # 20,000 blocks of two layers: the per-layer table would be megabytes
    spec = {"input": [8], "blocks": {"b": {"layers": [{"type": "dense", "units": 8}, "relu"]}},
            "layers": [{"type": "b", "name": "layer", "repeat": 20000}, {"type": "dense", "name": "head", "units": 2}]}
    report = archcalc.analyze(spec)
    html = report._repr_html_()
    assert len(html) < 4000
    assert _rows(html) == [("layer.0–19999 ×20000", "b"), ("head", "dense")]   # opened, then folded
    assert "float32" in html and "weights" in html and "peak activations" in html
    assert len(_rows(report.html(full=True))) == 40001


def test_parts_open_until_there_are_a_few_and_equal_runs_fold():
    report = archcalc.analyze(SPECS / "llm" / "llama3_8b.yaml", context=8192)
    html = report._repr_html_()
    # everything sits in `model` (one part) and lm_head: `model` opens
    assert _rows(html) == [("model.embed_tokens", "embedding"), ("model.layers", "32 × decoder_layer"),
                           ("model.norm", "rmsnorm"), ("lm_head", "dense")]
    assert "KV cache 1.00 GiB at 8,192 tokens" in html and "bfloat16" in html
    resnet = _rows(archcalc.analyze(SPECS / "resnet50.yaml")._repr_html_())
    assert ("layer1", "stage") in resnet and resnet[0] == ("conv1", "conv2d")


def test_names_are_escaped():
    report = archcalc.analyze({"input": [4], "layers": [{"type": "relu", "name": "<b>x</b>"}]})
    assert "<b>x</b>" not in report._repr_html_() and "&lt;b&gt;x&lt;/b&gt;" in report._repr_html_()
