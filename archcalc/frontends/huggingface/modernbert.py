"""The ModernBERT builder: an encoder of pre-norm layers (the first without its attention norm),
rotary positions, a GeGLU MLP from one fused projection, LayerNorms and projections with or
without biases as the config says, and local attention on most layers."""

from __future__ import annotations

from typing import Any

from ..imported import ImportOptions
from .config import Built, Config, activation, dropout, rate, seq_len, unsupported


def _layer(c: Config, d: int, first: bool) -> list[dict[str, Any]]:
    """One encoder layer; the first has no norm before its attention (transformers' Identity)."""
    norm = {"type": "layernorm", "bias": c.get("norm_bias", False)}
    p_attn = rate(c, "attention_dropout")
    out_drop = dropout("attn_out_dropout", p_attn)
    bias = c.get("mlp_bias", False)
    inter = c.need("intermediate_size")
    act = activation(c, "hidden_activation", c.get("hidden_activation", "gelu"))
    return [
        *([] if first else [{**norm, "name": "attn_norm"}]),
        {"type": "attention", "name": "attn", "heads": c.need("num_attention_heads"),
         "bias": c.get("attention_bias", False), "position": "rope", **({"dropout": p_attn} if p_attn else {})},
        *out_drop,
        {"type": "add", "name": "attn_residual", "inputs": [out_drop[0]["name"] if out_drop else "attn", "in"]},
        {**norm, "name": "mlp_norm"},
        # Wi, one projection to 2·inter split into the activated half and the gate: as two of inter
        {"type": "dense", "name": "Wi_input", "units": inter, "bias": bias}, {**act, "name": "act"},
        {"type": "dense", "name": "Wi_gate", "units": inter, "bias": bias, "inputs": ["mlp_norm"]},
        {"type": "multiply", "name": "gated", "inputs": ["act", "Wi_gate"]},
        *dropout("mlp_dropout", rate(c, "mlp_dropout")),
        {"type": "dense", "name": "Wo", "units": d, "bias": bias},
        {"type": "add", "inputs": ["Wo", "attn_residual"]},
    ]


def _local_layers(c: Config, n_layers: int) -> int:
    """Layers attending over a local window: `layer_types`, else every one but each
    `global_attn_every_n_layers`-th (as ModernBertConfig expands it)."""
    types = c.data.get("layer_types")
    if isinstance(types, list):
        return sum(t == "sliding_attention" for t in types)
    every = c.get("global_attn_every_n_layers", 3) or 1
    return sum(1 for i in range(n_layers) if i % every)


def modernbert(c: Config, head: str, options: ImportOptions) -> Built:
    d, vocab, n_layers = c.need("hidden_size"), c.need("vocab_size"), c.need("num_hidden_layers")
    norm = {"type": "layernorm", "bias": c.get("norm_bias", False)}
    steps = seq_len(c, options, "max_position_embeddings")
    layers: list[dict[str, Any]] = [
        {"type": "embedding", "name": "tok_embeddings", "vocab": vocab, "dim": d},
        {**norm, "name": "embeddings_norm"}, *dropout("embeddings_dropout", rate(c, "embedding_dropout")),
        {"type": "first_layer", "name": "layers_0"},
        *([{"type": "encoder_layer", "name": "layers", "repeat": n_layers - 1}] if n_layers > 1 else []),
        {**norm, "name": "final_norm"}]
    if head == "masked-lm":     # dense, activation and norm, then the decoder sharing the embeddings
        layers += [{"type": "dense", "name": "head_dense", "units": d, "bias": c.get("classifier_bias", False)},
                   {**activation(c, "classifier_activation", c.get("classifier_activation", "gelu")),
                    "name": "head_act"},
                   {**norm, "name": "head_norm"},
                   {"type": "dense", "name": "decoder", "units": vocab, "bias": c.get("decoder_bias", True),
                    "tied_to": "tok_embeddings"}]
    elif head != "base":
        unsupported(c, head)
    local = _local_layers(c, n_layers)
    window = c.get("local_attention", 128)
    notes = [f"local attention over {window} positions on {local} of {n_layers} layers: forward MACs count the "
             "full products, as for every window."] if local else []
    return {"input": [steps], "blocks": {"first_layer": {"layers": _layer(c, d, first=True)},
                                         "encoder_layer": {"layers": _layer(c, d, first=False)}},
            "layers": layers}, notes
