"""Keras model JSON (`model.to_json()`) -> a spec: Sequential and Functional models, Keras 3's
JSON and Keras 2's where it differs.

Keras is channels-last like archcalc, so layers map one to one. A layer called twice holds
one set of weights: its second call `shares` the first's. A model used as a layer is inlined.
Keras's conventions are kept: LSTM and SimpleRNN have one bias vector per gate, GRU two when
`reset_after`; batchnorm's moving statistics, which Keras's count_params() includes, are buffers.
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
        self.owner: dict[str, str] = {}          # scoped Keras layer name -> spec name of its first call
        self.calls: dict[str, int] = {}          # scoped Keras layer name -> calls translated so far
        self.scope = ""                          # "outer/" while a nested model's layers are read
        self.frozen = False                      # inside a nested model with trainable: false
        self.reading: tuple[str, str] | None = None   # (class, name) of the layer being read, for errors

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

    def claim(self, keras_name: str) -> tuple[str, str | None]:
        """(spec name, the first call's spec name when this is a later call of the same layer)."""
        key = self.scope + keras_name
        calls = self.calls.get(key, 0)
        self.calls[key] = calls + 1
        name = self.name(keras_name if calls == 0 else f"{keras_name}_call{calls}")
        if calls == 0:
            self.owner[key] = name
            return name, None
        return name, self.owner[key]


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
    if kind not in ("Sequential", *MODELS):
        raise SpecError(f"a Keras {kind} is not a Sequential or Functional model", file)
    try:
        _read_model(out, kind, config)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise _malformed(out, exc) from None
    if any(layer["type"] == "batchnorm" for layer in out.layers):
        out.notes.append("Keras's count_params() counts batchnorm's moving mean and variance as non-trainable "
                         "params; archcalc reports them as buffers, so params + buffers equal count_params().")
    spec: dict[str, Any] = {"name": config.get("name") or "keras_model"}
    if list(out.inputs) == ["input"]:
        spec["input"] = out.inputs["input"]
    else:
        spec["inputs"] = out.inputs
    spec["layers"] = out.layers
    described = "Functional (Keras 2's Model)" if kind == "Model" else kind
    return Imported(spec=spec, notes=(f"Keras {described} model (channels-last, as archcalc).", *out.notes))


# -- structure -------------------------------------------------------------------------------

def _read_model(model: _Model, kind: str, config: dict) -> None:
    _check_layers(model, config["layers"])
    if kind == "Sequential":
        _sequential(model, config["layers"])
        return
    output = _functional(model, config)
    if model.layers[-1]["name"] != output:      # a spec's output is its last layer
        model.layers.append({"type": "identity", "name": model.name("output"), "inputs": [output]})
        model.notes.append(f"The model's output is '{output}'; the identity layer 'output' ends the spec there.")


def _check_layers(model: _Model, layers: list) -> None:
    """Every layer a mapping with a class_name and a config mapping, before any is read."""
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str) \
                or not isinstance(layer.get("config", {}), dict):
            raise model.error(f"layer {i} is not a Keras layer (a mapping with class_name and config), "
                              f"got {str(layer)[:60]}")


def _malformed(model: _Model, exc: Exception) -> SpecError:
    """A file whose layers lack what Keras always writes: say which layer and what."""
    kind, name = model.reading or ("model", None)
    if isinstance(exc, KeyError):
        return model.error(f"the {kind} config has no '{exc.args[0]}'", name)
    return model.error(f"the {kind} config is not understood ({exc})", name)


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
        previous = _translate(model, layer, [previous])


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


