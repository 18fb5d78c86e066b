"""Keras model JSON (`model.to_json()`) -> a spec: Sequential and Functional models, Keras 3's
JSON and Keras 2's where it differs.

Keras is channels-last like archcalc, so layers map one to one (layers.py). A layer called
twice holds one set of weights: its second call `shares` the first's. A model used as a layer
is inlined (structure.py). Keras's conventions are kept: LSTM and SimpleRNN have one bias
vector per gate, GRU two when `reset_after`; batchnorm's moving statistics and Normalization's
mean, variance and count, which Keras's count_params() includes, are buffers.

Every value is read through the checked accessors of fields.py, so a file unlike what Keras
writes is refused with one located line, and anything else that fails is a bug of ours.
"""

from __future__ import annotations

from typing import Any

from ...errors import SpecError
from ..imported import Imported, ImportOptions
from ..reading import load_json

SUFFIXES = (".json",)


def sniff(head: bytes) -> bool:
    text = head.lstrip()
    return text.startswith(b"{") and b'"class_name"' in head and b'"model_type"' not in head \
        and (b'"layers"' in head or b'"keras_version"' in head or b'"module": "keras' in head)


def to_spec(data: bytes, file: str, options: ImportOptions) -> Imported:
    from .fields import Fields, received
    from .model import Translation
    from .structure import MODELS, functional, sequential
    model = load_json(data, file)
    if not isinstance(model, dict) or "class_name" not in model or not isinstance(model.get("config"), dict):
        raise SpecError("not a Keras model JSON (no class_name and config)", file)
    kind = model["class_name"]
    if kind != "Sequential" and kind not in MODELS:
        shown = kind if isinstance(kind, str) else received(kind)
        raise SpecError(f"a Keras {shown} is not a Sequential or Functional model", file)
    config = Fields(model["config"], "", f"the {kind} config", file)
    t = Translation(file)
    output = (sequential if kind == "Sequential" else functional)(t, config, options)
    if t.layers and t.layers[-1]["name"] != output:      # a spec's output is its last layer
        t.layers.append({"type": "identity", "name": t.name("output"), "inputs": [output]})
        t.notes.append(f"The model's output is '{output}'; the identity layer 'output' ends the spec there.")
    if any(layer["type"] == "batchnorm" for layer in t.layers):
        t.notes.append("Keras's count_params() counts batchnorm's moving mean and variance as non-trainable "
                       "params; archcalc reports them as buffers, so params + buffers equal count_params().")
    spec: dict[str, Any] = {"name": config.text("name", "keras_model") or "keras_model"}
    if list(t.inputs) == ["input"]:
        spec["input"] = t.inputs["input"]
    else:
        spec["inputs"] = t.inputs
    if t.batch is not None:
        spec["batch"] = t.batch
    spec["layers"] = t.layers
    described = "Functional (Keras 2's Model)" if kind == "Model" else kind
    return Imported(spec=spec, notes=(f"Keras {described} model (channels-last, as archcalc).", *t.notes),
                    where=t.where)
