"""The decoder-only builder: any row of `traits.DECODERS` as transformers builds it."""

from __future__ import annotations

import json
from typing import Any

from ...args import describe
from ...errors import SpecError
from ..imported import ImportOptions
from .config import Built, Config, activation, dropout, rate, seq_len, unsupported
from .traits import Decoder, Flag
from .windows import Windows, sliding_windows

MAX_DECODER_LAYERS = 1_000_000    # decoder layers written one use each (interleaved windows)

_NORMS: dict[str, dict[str, Any]] = {"rmsnorm": {"type": "rmsnorm"}, "layernorm": {"type": "layernorm"},
          "layernorm_scale": {"type": "layernorm", "bias": False},
          "layernorm_fixed": {"type": "layernorm", "bias": False, "scale": False}}


def unnested(c: Config, keys: tuple[str, ...]) -> Config:
    """The config with the keys of its sub-mappings `keys` read as its own (DBRX keeps its attention's
    and its experts' settings in attn_config and ffn_config); a key the config has itself wins."""
    data = dict(c.data)
    for key in keys:
        inner = c.data.get(key, {})
        if not isinstance(inner, dict):
            raise SpecError(f"config key '{key}' must be a mapping, got {describe(inner)}", c.file)
        data.update({k: v for k, v in inner.items() if k not in c.data})
    return Config(data, c.file)


def refuse_other_builds(c: Config, refused: tuple[tuple[str, object], ...]) -> None:
    """A config value with which transformers builds a different model than the row describes
    ("not silu": an activation named other than silu, by name or as {name: ...})."""
    for key, value in refused:
        if value == "not silu" and key in c.data:
            found = c.data[key].get("name") if isinstance(c.data[key], dict) else c.data[key]
            if found != "silu":
                raise SpecError(f"config key '{key}' names the activation {describe(found)}: model_type "
                                f"'{c.kind}' is read with silu only", c.file)
            continue
        if key in c.data and c.data[key] == value and type(c.data[key]) is type(value):
            raise SpecError(f"config key '{key}' is {json.dumps(value)}: model_type '{c.kind}' built that way "
                            "is not supported (see docs/importing.md)", c.file)


def _flag(c: Config, flag: Flag) -> bool:
    return flag.default if flag.key is None else c.get(flag.key, flag.default)


def _kv_heads(c: Config, row: Decoder, heads: int) -> int:
    if row.kv == "falcon" and (c.get("new_decoder_architecture", False) or not c.get("multi_query", True)):
        return c.get("num_kv_heads", heads)     # Falcon-40B's grouped heads (multi_query then ignored)
    if row.kv in ("multi_query", "falcon"):      # one K/V head shared by all queries when multi_query
        return 1 if c.get("multi_query", True) else heads
    return c.get(row.kv, heads)


def _layout(c: Config, row: Decoder) -> str:
    """Where the norms go: the row's layout, sequential when its config key says so; Falcon's new
    decoder architecture always parallel, on one norm or two (num_ln_in_parallel_attn, 2 unless set)."""
    if row.kv == "falcon" and c.get("new_decoder_architecture", False):
        norms = c.get("num_ln_in_parallel_attn", None)
        if norms not in (None, 1, 2):
            raise SpecError(f"config key 'num_ln_in_parallel_attn' must be 1 or 2, got {norms}", c.file)
        return "parallel" if norms == 1 else "parallel2"
    if row.parallel is not None and not _flag(c, row.parallel):
        return "sequential"
    return row.layout


def _mlp(c: Config, row: Decoder, d: int, bias: bool) -> dict[str, Any]:
    """The feed-forward block, its width an argument (experts and shared experts differ)."""
    n = row.names
    key = next((k for k in row.keys.act if c.data.get(k) is not None), row.keys.act[0])
    act = {**activation(c, key, c.get(key, row.act)), "name": "act"}
    if row.mlp == "gated":
        layers = [{"type": "dense", "name": "gate_proj", "units": "$inter", "bias": bias}, act,
                  {"type": "dense", "name": n.up, "units": "$inter", "bias": bias, "inputs": ["in"]},
                  {"type": "multiply", "name": "gated", "inputs": ["act", n.up]}]
    else:
        layers = [{"type": "dense", "name": n.up, "units": "$inter", "bias": bias}, act]
    layers.append({"type": "dense", "name": n.down, "units": d, "bias": bias})
    return {"args": {"inter": None}, "layers": layers}


