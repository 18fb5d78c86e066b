"""The encoder-decoder builders (T5)."""

from __future__ import annotations

from ..imported import ImportOptions
from .config import Config, activation, dropout, rate, unsupported


def t5(c: Config, head: str, options: ImportOptions):
    d, vocab = c.need("d_model"), c.need("vocab_size")
    heads, d_kv, d_ff = c.need("num_heads"), c.need("d_kv"), c.need("d_ff")
    buckets = c.get("relative_attention_num_buckets", 32)
    steps = options.seq_len or 512
    projection = c.get("feed_forward_proj", "relu")
    gated = projection.startswith("gated-")
    act = activation(c, "feed_forward_proj", projection.replace("gated-", "", 1))
    p = rate(c, "dropout_rate")     # T5 drops out the probabilities, each sublayer's output
    # before its residual sum, and the feed-forward's hidden units
    if gated:
        ff = [{"type": "dense", "name": "wi_0", "units": d_ff, "bias": False}, {**act, "name": "act"},
              {"type": "dense", "name": "wi_1", "units": d_ff, "bias": False, "inputs": ["ff_norm"]},
              {"type": "multiply", "name": "gated", "inputs": ["act", "wi_1"]},
              *dropout("ff_dropout", p), {"type": "dense", "name": "wo", "units": d, "bias": False}]
    else:
        ff = [{"type": "dense", "name": "wi", "units": d_ff, "bias": False}, {**act, "name": "act"},
              *dropout("ff_dropout", p), {"type": "dense", "name": "wo", "units": d, "bias": False}]
    attention = {"type": "attention", "heads": heads, "head_dim": d_kv, "dim": d, "bias": False,
                 **({"dropout": p} if p else {})}

    def dropped(name: str) -> tuple[list[dict], str]:
        """A sublayer's output dropout, and the name its residual sum reads."""
        return dropout(f"{name}_dropout", p), f"{name}_dropout" if p else name

    self_drop, self_out = dropped("self_attn")
    cross_drop, cross_out = dropped("cross_attn")
    ff_drop, ff_out = dropped("wo")
    encoder_block = {"args": {"table": None}, "layers": [
        {"type": "rmsnorm", "name": "attn_norm"},
        {**attention, "name": "self_attn", "relative_position_bias": "$table"}, *self_drop,
        {"type": "add", "name": "attn_residual", "inputs": [self_out, "in"]},
        {"type": "rmsnorm", "name": "ff_norm"}, *ff, *ff_drop,
        {"type": "add", "inputs": [ff_out, "attn_residual"]},
    ]}
    decoder_block = {"args": {"table": None}, "layers": [
        {"type": "rmsnorm", "name": "attn_norm"},
        {**attention, "name": "self_attn", "relative_position_bias": "$table", "causal": True}, *self_drop,
        {"type": "add", "name": "attn_residual", "inputs": [self_out, "in"]},
        {"type": "rmsnorm", "name": "cross_norm"},
        {**attention, "name": "cross_attn", "inputs": ["cross_norm", "encoder_out"]}, *cross_drop,
        {"type": "add", "name": "cross_residual", "inputs": [cross_out, "attn_residual"]},
        {"type": "rmsnorm", "name": "ff_norm"}, *ff, *ff_drop,
        {"type": "add", "inputs": [ff_out, "cross_residual"]},
    ]}
    n_enc = c.need("num_layers")
    n_dec = c.get("num_decoder_layers", n_enc)
    table = {"buckets": buckets}
    layers = [
        {"type": "embedding", "name": "shared", "vocab": vocab, "dim": d, "inputs": ["input_ids"]},
        *dropout("encoder_dropout", p),
        {"type": "encoder_block", "name": "encoder_first", "table": table},
        *([{"type": "encoder_block", "name": "encoder", "table": False, "repeat": n_enc - 1}] if n_enc > 1 else []),
        {"type": "rmsnorm", "name": "encoder_out"},
    ]
    if head in ("seq2seq", "base"):
        layers += [
            {"type": "embedding", "name": "decoder_embed", "vocab": vocab, "dim": d, "inputs": ["decoder_input_ids"],
             "tied_to": "shared"},
            *dropout("decoder_dropout", p),
            {"type": "decoder_block", "name": "decoder_first", "table": table},
            *([{"type": "decoder_block", "name": "decoder", "table": False, "repeat": n_dec - 1}] if n_dec > 1 else []),
            {"type": "rmsnorm", "name": "decoder_out"},
        ]
        if head == "seq2seq":
            layers.append({"type": "dense", "name": "lm_head", "units": vocab, "bias": False,
                           **({"tied_to": "shared"} if c.get("tie_word_embeddings", True) else {})})
    else:
        unsupported(c, head)
    spec = {"inputs": {"input_ids": [steps], "decoder_input_ids": [steps]},
            "blocks": {"encoder_block": encoder_block, "decoder_block": decoder_block}, "layers": layers}
    return spec, ["The relative position table sits on the first block of each stack, as transformers keeps it."]
