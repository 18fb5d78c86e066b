"""The encoder-decoder builders (T5, mT5 and uMT5; BART and mBART)."""

from __future__ import annotations

from typing import Any

from ...errors import SpecError
from ..imported import ImportOptions
from .config import Built, Config, activation, dropout, rate, seq_len, unsupported
from .traits import T5_TABLE_IN_EVERY_LAYER


def t5(c: Config, head: str, options: ImportOptions) -> Built:
    d, vocab = c.need("d_model"), c.need("vocab_size")
    buckets = c.get("relative_attention_num_buckets", 32)
    steps = options.seq_len or 512
    p = rate(c, "dropout_rate")
    n_enc = c.need("num_layers")
    n_dec = c.get("num_decoder_layers", n_enc)
    table = {"buckets": buckets}
    every = c.kind in T5_TABLE_IN_EVERY_LAYER
    layers = [
        {"type": "embedding", "name": "shared", "vocab": vocab, "dim": d, "inputs": ["input_ids"]},
        *dropout("encoder_dropout", p),
        *_t5_uses("encoder_block", "encoder", n_enc, table, every),
        {"type": "rmsnorm", "name": "encoder_out"},
    ]
    if head in ("seq2seq", "base"):
        layers += [
            {"type": "embedding", "name": "decoder_embed", "vocab": vocab, "dim": d, "inputs": ["decoder_input_ids"],
             "tied_to": "shared"},
            *dropout("decoder_dropout", p),
            *_t5_uses("decoder_block", "decoder", n_dec, table, every),
            {"type": "rmsnorm", "name": "decoder_out"},
        ]
        if head == "seq2seq":
            layers.append({"type": "dense", "name": "lm_head", "units": vocab, "bias": False,
                           **({"tied_to": "shared"} if c.get("tie_word_embeddings", True) else {})})
    else:
        unsupported(c, head)
    spec = {"inputs": {"input_ids": [steps], "decoder_input_ids": [steps]},
            "blocks": _t5_blocks(c, d), "layers": layers}
    return spec, [_T5_TABLE_NOTES[every]]


def _t5_blocks(c: Config, d: int) -> dict[str, Any]:
    """T5's encoder and decoder blocks: pre-norm (RMSNorm), no biases, each self-attention taking
    the relative position table as an argument."""
    heads, d_kv, d_ff = c.need("num_heads"), c.need("d_kv"), c.need("d_ff")
    p = rate(c, "dropout_rate")     # T5 drops out the probabilities, each sublayer's output
    # before its residual sum, and the feed-forward's hidden units
    ff = _t5_feed_forward(c, d, d_ff, p)
    attention = {"type": "attention", "heads": heads, "head_dim": d_kv, "dim": d, "bias": False,
                 **({"dropout": p} if p else {})}

    def dropped(name: str) -> tuple[list[dict[str, Any]], str]:
        """A sublayer's output dropout, and the name its residual sum reads."""
        return dropout(f"{name}_dropout", p), f"{name}_dropout" if p else name

    self_drop, self_out = dropped("self_attn")
    cross_drop, cross_out = dropped("cross_attn")
    ff_drop, ff_out = dropped("wo")
    return {"encoder_block": {"args": {"table": None}, "layers": [
        {"type": "rmsnorm", "name": "attn_norm"},
        {**attention, "name": "self_attn", "relative_position_bias": "$table"}, *self_drop,
        {"type": "add", "name": "attn_residual", "inputs": [self_out, "in"]},
        {"type": "rmsnorm", "name": "ff_norm"}, *ff, *ff_drop,
        {"type": "add", "inputs": [ff_out, "attn_residual"]},
    ]}, "decoder_block": {"args": {"table": None}, "layers": [
        {"type": "rmsnorm", "name": "attn_norm"},
        {**attention, "name": "self_attn", "relative_position_bias": "$table", "causal": True}, *self_drop,
        {"type": "add", "name": "attn_residual", "inputs": [self_out, "in"]},
        {"type": "rmsnorm", "name": "cross_norm"},
        {**attention, "name": "cross_attn", "inputs": ["cross_norm", "encoder_out"]}, *cross_drop,
        {"type": "add", "name": "cross_residual", "inputs": [cross_out, "attn_residual"]},
        {"type": "rmsnorm", "name": "ff_norm"}, *ff, *ff_drop,
        {"type": "add", "inputs": [ff_out, "cross_residual"]},
    ]}}


