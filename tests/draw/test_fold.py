"""Folding (archcalc/draw/fold.py): runs of identical consecutive block uses become one part,
shared by the drawing's stacks and the report's shares table."""

import pytest

import archcalc
from archcalc.draw.fold import fold_parts, run_label
from archcalc.draw.layout import build
from archcalc.draw.report import render_report

from helpers import SPECS


def spec(uses, units=8):
    return {"input": [8], "blocks": {"b": [{"type": "dense", "units": units}, {"type": "relu"}],
                                     "c": [{"type": "dense", "units": 8}, {"type": "relu"}]},
            "layers": uses + [{"type": "dense", "units": 10, "name": "head"}]}


def test_identical_consecutive_uses_fold_into_one_part():
    # s0..s2 are the same block with the same shapes; t0 is another block (c) with the same layers
    report = archcalc.analyze_mapping(spec([{"type": "b", "name": f"s{i}"} for i in range(3)]
                                           + [{"type": "c", "name": "t0"}]))
    parts = fold_parts(report.layers)
    assert [(p.label, p.kind, p.uses) for p in parts] == [("s0–2", "b", 3), ("t0", "c", 1), ("head", "dense", 1)]
    # by hand: a use's dense is 8·8 weights + 8 biases = 72 params, 64 MACs (batch 1)
    assert (parts[0].params, parts[0].macs) == (3 * 72, 3 * 64)
    assert [(p.label, p.uses) for p in fold_parts(report.layers, fold=False)][:3] == [("s0", 1), ("s1", 1), ("s2", 1)]


def test_uses_with_other_shapes_do_not_fold():
    # s0 maps 8 -> 16, s1 16 -> 16, s2 16 -> 16: s0's weights differ, s1 and s2 fold
    report = archcalc.analyze_mapping(spec([{"type": "b", "name": f"s{i}"} for i in range(3)], units=16))
    assert [(p.label, p.uses) for p in fold_parts(report.layers)][:2] == [("s0", 1), ("s1–2", 2)]


@pytest.mark.parametrize("file, label, count", [
    # Llama 3 8B: 32 decoder layers (model card, num_hidden_layers); ViT-B/16: 12 encoder
    # layers (Dosovitskiy et al. 2021, Table 1); ResNet-50's conv4_x: 6 bottlenecks (He et al.
    # 2016, Table 1), the first downsampling, so 5 identical; DenseNet's layers grow by 32
    # channels each, so none fold.
    ("llm/llama3_8b.yaml", "model.layers.0–31", 32),       # the zoo names as transformers does
    ("vit_b_16.yaml", "encoder.layers.encoder_layer_0–11", 12),     # and as torchvision does
    ("resnet50.yaml", "layer3.1–5", 5),
])
def test_shipped_models_fold_their_repeated_blocks(file, label, count):
    drawing = build(archcalc.analyze(SPECS / file))
    assert [(b.label, b.count, b.style) for b in drawing.boxes if b.label == label] == [(label, count, "stack")]


def test_llama_folds_to_one_stack_and_one_row_and_fits_700_px():
    report = archcalc.analyze(SPECS / "llm/llama3_8b.yaml")
    drawing = build(report)
    (stack,) = [b for b in drawing.boxes if b.style == "stack"]
    # by hand from the config (hidden 4096, 32 query and 8 KV heads of 128, MLP 14336, no
    # biases): attention 2·4096·4096 + 2·4096·1024, MLP 3·4096·14336, two RMSNorms 2·4096
    per_layer = 2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336 + 2 * 4096
    assert stack.params == 32 * per_layer == 6_979_584_000
    assert drawing.width <= 700                                  # the bound
    page = render_report([report])
    assert page.count("layers.0–31 (× 32)") == 1                 # one row in the shares table
    assert "layers.5.mlp" not in page.split("Where params and MACs go")[1].split("<h3>")[0]


def test_run_labels():
    assert run_label("layers.0", "layers.31") == "layers.0–31"
    assert run_label("a", "b") == "a–b"
    assert run_label("x1.y", "x2.z") == "x1.y–x2.z"
