"""The zoo names every layer as its framework does: torchvision's module paths for the vision
zoo (`layer2.0.conv1`), transformers' for specs/llm/ (`model.layers.0.self_attn`), so archcalc's
table sits beside `print(model)` row by row.

The expected names and counts are the frameworks' own, recorded by
tests/fixtures/make_zoo_names.py (run by hand with torchvision and transformers installed) in
tests/fixtures/zoo_names.json. For each zoo model:
- every layer with parameters is named by a module path (or a parameter's, as ViT's
  `class_token`), and holds exactly the parameters the framework keeps under that path
  (a tied tensor counted where the framework first names it);
- every layer without parameters is named by a module path (a module called more than once,
  as ResNet's one `relu`, gives `relu`, `relu_1`, … as torch.fx names the calls), or is an
  operation with no module of its own (an `add`, a `reshape`) sitting inside its module's path.
"""

import json
import re

import pytest

import archcalc

from helpers import ROOT, SPECS

RECORDED = json.loads((ROOT / "tests" / "fixtures" / "zoo_names.json").read_text())
SPEC_FILES = {name: SPECS / ("llm" if "/" not in name and (SPECS / "llm" / f"{name}.yaml").exists() else "")
              / f"{name}.yaml" for name in RECORDED}
# What a model does without a module of its own (torch functions and tensor methods).
FUNCTIONAL = {"add", "multiply", "subtract", "concat", "reshape", "flatten", "permute", "slice", "roll", "pad",
              "matmul", "softmax", "channel_shuffle", "identity", "tokens", "take", "class_token", "select_token", "mean",
              "global_avgpool", "position_embedding", "layer_scale", "split", "chunk", "dropout", "relu", "gelu",
              "silu", "sigmoid", "hardsigmoid", "hardswish", "upsample2d", "reduce"}


# Parameters a framework fuses that the zoo keeps apart (same elements, same MACs): transformers
# holds Mixtral's experts' gate and up projections as one tensor, `experts.gate_up_proj`.
FUSED = {"mixtral_8x7b": {"gate_up_proj": ("gate_proj", "up_proj")}}


# A zoo layer that also holds a framework module beside it: archcalc's `attention` includes the
# output projection, which BERT keeps apart from `attention.self` in `attention.output.dense`.
ALSO_HELD = {"bert_base": {".attention.self": ".attention.output.dense"}}


def _fused_parts(model: str, recorded: dict, report) -> dict[str, int]:
    """The framework's fused tensors by the zoo layers that hold them apart, checked together:
    {layer name: 0} once the parts' sum equals the fused tensor (else the parts stay to fail)."""
    done = {}
    for fused, parts in FUSED.get(model, {}).items():
        for name, elements in recorded["params"].items():
            if name.endswith("." + fused):
                owner = name[:-len(fused)]
                layers = [owner + part for part in parts]
                if sum(report[layer].params for layer in layers) == elements:
                    done.update(dict.fromkeys(layers, 0))
    return done


def _own_params(recorded: dict, path: str, covered: set[str]) -> int:
    """The elements of the parameters under `path`, a tied one only where first named (unless
    that first name lies outside every layer, as BERT's decoder bias on its head)."""
    total = 0
    for name, elements in recorded["params"].items():
        if name == path or name.startswith(path + "."):
            first = recorded["aliases"].get(name)
            if first is not None and any(first == c or first.startswith(c + ".") for c in covered):
                continue
            total += elements
    return total


@pytest.mark.parametrize("model", sorted(RECORDED))
def test_layers_carry_the_frameworks_module_paths(model):
    recorded = RECORDED[model]
    report = archcalc.analyze(SPEC_FILES[model])
    modules = set(recorded["modules"]) | {name.rsplit(".", 1)[0] for name in recorded["params"]} \
        | set(recorded["params"])
    weighted = {layer.name for layer in report.layers if layer.params}
    fused = _fused_parts(model, recorded, report)
    wrong = []
    for layer in report.layers:
        if layer.name in fused:
            continue
        if layer.params:
            expected = _own_params(recorded, layer.name, weighted - {layer.name})
            for ending, beside in ALSO_HELD.get(model, {}).items():
                if layer.name.endswith(ending):
                    expected += _own_params(recorded, layer.name[:-len(ending)] + beside, weighted)
            if layer.name not in modules or expected != layer.params:
                wrong.append(f"{layer.name}: {layer.params} params, the framework {expected}")
            continue
        called = re.sub(r"_\d+$", "", layer.name)         # a module's later calls, as torch.fx names them
        parent = layer.name.rsplit(".", 1)[0] if "." in layer.name else ""
        if called not in modules and layer.name not in modules and not (
                layer.type in FUNCTIONAL and (parent == "" or parent in modules)):
            wrong.append(f"{layer.name} ({layer.type}): no such module")
    assert wrong == []
    assert report.totals.params == sum(n for name, n in recorded["params"].items() if name not in recorded["aliases"])
