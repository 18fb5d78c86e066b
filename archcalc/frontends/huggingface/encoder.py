"""The encoder-only builder: any row of `traits.ENCODERS` (BERT and its relatives) as
transformers builds it."""

from __future__ import annotations

import json
from typing import Any

from ...errors import SpecError
from ..imported import ImportOptions
from .config import Built, Config, activation, dropout, labels, rate, seq_len, unsupported
from .traits import Encoder


def _refuse_other_builds(c: Config, row: Encoder) -> None:
    for key, value in row.refused:
        found = c.data.get(key)
        if value == "not 1" and found not in (None, 1):
            raise SpecError(f"config key '{key}' is {found!r}: model_type '{c.kind}' is read with 1 only "
                            "(one group of one shared layer, as the published checkpoints)", c.file)
        elif value != "not 1" and found == value and type(found) is type(value):
            raise SpecError(f"config key '{key}' is {json.dumps(value)}: model_type '{c.kind}' built that way "
                            "is not supported (see docs/importing.md)", c.file)


def _post_norm_layer(c: Config, row: Encoder, d: int) -> list[dict[str, Any]]:
    """BERT's layer: attention, add, norm; MLP, add, norm."""
    k = row.keys
    hidden = rate(c, *k.resid_dropout)
    attention_dropout = dropout("attention_dropout", hidden if row.attn_out_dropout else 0.0)
    output_dropout = dropout("output_dropout", hidden)
    return [
        {"type": "attention", "name": "attention", "heads": c.need(*k.heads),
         **({"dropout": r} if (r := rate(c, *k.attn_dropout)) else {})},
        *attention_dropout,
        {"type": "add", "name": "attention_residual",
         "inputs": [attention_dropout[0]["name"] if attention_dropout else "attention", "in"]},
        {"type": "layernorm", "name": "attention_norm"},
        {"type": "dense", "name": "intermediate", "units": c.need(*k.inter)},
        {**activation(c, k.act[0], c.get(k.act[0], row.act)), "name": "act"},
        {"type": "dense", "name": "output", "units": d},
        *output_dropout,
        {"type": "add", "name": "output_residual",
         "inputs": [output_dropout[0]["name"] if output_dropout else "output", "attention_norm"]},
        {"type": "layernorm", "name": "output_norm"},
    ]


def _pre_norm_layer(c: Config, row: Encoder, d: int) -> list[dict[str, Any]]:
    """XLM-R XL's layer: norm, attention, dropout, add; norm, MLP, add (no dropout after the MLP)."""
    k = row.keys
    attention_dropout = dropout("attention_dropout", rate(c, *k.resid_dropout))
    return [
        {"type": "layernorm", "name": "self_attn_layer_norm"},
        {"type": "attention", "name": "attention", "heads": c.need(*k.heads),
         **({"dropout": r} if (r := rate(c, *k.attn_dropout)) else {})},
        *attention_dropout,
        {"type": "add", "name": "attention_residual",
         "inputs": [attention_dropout[0]["name"] if attention_dropout else "attention", "in"]},
        {"type": "layernorm", "name": "LayerNorm"},
        {"type": "dense", "name": "intermediate", "units": c.need(*k.inter)},
        {**activation(c, k.act[0], c.get(k.act[0], row.act)), "name": "act"},
        {"type": "dense", "name": "output", "units": d},
        {"type": "add", "name": "output_residual", "inputs": ["output", "attention_residual"]},
    ]


def build(c: Config, head: str, options: ImportOptions, row: Encoder) -> Built:
    _refuse_other_builds(c, row)
    k = row.keys
    d, vocab = c.need(*k.hidden), c.need("vocab_size")
    positions = c.need(*k.positions)
    steps = seq_len(c, options, *k.positions)
    embed = c.need("embedding_size") if row.factorised else d
    act_key = k.act[0]
    block = {"layers": _pre_norm_layer(c, row, d) if row.pre_norm else _post_norm_layer(c, row, d)}
    inputs = {"input_ids": [steps]}
    layers: list[dict[str, Any]] = [
        {"type": "embedding", "name": "word_embeddings", "vocab": vocab, "dim": embed, "inputs": ["input_ids"]},
        {"type": "position_embedding", "name": "position_embeddings", "max_positions": positions}]
    if row.token_types:
        inputs["token_type_ids"] = [steps]
        layers += [{"type": "embedding", "name": "token_type_embeddings", "vocab": c.get("type_vocab_size", 2),
                    "dim": embed, "inputs": ["token_type_ids"]},
                   {"type": "add", "name": "embeddings", "inputs": ["position_embeddings", "token_type_embeddings"]}]
    if not row.pre_norm:        # a pre-norm encoder (XLM-R XL) normalises in its layers instead
        layers.append({"type": "layernorm", "name": "embeddings_norm"})
    layers += dropout("embeddings_dropout", rate(c, *k.embed_dropout))
    if embed != d:      # factorised embeddings: projected up to the layers' width
        layers.append({"type": "dense", "name": "embeddings_project", "units": d})
    layers.append({"type": "bert_layer", "name": "encoder", "repeat": c.need(*k.layers),
                   **({"shared": True} if row.shared else {})})
    if row.pre_norm:
        layers.append({"type": "layernorm", "name": "encoder_norm"})
    if head in ("base", "classification") and row.pooler:
        layers += [{"type": "take", "name": "first_token", "index": 0},
                   {"type": "dense", "name": "pooler", "units": d}, {"type": "tanh", "name": "pooler_act"}]
        if head == "classification":
            layers.append({"type": "dense", "name": "classifier", "units": labels(c)})
    elif head == "masked-lm":    # no pooler; the decoder shares the word embeddings and has a bias of its own
        layers += [{"type": "dense", "name": "transform", "units": embed},
                   {**activation(c, act_key, c.get(act_key, row.act)), "name": "transform_act"},
                   {"type": "layernorm", "name": "transform_norm"},
                   {"type": "dense", "name": "decoder", "units": vocab, "tied_to": "word_embeddings"}]
    elif head != "base":
        unsupported(c, head)
    return {"inputs": inputs, "blocks": {"bert_layer": block}, "layers": layers}, []
