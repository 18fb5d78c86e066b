"""One translation per Keras layer class: its config, read through checked accessors, becomes a
spec layer. Keras is channels-last like archcalc, so most map one to one."""

from __future__ import annotations

from typing import Any, Callable

from .fields import REQUIRED, Fields, is_int, received
from .model import Layer, Translation


def _activation(c: Fields, key: str = "activation") -> str | None:
    """The rule of a Keras activation name (None for linear)."""
    name = c.value(key, None)
    if name in (None, "linear"):
        return None
    if not isinstance(name, str):
        raise c.error(f"{c.what}'s '{key}' must be an activation's name, got {received(name)}")
    from ...layers import find_rule
    aliases = {"hard_sigmoid": "hardsigmoid", "hard_silu": "hardswish", "hard_swish": "hardswish"}
    rule = find_rule(aliases.get(name, name))
    if rule is None or rule.family != "activation":
        raise c.error(f"activation '{name}' has no rule")
    return rule.type


def _padding(c: Fields) -> str:
    value = c.text("padding", "valid")
    if value not in ("valid", "same"):
        raise c.error(f"padding '{value}' has no rule (valid and same have)")
    return value


def _channels_last(c: Fields) -> None:
    if c.text("data_format", "channels_last") != "channels_last":
        raise c.error("channels_first has no rule: archcalc's shapes are channels-last")


def _conv(c: Fields, axes: int) -> dict[str, Any]:
    _channels_last(c)
    return {"filters": c.integer("filters"), "kernel": c.ints("kernel_size", axes),
            "stride": c.ints("strides", axes, 1), "padding": _padding(c),
            "dilation": c.ints("dilation_rate", axes, 1), "groups": c.integer("groups", 1),
            "bias": c.boolean("use_bias", True)}