_T5_TABLE_NOTES = {
    False: "The relative position table sits on the first block of each stack, as transformers keeps it.",
    True: "Every self-attention has a relative position table of its own, as transformers keeps it."}


def _t5_uses(block: str, name: str, n: int, table: dict[str, Any], every: bool) -> list[dict[str, Any]]:
    """A stack's block uses: the first holds the relative position table, the rest repeat
    (`every`: each holds a table of its own, uMT5)."""
    if every:
        return [{"type": block, "name": name, "table": table, "repeat": n}]
    return [{"type": block, "name": f"{name}_first", "table": table},
            *([{"type": block, "name": name, "table": False, "repeat": n - 1}] if n > 1 else [])]


def _t5_feed_forward(c: Config, d: int, d_ff: int, p: float) -> list[dict[str, Any]]:
    """T5's feed-forward: plain, or gated (`gated-` in feed_forward_proj), no biases."""
    projection = c.get("feed_forward_proj", "relu")
    gated = projection.startswith("gated-")
    act = activation(c, "feed_forward_proj", projection.replace("gated-", "", 1))
    if gated:
        ff = [{"type": "dense", "name": "wi_0", "units": d_ff, "bias": False}, {**act, "name": "act"},
              {"type": "dense", "name": "wi_1", "units": d_ff, "bias": False, "inputs": ["ff_norm"]},
              {"type": "multiply", "name": "gated", "inputs": ["act", "wi_1"]},
              *dropout("ff_dropout", p), {"type": "dense", "name": "wo", "units": d, "bias": False}]
    else:
        ff = [{"type": "dense", "name": "wi", "units": d_ff, "bias": False}, {**act, "name": "act"},
              *dropout("ff_dropout", p), {"type": "dense", "name": "wo", "units": d, "bias": False}]
    return ff


def _bart_sublayer(name: str, norm: str, stream: str, body: list[dict[str, Any]], p: float, pre: bool
                   ) -> tuple[list[dict[str, Any]], str]:
    """One sublayer over the residual `stream`: `body`, its output dropout and the residual sum,
    the norm after the sum (BART) or before the body (mBART); and the stream's name after it."""
    drop = dropout(f"{name}_dropout", p)
    added = f"{name}_residual"
    add = {"type": "add", "name": added, "inputs": [drop[0]["name"] if drop else body[-1]["name"], stream]}
    if pre:
        return [{"type": "layernorm", "name": norm}, *body, *drop, add], added
    return [*body, *drop, add, {"type": "layernorm", "name": norm}], norm