def _feed_forward(c: Config, row: Decoder, source: str, dense: bool = False) -> list[dict[str, Any]]:
    """The MLP of one layer reading `source`: one block use, or the experts of an MoE family
    (`dense`: a layer the family keeps dense)."""
    inputs = {"inputs": [source]}
    if dense:
        return [{"type": "mlp", "name": "mlp", "inter": c.need(*row.keys.inter), **inputs}]
    if row.experts == "deepseek":     # routed experts, plus shared experts as one MLP of their summed width
        routed = c.need("moe_intermediate_size")
        shared = c.get("n_shared_experts", None)
        experts = [{"type": "mlp", "name": "experts", "inter": routed, "experts": c.need("n_routed_experts"),
                    "top_k": c.need("num_experts_per_tok"), **inputs}]
        if not shared:
            return experts
        return [*experts, {"type": "mlp", "name": "shared_experts", "inter": routed * shared, **inputs},
                {"type": "add", "name": "moe", "inputs": ["experts", "shared_experts"]}]
    if row.experts.startswith("qwen"):
        if c.get("decoder_sparse_step", 1) != 1 or c.data.get("mlp_only_layers"):
            raise SpecError("config keys 'decoder_sparse_step' and 'mlp_only_layers' make some layers dense: "
                            "not supported (every layer an MoE layer is)", c.file)
    if row.experts in ("routed", "qwen3_moe"):   # a router without bias sends each token to top_k experts
        count, width, top_k = row.expert_keys
        return [{"type": "mlp", "name": row.names.experts, "inter": c.need(width), "experts": c.need(count),
                 "top_k": c.need(top_k), **({"router_bias": True} if row.router_bias else {}),
                 **inputs}]
    if row.experts == "qwen2_moe":    # routed experts, plus a shared expert scaled by a sigmoid gate
        return [{"type": "mlp", "name": "experts", "inter": c.need("moe_intermediate_size"),
                 "experts": c.need("num_experts"), "top_k": c.need("num_experts_per_tok"), **inputs},
                {"type": "mlp", "name": "shared_expert", "inter": c.need("shared_expert_intermediate_size"),
                 **inputs},
                {"type": "dense", "name": "shared_expert_gate", "units": 1, "bias": False, **inputs},
                {"type": "sigmoid", "name": "shared_gate"},
                {"type": "multiply", "name": "shared", "inputs": ["shared_gate", "shared_expert"]},
                {"type": "add", "name": "mlp", "inputs": ["experts", "shared"]}]
    inter = c.need(*row.keys.inter) if not row.inter_ratio else c.first(row.keys.inter, row.inter_ratio *
                                                                         c.need(*row.keys.hidden))
    return [{"type": "mlp", "name": "mlp", "inter": inter, **inputs}]