def _transpose(c: Fields, axes: int) -> dict[str, Any]:
    _channels_last(c)
    kernel, stride = c.ints("kernel_size", axes), c.ints("strides", axes, 1)
    extra = c.ints("output_padding", axes) if c.has("output_padding") else None
    padding = _padding(c)
    pads, outs = [], []
    for i, (k, s) in enumerate(zip(kernel, stride)):
        if padding == "valid":           # Keras: (n - 1)·s + k
            p, o = 0, 0
        else:                            # Keras: n·s, i.e. 2p - output_padding = k - s
            if k < s:
                raise c.error("a 'same' transposed convolution with a kernel smaller than its stride has no rule")
            p, o = -(-(k - s) // 2), (k - s) % 2
        pads.append(p)
        outs.append(extra[i] if extra is not None else o)
    return {"filters": c.integer("filters"), "kernel": kernel, "stride": stride, "padding": pads,
            "output_padding": outs, "dilation": c.ints("dilation_rate", axes, 1), "bias": c.boolean("use_bias", True)}


def _depthwise(c: Fields, layer: Layer) -> dict[str, Any]:
    _channels_last(c)
    return {"type": "depthwise_conv2d", "kernel": c.ints("kernel_size", 2), "stride": c.ints("strides", 2, 1),
            "padding": _padding(c), "dilation": c.ints("dilation_rate", 2, 1),
            "multiplier": c.integer("depth_multiplier", 1), "bias": c.boolean("use_bias", True)}


def _pool(c: Fields, axes: int) -> dict[str, Any]:
    _channels_last(c)
    size = c.ints("pool_size", axes, 2)
    return {"kernel": size, "stride": c.ints("strides", axes, size), "padding": _padding(c)}


def _global_pool(op: str, axes: int) -> Callable[[Fields, Layer], dict[str, Any]]:
    """GlobalAveragePooling2D and its kin; with keepdims the pooled axes stay, of size 1."""
    def translate(c: Fields, layer: Layer) -> dict[str, Any]:
        _channels_last(c)
        if c.boolean("keepdims", False):
            return {"type": "reduce", "op": "mean" if op == "avg" else "max", "axis": list(range(axes)),
                    "keepdims": True}
        return {"type": f"global_{op}pool"}
    return translate


def _recurrent(c: Fields, kind: str) -> dict[str, Any]:
    if c.boolean("return_state", False):
        raise c.error("return_state has no rule; read the sequence or the last output")
    bias: bool | str                     # the recurrent rules' `bias`: true, false or "single"
    if not c.boolean("use_bias", True):
        bias = False
    elif kind == "gru":
        bias = True if c.boolean("reset_after", True) else "single"
    else:
        bias = "single"                  # Keras's LSTM and SimpleRNN: one bias vector per gate
    return {"type": kind, "units": c.integer("units"), "bias": bias,
            "return_sequences": c.boolean("return_sequences", False)}


def _zero_padding(c: Fields, axes: int) -> dict[str, Any]:
    return {"type": "pad", "padding": [*_pairs(c, "padding", axes), [0, 0]]}


def _prelu(c: Fields, layer: Layer) -> dict[str, Any]:
    """Keras's PReLU learns a slope per element of its input, except along `shared_axes`;
    archcalc's prelu has one slope per channel, which is the case when every other axis is shared."""
    shared = sorted(c.int_list("shared_axes", []))
    shape = layer.built_shape()
    rank = len(shape) - 1 if shape is not None else None
    if rank is not None and shared == list(range(1, rank)):
        return {"type": "prelu", "per_channel": True}
    seen = "input shape unknown" if rank is None else f"input of rank {rank}"
    raise c.error(f"PReLU with shared_axes {shared or None} ({seen}) has no rule: archcalc's prelu has "
                  "one slope per channel (shared_axes: every axis but the last)")


def _mha(c: Fields, layer: Layer) -> dict[str, Any]:
    key_dim = c.integer("key_dim")
    if c.value("value_dim", key_dim) != key_dim:
        raise c.error("value_dim different from key_dim has no rule")
    entry = {"type": "attention", "heads": c.integer("num_heads"), "head_dim": key_dim,
             "bias": c.boolean("use_bias", True)}
    if c.has("output_shape"):
        shape = c.value("output_shape")
        if isinstance(shape, list) and shape:
            shape = shape[-1]
        if not is_int(shape):
            raise c.error(f"{c.what}'s 'output_shape' must be an integer or a list of them, "
                          f"got {received(c.value('output_shape'))}")
        entry["dim"] = shape
    return entry


def _batchnorm(c: Fields, layer: Layer) -> dict[str, Any]:
    _last_axis(c, layer)
    return {"type": "batchnorm", "eps": c.number("epsilon", 1e-3), "scale": c.boolean("scale", True),
            "center": c.boolean("center", True)}


def _last_axis(c: Fields, layer: Layer) -> None:
    """A normalisation over the channels: Keras's axis must be the last (-1, or rank - 1 when
    the recorded input shape gives the rank)."""
    axis = c.value("axis", -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]
    shape = layer.built_shape()
    if axis == -1 or (is_int(axis) and shape is not None and axis == len(shape) - 1):
        return
    if is_int(axis) and shape is None and axis > 0:
        return           # the rank is not recorded (Keras 2): a positive axis is Keras's channels-last habit
    raise c.error(f"normalising over axis {received(axis).removeprefix('integer ')} has no rule "
                  "(the last axis, the channels, has)")


def _layernorm(c: Fields, layer: Layer) -> dict[str, Any]:
    _last_axis(c, layer)
    if c.boolean("rms_scaling", False):
        return {"type": "rmsnorm", "eps": c.number("epsilon", 1e-3)}
    if not c.boolean("scale", True):
        raise c.error("LayerNormalization without scale has no rule (layernorm always has its scale)")
    return {"type": "layernorm", "eps": c.number("epsilon", 1e-3), "bias": c.boolean("center", True)}


def _rescaling(c: Fields, layer: Layer) -> dict[str, Any]:
    """x · scale + offset, no weights."""
    return {"type": "rescale", "scale": _scalar(c, "scale"), "offset": _scalar(c, "offset", 0.0)}


def _scalar(c: Fields, key: str, default: Any = REQUIRED) -> float:
    if isinstance(c.value(key, default), list):
        raise c.error(f"a per-channel '{key}' has no rule (a single number has)")
    return c.number(key, default)


def _normalization(c: Fields, layer: Layer) -> dict[str, Any]:
    """(x - mean) / sqrt(variance) over the kept axes. Keras keeps the statistics as non-trainable
    weights, mean and variance of the kept axes and a scalar count, unless the config gives them
    (then they are constants of the graph)."""
    raw = c.value("axis", [-1])
    axes = [raw] if is_int(raw) else raw
    if not isinstance(axes, list) or not all(is_int(a) for a in axes):
        raise c.error(f"{c.what}'s 'axis' must be an integer or a list of them, got {received(raw)}")
    if 0 in axes:
        raise c.error("normalising per sample of the batch (axis 0) has no rule")
    given = c.has("mean") or c.has("variance")
    return {"type": "normalize", "axis": [a - 1 if a > 0 else a for a in axes], "stored": not given,
            "count": not given}


def _spatial(layer: Layer, c: Fields) -> tuple[int, int] | None:
    """The height and width of a layer's input, as Keras recorded it when building it."""
    shape = layer.built_shape()
    if shape is not None and len(shape) == 4 and all(is_int(n) for n in shape[1:3]):
        return shape[1], shape[2]
    return None


def _center_crop(c: Fields, layer: Layer) -> dict[str, Any]:
    _channels_last(c)
    height, width = c.integer("height"), c.integer("width")
    size = _spatial(layer, c)
    if size is None:
        raise c.error("CenterCrop needs its input's height and width, which the file does not record "
                      "(build_config.input_shape)")
    if size[0] < height or size[1] < width:
        raise c.error(f"CenterCrop to {height}×{width} of a {size[0]}×{size[1]} input (Keras then resizes "
                      "instead) has no rule")
    top, left = (size[0] - height) // 2, (size[1] - width) // 2
    return {"type": "slice", "axis": [0, 1], "start": [top, left], "stop": [top + height, left + width]}


def _pairs(c: Fields, key: str, axes: int) -> list[list[int]]:
    """An integer for both sides of every axis, or per axis an integer or [before, after]."""
    value = c.value(key, 1)
    if is_int(value):
        return [[value, value]] * axes
    if isinstance(value, list) and len(value) == axes:
        pairs = []
        for p in value:
            if is_int(p):
                pairs.append([p, p])
            elif isinstance(p, list) and len(p) == 2 and all(is_int(n) for n in p):
                pairs.append(list(p))
            else:
                raise c.error(f"{c.what}'s '{key}' holds {received(p)}: an integer or a pair was expected")
        return pairs
    raise c.error(f"{c.what}'s '{key}' must be an integer or a list of {axes}, got {received(value)}")


def _cropping(axes: int) -> Callable[[Fields, Layer], dict[str, Any]]:
    """Cropping1D/2D/3D: a slice of each spatial axis, which needs the sizes Keras recorded."""
    def translate(c: Fields, layer: Layer) -> dict[str, Any]:
        _channels_last(c)
        pairs = _pairs(c, "cropping", axes)
        shape = layer.built_shape()
        if shape is None or len(shape) != axes + 2 or not all(is_int(n) for n in shape[1:axes + 1]):
            raise c.error(f"Cropping{axes}D needs its input's sizes, which the file does not record "
                          "(build_config.input_shape)")
        sizes = shape[1:axes + 1]
        return {"type": "slice", "axis": list(range(axes)), "start": [before for before, _ in pairs],
                "stop": [n - after for n, (_, after) in zip(sizes, pairs)]}
    return translate


def _resizing(c: Fields, layer: Layer) -> dict[str, Any]:
    _channels_last(c)
    mode = c.text("interpolation", "bilinear")
    if mode not in ("nearest", "bilinear"):
        raise c.error(f"interpolation '{mode}' has no rule (nearest and bilinear have)")
    for flag in ("crop_to_aspect_ratio", "pad_to_aspect_ratio"):
        if c.boolean(flag, False):
            raise c.error(f"{flag} has no rule")
    return {"type": "upsample2d", "size": [c.integer("height"), c.integer("width")], "mode": mode}


def _layer_scale(c: Fields, layer: Layer) -> dict[str, Any]:
    c.integer("projection_dim")          # Keras's gamma has projection_dim elements: the channels
    return {"type": "layer_scale"}


def _concatenate(c: Fields, layer: Layer) -> dict[str, Any]:
    axis = c.integer("axis", -1)
    return {"type": "concat", "axis": axis - 1 if axis > 0 else axis}


def _dropout(c: Fields, layer: Layer) -> dict[str, Any]:
    return {"type": "dropout", "rate": c.number("rate", 0.5)}


def _relu(c: Fields, layer: Layer) -> dict[str, Any]:
    if c.value("max_value", None) == 6:
        return {"type": "relu6"}
    if c.value("max_value", None) is not None or c.number("negative_slope", 0) != 0 or c.number("threshold", 0) != 0:
        raise c.error("ReLU with a max_value other than 6, a negative_slope or a threshold has no rule")
    return {"type": "relu"}


Handler = Callable[[Fields, Layer], dict[str, Any]]

LAYERS: dict[str, Handler] = {
    "Dense": lambda c, l: {"type": "dense", "units": c.integer("units"), "bias": c.boolean("use_bias", True)},
    "Conv1D": lambda c, l: {"type": "conv1d", **_conv(c, 1)},
    "Conv2D": lambda c, l: {"type": "conv2d", **_conv(c, 2)},
    "Conv3D": lambda c, l: {"type": "conv3d", **_conv(c, 3)},
    "Conv1DTranspose": lambda c, l: {"type": "conv_transpose1d", **_transpose(c, 1)},
    "Conv2DTranspose": lambda c, l: {"type": "conv_transpose2d", **_transpose(c, 2)},
    "Conv3DTranspose": lambda c, l: {"type": "conv_transpose3d", **_transpose(c, 3)},
    "DepthwiseConv2D": _depthwise,
    "MaxPooling1D": lambda c, l: {"type": "maxpool1d", **_pool(c, 1)},
    "MaxPooling2D": lambda c, l: {"type": "maxpool2d", **_pool(c, 2)},
    "MaxPooling3D": lambda c, l: {"type": "maxpool3d", **_pool(c, 3)},
    "AveragePooling1D": lambda c, l: {"type": "avgpool1d", **_pool(c, 1)},
    "AveragePooling2D": lambda c, l: {"type": "avgpool2d", **_pool(c, 2)},
    "AveragePooling3D": lambda c, l: {"type": "avgpool3d", **_pool(c, 3)},
    **{f"Global{kind}Pooling{n}D": _global_pool(short, n)
       for kind, short in (("Average", "avg"), ("Max", "max")) for n in (1, 2, 3)},
    "BatchNormalization": _batchnorm,
    "LayerNormalization": _layernorm,
    "GroupNormalization": lambda c, l: {"type": "groupnorm", "groups": c.integer("groups", 32),
                                        "eps": c.number("epsilon", 1e-3)},
    "Rescaling": _rescaling,
    "Normalization": _normalization,
    "CenterCrop": _center_crop,
    "Resizing": _resizing,
    **{f"Cropping{n}D": _cropping(n) for n in (1, 2, 3)},
    "Dropout": _dropout,
    "SpatialDropout1D": _dropout,
    "SpatialDropout2D": _dropout,
    "SpatialDropout3D": _dropout,
    "GaussianNoise": lambda c, l: {"type": "identity"},
    "Flatten": lambda c, l: {"type": "flatten"},
    "Reshape": lambda c, l: {"type": "reshape", "shape": c.int_list("target_shape")},
    "Permute": lambda c, l: {"type": "permute", "axes": [d - 1 for d in c.int_list("dims")]},
    "ReLU": _relu,
    "LeakyReLU": lambda c, l: {"type": "leaky_relu",
                               "negative_slope": c.number("negative_slope", c.number("alpha", 0.3))},
    "ELU": lambda c, l: {"type": "elu", "alpha": c.number("alpha", 1.0)},
    "Softmax": lambda c, l: {"type": "softmax"},
    "Add": lambda c, l: {"type": "add"},
    "Multiply": lambda c, l: {"type": "multiply"},
    "Subtract": lambda c, l: {"type": "subtract"},
    "Concatenate": _concatenate,
    "ZeroPadding1D": lambda c, l: _zero_padding(c, 1),
    "ZeroPadding2D": lambda c, l: _zero_padding(c, 2),
    "ZeroPadding3D": lambda c, l: _zero_padding(c, 3),
    "UpSampling2D": lambda c, l: {"type": "upsample2d", "scale": c.ints("size", 2, 2),
                                  "mode": "bilinear" if c.value("interpolation", None) == "bilinear" else "nearest"},
    "Embedding": lambda c, l: {"type": "embedding", "vocab": c.integer("input_dim"), "dim": c.integer("output_dim")},
    "LSTM": lambda c, l: _recurrent(c, "lstm"),
    "GRU": lambda c, l: _recurrent(c, "gru"),
    "SimpleRNN": lambda c, l: _recurrent(c, "rnn"),
    "MultiHeadAttention": _mha,
    "PReLU": _prelu,
    # keras.applications' ConvNeXt: a learned factor per channel (projection_dim of them)
    "LayerScale": _layer_scale,
}

RECURRENT = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}