def _bart_blocks(c: Config, d: int, pre: bool, encoder_out: str) -> dict[str, Any]:
    """The encoder and decoder layers, post-norm (BART) or pre-norm (mBART)."""
    act = activation(c, "activation_function", c.get("activation_function", "gelu"))
    p, p_act = rate(c, "dropout"), rate(c, "activation_dropout")
    attn = {"type": "attention", **({"dropout": r} if (r := rate(c, "attention_dropout")) else {})}

    def feed_forward(width: int) -> list[dict[str, Any]]:
        return [{"type": "dense", "name": "fc1", "units": width}, {**act, "name": "act"},
                *dropout("act_dropout", p_act), {"type": "dense", "name": "fc2", "units": d}]

    self_attn, stream = _bart_sublayer("self_attn", "self_attn_layer_norm", "in",
                                       [{**attn, "name": "self_attn", "heads": c.need("encoder_attention_heads")}],
                                       p, pre)
    ff, _ = _bart_sublayer("fc2", "final_layer_norm", stream, feed_forward(c.need("encoder_ffn_dim")), p, pre)
    encoder = [*self_attn, *ff]
    heads = c.need("decoder_attention_heads")
    self_attn, stream = _bart_sublayer("self_attn", "self_attn_layer_norm", "in",
                                       [{**attn, "name": "self_attn", "heads": heads, "causal": True}], p, pre)
    query = "encoder_attn_layer_norm" if pre else stream
    cross, after = _bart_sublayer("encoder_attn", "encoder_attn_layer_norm", stream,
                                  [{**attn, "name": "encoder_attn", "heads": heads, "inputs": [query, encoder_out]}],
                                  p, pre)
    ff, _ = _bart_sublayer("fc2", "final_layer_norm", after, feed_forward(c.need("decoder_ffn_dim")), p, pre)
    return {"encoder_layer": {"layers": encoder}, "decoder_layer": {"layers": [*self_attn, *cross, *ff]}}


def bart(c: Config, head: str, options: ImportOptions, pre_norm: bool = False) -> Built:
    """BART: post-norm encoder and decoder layers over one shared embedding, learned positions
    with two rows more than the context (fairseq's offset), a norm after the embeddings.
    mBART (`pre_norm`): the norms before each sublayer, and one more after each stack."""
    if not pre_norm:
        for key in ("normalize_before", "add_final_layer_norm"):      # mBART's pre-norm variant
            if c.get(key, False):
                raise SpecError(f"config key '{key}' is true: model_type '{c.kind}' built that way is not "
                                "supported (see docs/importing.md)", c.file)
    d, vocab = c.need("d_model"), c.need("vocab_size")
    positions = c.need("max_position_embeddings")
    steps = seq_len(c, options, "max_position_embeddings")
    p = rate(c, "dropout")
    blocks = _bart_blocks(c, d, pre_norm, "encoder_layer_norm" if pre_norm else "encoder")
    rows = positions + 2
    layers = [
        {"type": "embedding", "name": "shared", "vocab": vocab, "dim": d, "inputs": ["input_ids"]},
        {"type": "position_embedding", "name": "encoder_positions", "max_positions": rows},
        {"type": "layernorm", "name": "encoder_layernorm_embedding"}, *dropout("encoder_dropout", p),
        {"type": "encoder_layer", "name": "encoder", "repeat": c.need("encoder_layers")},
        *([{"type": "layernorm", "name": "encoder_layer_norm"}] if pre_norm else []),
        {"type": "embedding", "name": "decoder_embed", "vocab": vocab, "dim": d, "inputs": ["decoder_input_ids"],
         "tied_to": "shared"},
        {"type": "position_embedding", "name": "decoder_positions", "max_positions": rows},
        {"type": "layernorm", "name": "decoder_layernorm_embedding"}, *dropout("decoder_dropout", p),
        {"type": "decoder_layer", "name": "decoder", "repeat": c.need("decoder_layers")},
        *([{"type": "layernorm", "name": "decoder_layer_norm"}] if pre_norm else []),
    ]
    notes = ["the learned position tables have 2 rows more than the context, as transformers builds them "
             "(an offset kept from fairseq)."]
    if head == "seq2seq":
        layers.append({"type": "dense", "name": "lm_head", "units": vocab, "bias": False, "tied_to": "shared"})
        notes.append(f"final_logits_bias, a saved buffer of {vocab:,} values beside the head, is not a parameter "
                     "and is not counted.")
    elif head != "base":
        unsupported(c, head)
    spec = {"inputs": {"input_ids": [steps], "decoder_input_ids": [steps]},
            "blocks": blocks, "layers": layers}
    return spec, notes
