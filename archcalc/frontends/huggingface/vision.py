"""The vision encoder builder (ViT)."""

from __future__ import annotations

from ..imported import ImportOptions
from .config import Built, Config, activation, dropout, labels, rate, unsupported


def vit(c: Config, head: str, options: ImportOptions) -> Built:
    d, size, patch = c.need("hidden_size"), c.need("image_size"), c.need("patch_size")
    channels = c.get("num_channels", 3)
    side = size // patch
    hidden = rate(c, "hidden_dropout_prob")
    block = {"layers": [
        {"type": "layernorm", "name": "layernorm_before"},
        {"type": "attention", "name": "attention", "heads": c.need("num_attention_heads"),
         "bias": c.get("qkv_bias", True),
         **({"dropout": r} if (r := rate(c, "attention_probs_dropout_prob")) else {})},
        *dropout("attention_dropout", hidden),
        {"type": "add", "name": "attention_residual",
         "inputs": ["attention_dropout" if hidden else "attention", "in"]},
        {"type": "layernorm", "name": "layernorm_after"},
        {"type": "dense", "name": "intermediate", "units": c.need("intermediate_size")},
        {**activation(c, "hidden_act", c.get("hidden_act", "gelu")), "name": "act"},
        {"type": "dense", "name": "output", "units": d},
        *dropout("output_dropout", hidden),
        {"type": "add", "inputs": ["output_dropout" if hidden else "output", "attention_residual"]},
    ]}
    layers = [
        {"type": "conv2d", "name": "patch_embeddings", "filters": d, "kernel": patch, "stride": patch},
        {"type": "reshape", "name": "patches", "shape": [side * side, d]},
        {"type": "class_token", "name": "cls_token"},
        {"type": "position_embedding", "name": "position_embeddings"},
        {"type": "vit_layer", "name": "encoder", "repeat": c.need("num_hidden_layers")},
        {"type": "layernorm", "name": "layernorm"},
        {"type": "take", "name": "first_token", "index": 0},
    ]
    if head == "classification":
        layers.append({"type": "dense", "name": "classifier", "units": labels(c)})
    elif head == "base":
        layers += [{"type": "dense", "name": "pooler", "units": d}, {"type": "tanh", "name": "pooler_act"}]
    else:
        unsupported(c, head)
    return {"input": [size, size, channels], "blocks": {"vit_layer": block}, "layers": layers}, []