# Keras 3's operations on tensors (keras.ops, `x + 3.0` in a model's code) that archcalc counts.
OPERATIONS = {"Add": "add", "Multiply": "multiply", "Subtract": "subtract", "Divide": "divide",
              "TrueDivide": "divide"}


def _operation(layer: Layer, operands: list[Any]) -> dict[str, Any]:
    """An operation of keras.ops: between tensors, as the merge layers; with one number, an
    element-wise operation with that constant (the tensor first where the order matters)."""
    kind, tensors = layer.kind, operands.count(None)
    numbers = [value for value in operands if value is not None]
    if kind in ("Add", "Multiply", "Subtract") and tensors >= 2 and not numbers:
        return {"type": kind.lower()}
    if kind in OPERATIONS and tensors == 1 and len(numbers) == 1 \
            and (operands[0] is None or kind in ("Add", "Multiply")):
        return {"type": "elementwise", "op": OPERATIONS[kind], "value": numbers[0]}
    shown = ", ".join("tensor" if value is None else received(value) for value in operands)
    raise layer.entry.error(f"the Keras operation {kind} on ({shown}) has no rule")


def _is_operation(layer: Layer) -> bool:
    module = layer.entry.raw.get("module")
    return isinstance(module, str) and (module.startswith("keras.src.ops") or module.startswith("keras.ops"))