def _functional(model: _Model, config: dict, feeds: list[str] | None = None) -> str:
    """The calls of a Functional model's layers, each once what it reads is computed. Its inputs
    become the spec's inputs, or, for a model nested in another, the tensors `feeds` it is
    called on. Returns the spec name of its output."""
    produced: dict[tuple[str, int], str] = {}      # (Keras layer, node index) -> spec name
    layers = config["layers"]
    inputs = [layer for layer in layers if layer.get("class_name") == "InputLayer"]
    if feeds is not None and len(feeds) != len(inputs):
        raise model.error(f"a nested model with {len(inputs)} inputs called on {len(feeds)} tensors",
                          config.get("name"))
    for i, layer in enumerate(inputs):
        name = layer.get("config", {}).get("name") or layer.get("name")
        if feeds is None:
            spec_name = model.name(name)
            model.inputs[spec_name] = _shape(_input_shape(layer), model, name)
        else:
            spec_name = feeds[_input_position(config, name, i)]
        produced[(name, 0)] = spec_name
    # A layer's later call may read a layer listed after it (a shared layer applied again
    # further down): as Keras does when it rebuilds a model, calls whose inputs are not yet
    # computed wait for the next pass, each layer's calls kept in their order.
    waiting = [[layer, 0] for layer in layers if layer.get("class_name") != "InputLayer"]
    last = None
    while waiting:
        progress = False
        for item in waiting:
            layer, call = item
            name = layer.get("config", {}).get("name") or layer.get("name")
            model.reading = (layer["class_name"], name)
            nodes = layer.get("inbound_nodes") or []
            while call < len(nodes):
                reads = _reads(model, nodes[call], name, produced)
                if reads is None:
                    break
                produced[(name, call)] = last = _translate(model, layer, reads)
                call += 1
                progress = True
            item[1] = call
        unread = [item for item in waiting if item[1] < len(item[0].get("inbound_nodes") or [])]
        if unread and not progress:
            layer, call = unread[0]
            name = layer.get("config", {}).get("name") or layer.get("name")
            missing = [source for source, index, _ in _call_inputs(model, layer["inbound_nodes"][call], name)[0]
                       if (source, index) not in produced]
            raise model.error(f"reads '{missing[0] if missing else '?'}', which is never computed", name)
        waiting = unread
    outputs = _references(config.get("output_layers"))
    if len(outputs) > 1:
        raise model.error(f"{len(outputs)} outputs: models with several outputs have no rule", config.get("name"))
    if outputs:
        source, index, _ = outputs[0]
        if (source, index) not in produced:
            raise model.error(f"the output '{source}' is never computed", config.get("name"))
        return produced[(source, index)]
    if last is None:
        raise model.error("a Functional model without layers between its inputs and outputs", config.get("name"))
    return last


def _reads(model: _Model, node, name: str, produced: dict) -> list[str] | None:
    """The spec names a call reads, or None while one of them is not computed yet."""
    tensors, keywords = _call_inputs(model, node, name)
    reads = []
    for source, index, tensor in tensors + list(keywords.values()):
        if tensor != 0:
            raise model.error(f"reads output {tensor} of '{source}': layers with several outputs have no rule",
                              name)
        if (source, index) not in produced:
            return None
        reads.append(produced[(source, index)])
    return reads


def _references(raw) -> list[tuple[str, int, int]]:
    """input_layers / output_layers: one [name, node, tensor] or a list of them."""
    if not isinstance(raw, list) or not raw:
        return []
    if isinstance(raw[0], str):
        return [(raw[0], raw[1], raw[2])]
    return [(ref[0], ref[1], ref[2]) for ref in raw if isinstance(ref, list) and len(ref) >= 3]


def _input_position(config: dict, name: str, fallback: int) -> int:
    """Which of a nested model's call arguments feeds its input layer `name`."""
    order = [ref[0] for ref in _references(config.get("input_layers"))]
    return order.index(name) if name in order else fallback


def _nested(model: _Model, layer: dict, reads: list[str]) -> str:
    """A model used as a layer of another: its layers inlined, under its name. Called again,
    every inner layer shares the first call's weights, as Keras does."""
    kind, config = layer["class_name"], layer.get("config", {})
    keras_name = config.get("name") or kind
    inner = config.get("layers")
    if not isinstance(inner, list) or not inner:
        raise model.error(f"a nested {kind} without layers", keras_name)
    _check_layers(model, inner)
    scope, frozen = model.scope, model.frozen
    model.scope, model.frozen = f"{scope}{keras_name}/", frozen or config.get("trainable") is False
    try:
        if kind == "Sequential":
            if len(reads) != 1:
                raise model.error(f"a nested Sequential called on {len(reads)} tensors", keras_name)
            previous = reads[0]
            for sub in inner:
                if sub.get("class_name") != "InputLayer":
                    previous = _translate(model, sub, [previous])
            return previous
        return _functional(model, config, feeds=reads)
    finally:
        model.scope, model.frozen = scope, frozen


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