def _attention(c: Config, row: Decoder, d: int, heads: int) -> dict[str, Any]:
    """The attention layer of the row: multi-head (grouped, Q/K norms) or latent (DeepSeek)."""
    k = row.keys
    common = {"name": row.names.attn, "heads": heads, "causal": True,
              **({"dropout": r} if (r := rate(c, *k.attn_dropout)) else {})}
    if row.attention == "latent":
        q_rank = c.get("q_lora_rank", None)     # null: queries projected directly; else a positive rank
        if q_rank is not None:
            q_rank = c.need("q_lora_rank")
        attention = {"type": "latent_attention", **common, "kv_rank": c.need("kv_lora_rank"),
                     "nope_dim": c.need("qk_nope_head_dim"), "rope_dim": c.need("qk_rope_head_dim"),
                     "v_dim": c.need("v_head_dim"), **({"q_rank": q_rank} if q_rank else {}),
                     "bias": _flag(c, row.qkv_bias)}
    else:
        attention = {"type": "attention", **common, "kv_heads": _kv_heads(c, row, heads),
                     "head_dim": c.get("head_dim", d // heads), "dim": d, "qkv_bias": _flag(c, row.qkv_bias),
                     "out_bias": _flag(c, row.out_bias),
                     **({"position": row.position} if row.position != "learned" else {})}
        if row.sinks:
            attention["sinks"] = True
        if row.qk_norm != "none" and _flag(c, row.qk_norm_flag):
            attention["qk_norm"] = row.qk_norm
            if row.qk_norm_span != "head":
                attention["qk_norm_span"] = row.qk_norm_span
    trained = c.first(k.positions, None) if row.position == "rope" else None
    if trained:         # the positions RoPE was trained for: a longer --context warns
        attention["max_positions"] = trained
    return attention


def _dense_layers(c: Config, row: Decoder) -> int:
    """How many first layers keep a dense MLP before the MoE layers (DeepSeek)."""
    if row.experts != "deepseek":
        return 0
    if c.get("moe_layer_freq", 1) != 1:
        raise SpecError("config key 'moe_layer_freq' is not 1: transformers makes every layer from "
                        "first_k_dense_replace on an MoE layer whatever it says, DeepSeek's own code does not; "
                        "not supported", c.file)
    return min(c.get("first_k_dense_replace", 0), c.need(*row.keys.layers))


def build(c: Config, head: str, options: ImportOptions, row: Decoder) -> Built:
    c = unnested(c, row.nested)
    refuse_other_builds(c, row.refused)
    k, n = row.keys, row.names
    d, vocab = c.need(*k.hidden), c.need("vocab_size")
    if row.narrow_embedding_key and c.get(row.narrow_embedding_key, d) != d:
        raise SpecError(f"config key '{row.narrow_embedding_key}' differs from the hidden size {d}: embeddings "
                        "projected in and out (OPT-350m) are not supported", c.file)
    positions = c.need(*k.positions) if row.position == "learned" else None
    heads = c.need(*k.heads)
    steps = seq_len(c, options, *k.positions)
    layout = _layout(c, row)
    norm = _NORMS[row.norm]
    attention = _attention(c, row, d, heads)
    resid = rate(c, *k.resid_dropout)
    blocks = {"mlp": _mlp(c, row, d, _flag(c, row.mlp_bias)),
              n.block: {"layers": _layer(c, row, layout, attention, resid)}}
    dense = _dense_layers(c, row)
    if dense:           # the first layers keep a dense MLP (DeepSeek's first_k_dense_replace)
        blocks["dense_" + n.block] = {"layers": _layer(c, row, layout, attention, resid, dense=True)}
    stack, windows, n_layers = _stack(c, row, blocks, attention, dense)
    layers = [{"type": "embedding", "name": n.embed, "vocab": vocab, "dim": d}]
    if positions is not None:
        layers.append({"type": "position_embedding", "name": n.positions,
                       "max_positions": positions + row.position_offset})
    if row.embed_norm:
        layers.append({**norm, "name": n.embed_norm})
    layers += [*dropout("drop", rate(c, *k.embed_dropout)), *stack, {**norm, "name": n.final_norm}]
    if head == "causal-lm":
        layers.append({"type": "dense", "name": n.head, "units": vocab, "bias": _flag(c, row.head_bias),
                       **({"tied_to": n.embed} if _flag(c, row.tied) else {})})
    elif head != "base":
        unsupported(c, head)
    notes = _notes(row, windows, n_layers)
    if row.note:
        notes.append(row.note)
    if c.data.get("clip_qkv") is not None:
        notes.append(f"Q, K and V are clamped to ±{c.data['clip_qkv']} (clip_qkv): a comparison per element, not "
                     "counted in FLOPs.")
    if row.router_buffer:
        experts, moe_layers = c.need("n_routed_experts"), n_layers - dense
        notes.append(f"e_score_correction_bias, a saved buffer of {experts:,} values in each of the {moe_layers:,} "
                     f"MoE layers' routers ({experts * moe_layers:,} in all), steers which experts a token runs; "
                     "it is not a parameter and is not counted.")
    return {"input": [steps], "blocks": blocks, "layers": layers}, notes


def _layer(c: Config, row: Decoder, layout: str, attention: dict[str, Any], resid: float, dense: bool = False
           ) -> list[dict[str, Any]]:
    """One decoder layer: norms, attention and MLP placed as the layout says, the residual
    dropout where the family applies it."""
    n, norm = row.names, _NORMS[row.norm]
    on_sum = row.resid_dropout_at == "sum" and layout.startswith("parallel")
    each = row.resid_dropout_at == "each" or (row.resid_dropout_at == "sum" and not on_sum)
    attn_drop = dropout("attn_dropout", resid if each else 0.0)
    mlp_drop = dropout("mlp_dropout", resid if not on_sum else 0.0)
    if layout == "post":        # the norms come after each sublayer, before its residual sum (OLMo 2)
        return [attention, {**norm, "name": "post_attention_layernorm"}, *attn_drop,
                {"type": "add", "name": "attn_residual", "inputs": [attn_drop[-1]["name"] if attn_drop else
                                                                    "post_attention_layernorm", "in"]},
                *_feed_forward(c, row, "attn_residual", dense), {**norm, "name": "post_feedforward_layernorm"},
                *mlp_drop, {"type": "add", "inputs": [mlp_drop[-1]["name"] if mlp_drop else
                                                      "post_feedforward_layernorm", "attn_residual"]}]
    layer = [{**norm, "name": n.norm1}, attention]
    if layout == "sandwich":
        layer.append({**norm, "name": "post_attention_layernorm"})
    layer += attn_drop
    attn_out = layer[-1]["name"]
    if layout.startswith("parallel"):
        source = n.norm1
        if layout == "parallel2":
            layer.append({**norm, "name": n.norm2, "inputs": ["in"]})
            source = n.norm2
        layer += _feed_forward(c, row, source, dense) + mlp_drop
        layer.append({"type": "add", "name": "mixed", "inputs": [attn_out, layer[-1]["name"]]})
        layer += dropout("mixed_dropout", resid if on_sum else 0.0)
        layer.append({"type": "add", "inputs": [layer[-1]["name"], "in"]})
    else:
        layer.append({"type": "add", "name": "attn_residual", "inputs": [attn_out, "in"]})
        second = "pre_feedforward_layernorm" if layout == "sandwich" else n.norm2
        layer.append({**norm, "name": second})
        layer += _feed_forward(c, row, second, dense)
        if layout == "sandwich":
            layer.append({**norm, "name": "post_feedforward_layernorm"})
        layer += mlp_drop
        layer.append({"type": "add", "inputs": [layer[-1]["name"], "attn_residual"]})
    return layer


def _stack(c: Config, row: Decoder, blocks: dict[str, Any], attention: dict[str, Any], dense: int
           ) -> tuple[list[dict[str, Any]], Windows, int]:
    """The layers' uses: one repeated block (after `dense` uses of the dense-MLP block), or one
    use per layer when local and global layers interleave (Gemma 2); `attention` gets its window."""
    n = row.names
    layer = blocks[n.block]["layers"]
    n_layers = c.need(*row.keys.layers)
    windows = sliding_windows(c, row, n_layers)
    if windows.uniform:
        stack = [{"type": n.block, "name": n.layers, "repeat": n_layers - dense}]
        if dense:
            stack.insert(0, {"type": "dense_" + n.block, "name": "dense_" + n.layers, "repeat": dense})
        if windows.slides(0):
            attention["sliding_window"] = windows.window
    else:           # local and global layers interleave (Gemma 2): one use per layer
        if n_layers > MAX_DECODER_LAYERS:
            raise SpecError(f"num_hidden_layers {n_layers:,} with local and global layers interleaved: more "
                            f"than the {MAX_DECODER_LAYERS:,} layers archcalc writes one by one", c.file)
        args: dict[str, Any] = {"sliding_window": None}
        attention["sliding_window"] = "$sliding_window"
        if row.rope_sliding_only:       # a global layer has no positions, nor a range they were trained for
            args.update(position="rope", max_positions=attention.get("max_positions"))
            attention.update(position="$position", max_positions="$max_positions")
        blocks[n.block] = {"args": args, "layers": layer}
        stack = [{"type": n.block, "name": f"{n.layers}_{i}",
                  "sliding_window": windows.window if windows.slides(i) else None,
                  **({} if not row.rope_sliding_only or windows.slides(i) else
                     {"position": "none", "max_positions": None})} for i in range(n_layers)]
    return stack, windows, n_layers


def _notes(row: Decoder, windows: Windows, n_layers: int) -> list[str]:
    notes = []
    if row.position == "rope":
        notes.append("RoPE's inverse-frequency table is a buffer transformers does not save; it is not counted.")
    if row.position_offset:
        notes.append(f"the learned position table has {row.position_offset} rows more than the context, as "
                     "transformers builds it (an offset kept from fairseq).")
    if windows.note:
        notes.append(windows.note)
    local = (n_layers if windows.slides(0) else 0) if windows.uniform else sum(map(windows.slides, range(n_layers)))
    if local:
        notes.append(f"sliding window of {windows.window} positions on {local} of {n_layers} layers"
                     + (" (layer_types)" if local < n_layers else "")
                     + f": their KV cache keeps at most {windows.window} positions; forward MACs count the full "
                     "products.")
    return notes