def translate(t: Translation, layer: Layer, reads: list[str], operands: list[Any]) -> str:
    """One call of a (non-model) layer; returns the spec name of its output."""
    c, kind = layer.config, layer.kind
    if _is_operation(layer):
        entry, activation = _operation(layer, operands), None
    elif kind == "SeparableConv2D":
        return _separable(t, layer, reads)
    elif kind == "CustomScaleLayer":
        return _custom_scale(t, layer, reads)
    elif kind == "Bidirectional":
        entry, activation = _bidirectional(c), None
    elif kind == "Activation":
        entry, activation = {"type": _activation(c) or "identity"}, None
    elif not _from_keras(layer):
        raise layer.entry.error(f"a custom layer class {kind} (module {received(layer.entry.raw['module'])}) "
                                "has no rule")
    elif kind in LAYERS:
        entry = LAYERS[kind](c, layer)
        from ...layers import find_rule
        rule = find_rule(entry["type"])
        takes = rule is not None and rule.takes_activation    # a recurrent layer's own tanh is no extra layer
        activation = _activation(c) if takes else None
    else:
        raise layer.entry.error(f"Keras class {kind} has no rule")
    if entry["type"] == "attention" and len(set(reads)) == 1:
        reads = reads[:1]            # query, key and value from one tensor: self-attention
    name, first = t.claim(layer.name)
    entry = {"type": entry.pop("type"), "name": name, **entry, "inputs": reads}
    if activation is not None and entry["type"] != activation:
        entry["activation"] = activation
    t.add(entry, layer, first)
    return name          # with an `activation:`, the entry's name refers to the activation's output