def _prelu(model, c, input_shape):
    """Keras's PReLU learns a slope per element of its input, except along `shared_axes`;
    archcalc's prelu has one slope per channel, which is the case when every other axis is shared."""
    shared = sorted(c.get("shared_axes") or [])
    rank = len(input_shape) - 1 if isinstance(input_shape, list) else None
    if rank is not None and shared == list(range(1, rank)):
        return {"type": "prelu", "per_channel": True}
    seen = "input shape unknown" if rank is None else f"input of rank {rank}"
    raise model.error(f"PReLU with shared_axes {shared or None} ({seen}) has no rule: archcalc's prelu has "
                      "one slope per channel (shared_axes: every axis but the last)", c.get("name"))


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


MODELS = ("Functional", "Model")          # Keras 3 and 2 spell a Functional model's class so


def _translate(model: _Model, layer: dict, reads: list[str]) -> str:
    kind, config = layer.get("class_name"), layer.get("config", {})
    keras_name = config.get("name") or layer.get("name") or kind
    model.reading = (kind, keras_name)
    if kind == "Sequential" or kind in MODELS:
        return _nested(model, layer, reads)
    if kind == "PReLU":
        entry, activation = _prelu(model, config, (layer.get("build_config") or {}).get("input_shape")), None
    elif kind == "Bidirectional":
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
        return _separable(model, config, keras_name, reads)
    elif kind in LAYERS:
        entry = LAYERS[kind](model, config)
        from ..layers import find_rule
        takes = find_rule(entry["type"]).takes_activation      # a recurrent layer's own tanh is no extra layer
        activation = _activation(model, config.get("activation"), keras_name) if takes else None
    else:
        raise model.error(f"Keras class {kind} has no rule", keras_name)
    if entry["type"] == "attention" and len(set(reads)) == 1:
        reads = reads[:1]            # query, key and value from one tensor: self-attention
    name, first = model.claim(keras_name)
    entry = {"type": entry.pop("type"), "name": name, **entry, "inputs": reads}
    if activation is not None and entry["type"] != activation:
        entry["activation"] = activation
    _finish(model, entry, config, first)
    return name          # with an `activation:`, the entry's name refers to the activation's output


def _finish(model: _Model, entry: dict, config: dict, first: str | None) -> None:
    if config.get("trainable") is False or model.frozen:
        entry["trainable"] = False
    if first is not None:                # the same layer applied again: the same weights
        entry["shares"] = first
    model.layers.append(entry)


def _separable(model: _Model, c: dict, keras_name: str, reads: list[str]) -> str:
    """SeparableConv2D: a depthwise convolution without bias, then a 1×1 convolution."""
    depthwise, first_depthwise = model.claim(f"{keras_name}_depthwise")
    pointwise, first_pointwise = model.claim(f"{keras_name}_pointwise")
    _finish(model, {"type": "depthwise_conv2d", "name": depthwise, "kernel": _pair(c["kernel_size"], 2),
                    "stride": _pair(c.get("strides", 1), 2),
                    "padding": _padding(model, c.get("padding", "valid"), keras_name),
                    "dilation": _pair(c.get("dilation_rate", 1), 2),
                    "multiplier": c.get("depth_multiplier", 1), "bias": False, "inputs": reads},
            c, first_depthwise)
    entry = {"type": "conv2d", "name": pointwise, "filters": c["filters"], "kernel": 1,
             "bias": c.get("use_bias", True), "inputs": [depthwise]}
    activation = _activation(model, c.get("activation"), keras_name)
    if activation:
        entry["activation"] = activation
    _finish(model, entry, c, first_pointwise)
    return pointwise
