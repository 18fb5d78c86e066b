"""Keras model JSON (`model.to_json()`) -> a spec: Sequential and Functional models, Keras 3's
JSON and Keras 2's where it differs.

Keras is channels-last like archcalc, so layers map one to one. A layer called twice holds
one set of weights: its second call `shares` the first's. Keras's conventions are kept:
LSTM and SimpleRNN have one bias vector per gate, GRU two when `reset_after`.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..errors import SpecError
from .imported import Imported, ImportOptions
from .reading import load_json

SUFFIXES = (".json",)


def sniff(head: bytes) -> bool:
    text = head.lstrip()
    return text.startswith(b"{") and b'"class_name"' in head and b'"model_type"' not in head \
        and (b'"layers"' in head or b'"keras_version"' in head or b'"module": "keras' in head)


class _Model:
    def __init__(self, file: str):
        self.file = file
        self.layers: list[dict] = []
        self.inputs: dict[str, list[int]] = {}
        self.names: set[str] = set()
        self.notes: list[str] = []
        self.owner: dict[str, str] = {}          # Keras layer name -> spec name of its first call

    def error(self, message: str, layer: str | None = None) -> SpecError:
        return SpecError(f"layer '{layer}': {message}" if layer else message, self.file)

    def name(self, hint: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]+", "_", hint).strip("_") or "layer"
        name, n = base, 1
        while name in self.names:
            name = f"{base}_{n}"
            n += 1
        self.names.add(name)
        return name


def to_spec(data: bytes, file: str, options: ImportOptions) -> Imported:
    model = load_json(data, file)
    if not isinstance(model, dict) or "class_name" not in model or not isinstance(model.get("config"), dict):
        raise SpecError("not a Keras model JSON (no class_name and config)", file)
    kind = model["class_name"]
    out = _Model(file)
    config = model["config"]
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SpecError(f"a Keras {kind} without layers", file)
    if kind == "Sequential":
        _sequential(out, layers)
    elif kind in ("Functional", "Model"):
        _functional(out, config)
    else:
        raise SpecError(f"a Keras {kind} is not a Sequential or Functional model", file)
    if any(layer["type"] == "batchnorm" for layer in out.layers):
        out.notes.append("Keras's count_params() counts batchnorm's moving mean and variance as non-trainable "
                         "params; archcalc reports them as buffers, so params + buffers equal count_params().")
    spec: dict[str, Any] = {"name": config.get("name") or "keras_model"}
    if list(out.inputs) == ["input"]:
        spec["input"] = out.inputs["input"]
    else:
        spec["inputs"] = out.inputs
    spec["layers"] = out.layers
    return Imported(spec=spec, notes=(f"Keras {kind} model (channels-last, as archcalc).", *out.notes))


# -- structure -------------------------------------------------------------------------------

def _shape(raw, model: _Model, where: str) -> list[int]:
    if not isinstance(raw, list) or len(raw) < 2 or any(not isinstance(n, int) or n < 1 for n in raw[1:]):
        raise model.error(f"needs a fixed input shape (got {raw!r}); build the model with a full input shape",
                          where)
    return list(raw[1:])


def _input_shape(layer: dict) -> Any:
    config = layer.get("config", {})
    return (config.get("batch_shape") or config.get("batch_input_shape")
            or (layer.get("build_config") or {}).get("input_shape"))


def _sequential(model: _Model, layers: list) -> None:
    first = layers[0]
    if first.get("class_name") == "InputLayer":
        shape, layers = _input_shape(first), layers[1:]
    else:
        shape = _input_shape(first)
    model.inputs["input"] = _shape(shape, model, first.get("config", {}).get("name", "input"))
    previous = "input"
    for layer in layers:
        previous = _translate(model, layer, [previous], call=0)


def _history(ref) -> tuple[str, int, int]:
    """(layer, node index, tensor index) of a tensor reference, Keras 3 or Keras 2."""
    if isinstance(ref, dict) and ref.get("class_name") == "__keras_tensor__":
        name, node, index = ref["config"]["keras_history"]
        return name, node, index
    if isinstance(ref, list) and len(ref) >= 3 and isinstance(ref[0], str):
        return ref[0], ref[1], ref[2]
    raise ValueError(ref)


def _call_inputs(model: _Model, node, layer_name: str) -> tuple[list, dict]:
    """The tensors a call reads (in order), and its keyword tensors (MultiHeadAttention's value, key)."""
    if isinstance(node, dict):                       # Keras 3: {"args": [...], "kwargs": {...}}
        flat = []
        for arg in node.get("args", []):
            flat += arg if isinstance(arg, list) and arg and not isinstance(arg[0], str) else [arg]
        tensors = [_history(a) for a in flat if isinstance(a, (dict, list))]
        keywords = {k: _history(v) for k, v in (node.get("kwargs") or {}).items()
                    if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__"}
        return tensors, keywords
    if isinstance(node, list):                       # Keras 2: [[name, node, index, kwargs], ...]
        tensors = [_history(ref) for ref in node]
        keywords = {}
        for ref in node:
            for key, value in (ref[3] if len(ref) > 3 and isinstance(ref[3], dict) else {}).items():
                if isinstance(value, list) and value and isinstance(value[0], str):
                    keywords[key] = _history(value)
        return tensors, keywords
    raise model.error(f"an inbound node that is not understood: {str(node)[:80]}", layer_name)


def _functional(model: _Model, config: dict) -> None:
    produced: dict[tuple[str, int], str] = {}      # (Keras layer, node index) -> spec name
    pending = list(config["layers"])
    for layer in pending:
        if layer.get("class_name") == "InputLayer":
            name = layer.get("config", {}).get("name") or layer.get("name")
            spec_name = model.name(name)
            model.inputs[spec_name] = _shape(_input_shape(layer), model, name)
            produced[(name, 0)] = spec_name
    for layer in pending:
        if layer.get("class_name") == "InputLayer":
            continue
        name = layer.get("config", {}).get("name") or layer.get("name")
        for call, node in enumerate(layer.get("inbound_nodes") or []):
            tensors, keywords = _call_inputs(model, node, name)
            reads = []
            for source, index, tensor in tensors + list(keywords.values()):
                if tensor != 0:
                    raise model.error(f"reads output {tensor} of '{source}': layers with several outputs "
                                      "have no rule", name)
                if (source, index) not in produced:
                    raise model.error(f"reads '{source}' before it is computed", name)
                reads.append(produced[(source, index)])
            produced[(name, call)] = _translate(model, layer, reads, call)


# -- layers ---------------------------------------------------------------------------------

def _pair(value, n: int) -> list[int]:
    return list(value) if isinstance(value, (list, tuple)) else [value] * n


def _activation(model: _Model, name: str | None, where: str) -> str | None:
    if name in (None, "linear"):
        return None
    from ..layers import find_rule
    aliases = {"hard_sigmoid": "hardsigmoid", "hard_silu": "hardswish", "hard_swish": "hardswish",
               "exponential": None}
    canonical = aliases.get(name, name)
    rule = find_rule(canonical) if canonical else None
    if rule is None or rule.family != "activation":
        raise model.error(f"activation '{name}' has no rule", where)
    return rule.type


def _padding(model: _Model, value: str, where: str) -> str:
    if value not in ("valid", "same"):
        raise model.error(f"padding '{value}' has no rule (valid and same have)", where)
    return value


def _conv(model, c, axes):
    if c.get("data_format", "channels_last") != "channels_last":
        raise model.error("channels_first has no rule: archcalc's shapes are channels-last", c.get("name"))
    return {"filters": c["filters"], "kernel": _pair(c["kernel_size"], axes), "stride": _pair(c.get("strides", 1), axes),
            "padding": _padding(model, c.get("padding", "valid"), c.get("name")),
            "dilation": _pair(c.get("dilation_rate", 1), axes), "groups": c.get("groups", 1),
            "bias": c.get("use_bias", True)}


def _transpose(model, c, axes):
    kernel, stride = _pair(c["kernel_size"], axes), _pair(c.get("strides", 1), axes)
    extra = c.get("output_padding")
    padding = _padding(model, c.get("padding", "valid"), c.get("name"))
    pads, outs = [], []
    for i, (k, s) in enumerate(zip(kernel, stride)):
        if padding == "valid":           # Keras: (n - 1)·s + k
            p, o = 0, 0
        else:                            # Keras: n·s, i.e. 2p - output_padding = k - s
            if k < s:
                raise model.error("a 'same' transposed convolution with a kernel smaller than its stride",
                                  c.get("name"))
            p, o = -(-(k - s) // 2), (k - s) % 2
        if extra is not None:
            o = _pair(extra, axes)[i]
        pads.append(p)
        outs.append(o)
    return {"filters": c["filters"], "kernel": kernel, "stride": stride, "padding": pads, "output_padding": outs,
            "dilation": _pair(c.get("dilation_rate", 1), axes), "bias": c.get("use_bias", True)}


def _pool(model, c, axes):
    size = _pair(c.get("pool_size", 2), axes)
    strides = c.get("strides")
    return {"kernel": size, "stride": _pair(strides, axes) if strides is not None else size,
            "padding": _padding(model, c.get("padding", "valid"), c.get("name"))}


def _recurrent(model, c, kind):
    if c.get("return_state"):
        raise model.error("return_state has no rule; read the sequence or the last output", c.get("name"))
    if not c.get("use_bias", True):
        bias = False
    elif kind == "gru":
        bias = True if c.get("reset_after", True) else "single"
    else:
        bias = "single"                  # Keras's LSTM and SimpleRNN: one bias vector per gate
    return {"type": kind, "units": c["units"], "bias": bias, "return_sequences": c.get("return_sequences", False)}


def _zero_padding(model, c, axes):
    padding = c.get("padding", 1)
    if isinstance(padding, int):
        pairs = [[padding, padding]] * axes
    else:
        pairs = [list(p) if isinstance(p, (list, tuple)) else [p, p] for p in padding]
    return {"type": "pad", "padding": [*pairs, [0, 0]]}


def _mha(model, c):
    if c.get("value_dim") not in (None, c["key_dim"]):
        raise model.error("value_dim different from key_dim has no rule", c.get("name"))
    layer = {"type": "attention", "heads": c["num_heads"], "head_dim": c["key_dim"], "bias": c.get("use_bias", True)}
    if c.get("output_shape"):
        shape = c["output_shape"]
        layer["dim"] = shape if isinstance(shape, int) else shape[-1]
    return layer


LAYERS: dict[str, Callable[[_Model, dict], dict]] = {
    "Dense": lambda m, c: {"type": "dense", "units": c["units"], "bias": c.get("use_bias", True)},
    "Conv1D": lambda m, c: {"type": "conv1d", **_conv(m, c, 1)},
    "Conv2D": lambda m, c: {"type": "conv2d", **_conv(m, c, 2)},
    "Conv3D": lambda m, c: {"type": "conv3d", **_conv(m, c, 3)},
    "Conv1DTranspose": lambda m, c: {"type": "conv_transpose1d", **_transpose(m, c, 1)},
    "Conv2DTranspose": lambda m, c: {"type": "conv_transpose2d", **_transpose(m, c, 2)},
    "Conv3DTranspose": lambda m, c: {"type": "conv_transpose3d", **_transpose(m, c, 3)},
    "DepthwiseConv2D": lambda m, c: {"type": "depthwise_conv2d", "kernel": _pair(c["kernel_size"], 2),
                                     "stride": _pair(c.get("strides", 1), 2),
                                     "padding": _padding(m, c.get("padding", "valid"), c.get("name")),
                                     "multiplier": c.get("depth_multiplier", 1), "bias": c.get("use_bias", True)},
    "MaxPooling1D": lambda m, c: {"type": "maxpool1d", **_pool(m, c, 1)},
    "MaxPooling2D": lambda m, c: {"type": "maxpool2d", **_pool(m, c, 2)},
    "MaxPooling3D": lambda m, c: {"type": "maxpool3d", **_pool(m, c, 3)},
    "AveragePooling1D": lambda m, c: {"type": "avgpool1d", **_pool(m, c, 1)},
    "AveragePooling2D": lambda m, c: {"type": "avgpool2d", **_pool(m, c, 2)},
    "AveragePooling3D": lambda m, c: {"type": "avgpool3d", **_pool(m, c, 3)},
    **{f"Global{kind}Pooling{n}D": (lambda k: lambda m, c: {"type": f"global_{k}pool"})(short)
       for kind, short in (("Average", "avg"), ("Max", "max")) for n in (1, 2, 3)},
    "BatchNormalization": lambda m, c: {"type": "batchnorm", "eps": c.get("epsilon", 1e-3)},
    "LayerNormalization": lambda m, c: {"type": "layernorm", "eps": c.get("epsilon", 1e-3), "bias": c.get("center", True)},
    "GroupNormalization": lambda m, c: {"type": "groupnorm", "groups": c.get("groups", 32), "eps": c.get("epsilon", 1e-3)},
    "Dropout": lambda m, c: {"type": "dropout", "rate": c.get("rate", 0.5)},
    "SpatialDropout1D": lambda m, c: {"type": "dropout", "rate": c.get("rate", 0.5)},
    "SpatialDropout2D": lambda m, c: {"type": "dropout", "rate": c.get("rate", 0.5)},
    "GaussianNoise": lambda m, c: {"type": "identity"},
    "Flatten": lambda m, c: {"type": "flatten"},
    "Reshape": lambda m, c: {"type": "reshape", "shape": list(c["target_shape"])},
    "Permute": lambda m, c: {"type": "permute", "axes": [d - 1 for d in c["dims"]]},
    "ReLU": lambda m, c: {"type": "relu6"} if c.get("max_value") == 6 else {"type": "relu"},
    "LeakyReLU": lambda m, c: {"type": "leaky_relu", "negative_slope": c.get("negative_slope", c.get("alpha", 0.3))},
    "ELU": lambda m, c: {"type": "elu", "alpha": c.get("alpha", 1.0)},
    "Softmax": lambda m, c: {"type": "softmax"},
    "Add": lambda m, c: {"type": "add"},
    "Multiply": lambda m, c: {"type": "multiply"},
    "Subtract": lambda m, c: {"type": "subtract"},
    "Concatenate": lambda m, c: {"type": "concat", "axis": c.get("axis", -1) - (1 if c.get("axis", -1) > 0 else 0)},
    "ZeroPadding1D": lambda m, c: _zero_padding(m, c, 1),
    "ZeroPadding2D": lambda m, c: _zero_padding(m, c, 2),
    "ZeroPadding3D": lambda m, c: _zero_padding(m, c, 3),
    "UpSampling2D": lambda m, c: {"type": "upsample2d", "scale": _pair(c.get("size", 2), 2),
                                  "mode": "bilinear" if c.get("interpolation") == "bilinear" else "nearest"},
    "Embedding": lambda m, c: {"type": "embedding", "vocab": c["input_dim"], "dim": c["output_dim"]},
    "LSTM": lambda m, c: _recurrent(m, c, "lstm"),
    "GRU": lambda m, c: _recurrent(m, c, "gru"),
    "SimpleRNN": lambda m, c: _recurrent(m, c, "rnn"),
    "MultiHeadAttention": lambda m, c: _mha(m, c),
}


def _translate(model: _Model, layer: dict, reads: list[str], call: int) -> str:
    kind, config = layer.get("class_name"), layer.get("config", {})
    keras_name = config.get("name") or layer.get("name") or kind
    if kind == "Bidirectional":
        inner = config.get("layer", {})
        if config.get("merge_mode", "concat") != "concat":
            raise model.error(f"merge_mode '{config.get('merge_mode')}' has no rule (concat has)", keras_name)
        translated = LAYERS[inner["class_name"]](model, inner["config"]) if inner.get("class_name") in LAYERS else None
        if translated is None or translated["type"] not in ("lstm", "gru", "rnn"):
            raise model.error("Bidirectional around something other than LSTM, GRU or SimpleRNN", keras_name)
        entry = {**translated, "bidirectional": True}
        activation = None
    elif kind == "Activation":
        entry = {"type": _activation(model, config.get("activation"), keras_name) or "identity"}
        activation = None
    elif kind == "SeparableConv2D":
        return _separable(model, config, keras_name, reads, call)
    elif kind in LAYERS:
        entry = LAYERS[kind](model, config)
        from ..layers import find_rule
        takes = find_rule(entry["type"]).takes_activation      # a recurrent layer's own tanh is no extra layer
        activation = _activation(model, config.get("activation"), keras_name) if takes else None
    else:
        raise model.error(f"Keras class {kind} has no rule", keras_name)
    if entry["type"] == "attention" and len(set(reads)) == 1:
        reads = reads[:1]            # query, key and value from one tensor: self-attention
    name = model.name(keras_name if call == 0 else f"{keras_name}_call{call}")
    entry = {"type": entry.pop("type"), "name": name, **entry, "inputs": reads}
    if activation is not None and entry["type"] != activation:
        entry["activation"] = activation
    if config.get("trainable") is False:
        entry["trainable"] = False
    if call > 0 and keras_name in model.owner:     # the same layer applied again: the same weights
        entry["shares"] = model.owner[keras_name]
    model.owner.setdefault(keras_name, name)
    model.layers.append(entry)
    return name          # with an `activation:`, the entry's name refers to the activation's output


def _separable(model: _Model, c: dict, keras_name: str, reads: list[str], call: int) -> str:
    """SeparableConv2D: a depthwise convolution without bias, then a 1×1 convolution."""
    depthwise = model.name(f"{keras_name}_depthwise")
    pointwise = model.name(f"{keras_name}_pointwise")
    model.layers.append({"type": "depthwise_conv2d", "name": depthwise, "kernel": _pair(c["kernel_size"], 2),
                         "stride": _pair(c.get("strides", 1), 2),
                         "padding": _padding(model, c.get("padding", "valid"), keras_name),
                         "multiplier": c.get("depth_multiplier", 1), "bias": False, "inputs": reads})
    entry = {"type": "conv2d", "name": pointwise, "filters": c["filters"], "kernel": 1,
             "bias": c.get("use_bias", True), "inputs": [depthwise]}
    activation = _activation(model, c.get("activation"), keras_name)
    if activation:
        entry["activation"] = activation
    model.layers.append(entry)
    return pointwise