def _from_keras(layer: Layer) -> bool:
    """Keras 3 names the module of every class; one outside Keras is the user's own, whatever its name."""
    module = layer.entry.raw.get("module")
    return module is None or (isinstance(module, str) and (module == "keras" or module.startswith("keras.")))


def _bidirectional(c: Fields) -> dict[str, Any]:
    mode = c.text("merge_mode", "concat")
    if mode != "concat":
        raise c.error(f"merge_mode '{mode}' has no rule (concat has)")
    inner = c.mapping("layer", "the wrapped layer")
    kind = inner.value("class_name", None)
    if not isinstance(kind, str) or kind not in RECURRENT:
        raise c.error("Bidirectional around something other than LSTM, GRU or SimpleRNN has no rule")
    config = inner.mapping("config", f"the wrapped {kind} config")
    return {**_recurrent(config, RECURRENT[kind]), "bidirectional": True}


def _custom_scale(t: Translation, layer: Layer, reads: list[str]) -> str:
    """keras.applications' InceptionResNetV2 joins a block's residual r to its input x as
    x + r · scale (a class of its own there): a product with the constant, then an add."""
    if len(reads) != 2:
        raise layer.entry.error(f"CustomScaleLayer reads [x, residual], got {len(reads)} tensors")
    scaled, first_scaled = t.claim(f"{layer.name}_scaled")
    t.add({"type": "elementwise", "name": scaled, "op": "multiply", "value": layer.config.number("scale"),
           "inputs": [reads[1]]}, layer, first_scaled)
    name, first = t.claim(layer.name)
    t.add({"type": "add", "name": name, "inputs": [reads[0], scaled]}, layer, first)
    return name


def _separable(t: Translation, layer: Layer, reads: list[str]) -> str:
    """SeparableConv2D: a depthwise convolution without bias, then a 1×1 convolution."""
    c = layer.config
    _channels_last(c)
    depthwise, first_depthwise = t.claim(f"{layer.name}_depthwise")
    pointwise, first_pointwise = t.claim(f"{layer.name}_pointwise")
    t.add({"type": "depthwise_conv2d", "name": depthwise, "kernel": c.ints("kernel_size", 2),
           "stride": c.ints("strides", 2, 1), "padding": _padding(c), "dilation": c.ints("dilation_rate", 2, 1),
           "multiplier": c.integer("depth_multiplier", 1), "bias": False, "inputs": reads}, layer, first_depthwise)
    entry = {"type": "conv2d", "name": pointwise, "filters": c.integer("filters"), "kernel": 1,
             "bias": c.boolean("use_bias", True), "inputs": [depthwise]}
    activation = _activation(c)
    if activation:
        entry["activation"] = activation
    t.add(entry, layer, first_pointwise)
    return pointwise
