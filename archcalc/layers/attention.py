"""Multi-head attention: self- or cross-attention, grouped-query heads, windows (Swin).

With H query heads, KV key/value heads of width d, T queries of width C, S keys and
values of width Ckv (S = T, Ckv = C for self-attention) and output width O:
params = C·H·d + 2·Ckv·KV·d + H·d·O (+ biases H·d + 2·KV·d and O, + a position-bias table);
MACs   = T·C·H·d + 2·S·Ckv·KV·d + T·H·d·O + 2·T·S·H·d — the projections, then the scores
Q·Kᵀ and the weighted sum of values, counted in full whatever the mask (as PyTorch,
fvcore and torchvision count them). In windows of wh × ww over an [H, W, C] input padded
to Hp × Wp, T = S = Hp·Wp for the projections and the products are 2·Hp·Wp·wh·ww·H·d.

A causal sliding window of W positions (`sliding_window`, Mistral, Gemma 2's local layers)
changes no forward count either: the products are counted over all T keys, as the masked
kernels of PyTorch compute them and fvcore counts them. It changes what decoding keeps: the
KV cache holds min(context, W) positions, and one new token's scores and values run over
min(context, W) + 1 positions.

Attention sinks (`sinks`: gpt-oss) add one learned logit per head to every softmax: H
weights, 2 FLOPs per query and head (its exponential and its share of the sum).

Q/K norms (`qk_norm`: Qwen 3, Gemma 3, OLMo 2, Cohere, Phi) normalise the queries and keys
after their projections: one norm of d shared by every head (`qk_norm_span: head`), one
per head (`each_head`), or one over all heads' width (`all`); their weights are d each for
Q and K, or H·d and KV·d, twice that with a shift (LayerNorm). No MACs; 1 FLOP per element.
"""

from __future__ import annotations

from typing import Any

from ..shapes import Shape
from ..args import Arg, boolean, choice, describe, kinded, number, optional, per_axis, positive
from ..errors import ArgumentError, ShapeError
from .registry import (MASK_BYTES, STAT_BYTES, Call, Kept, Params, PositionLimit, Rule, keeps_inputs, register,
                       softmax_statistics)
from ..fieldmaps import Field, causal, gathered, join_hulls, moved, spread, tabulated


def _position_bias(value: Any) -> Any:
    """`{buckets: N}` (T5's table), `true` (Swin's table over a window), or none."""
    if value is None or value is False:
        return None
    if value is True:
        return True
    if isinstance(value, dict) and set(value) == {"buckets"}:
        return ("buckets", positive(value["buckets"]))
    raise ArgumentError(f"expected {{buckets: N}}, true or false, got {describe(value)}")


kinded(_position_bias, "{buckets: N} | true | false")


class _Geometry:
    """The sizes one application works with, derived once from the call."""
    __slots__ = ("t", "s", "c", "c_kv", "heads", "kv", "d", "out", "window", "padded", "cross")
    padded: tuple[int, int] | None

    def __init__(self, call: Call):
        args, first = call.args, call.inputs[0]
        self.cross = len(call.inputs) == 2
        self.window = args["window"]
        if self.window is not None:
            if self.cross or len(first) != 3:
                raise ShapeError("a window needs one [H, W, C] input")
            (h, w, _), (wh, ww) = first, self.window
            self.padded = (-(-h // wh) * wh, -(-w // ww) * ww)
            self.t = self.s = self.padded[0] * self.padded[1]
        else:
            if len(first) != 2:
                raise ShapeError("expects a [T, C] sequence (or a window on [H, W, C])")
            self.padded = None
            self.t = first[0]
            self.s = call.inputs[1][0] if self.cross else self.t
        if self.cross and len(call.inputs[1]) != 2:
            raise ShapeError("keys and values (the second input) must be a [S, C] sequence")
        self.c = first[-1]
        self.c_kv = call.inputs[1][-1] if self.cross else self.c
        self.heads = args["heads"]
        self.kv = args["kv_heads"] or self.heads
        self.out = args["dim"] or self.c
        if args["head_dim"] is not None:
            self.d = args["head_dim"]
        else:
            if self.out % self.heads:
                raise ShapeError(f"dim {self.out} is not divisible by heads {self.heads} (give head_dim)")
            self.d = self.out // self.heads
        if self.heads % self.kv:
            raise ShapeError(f"heads {self.heads} is not divisible by kv_heads {self.kv}")

    @property
    def products(self) -> int:
        """Multiply-accumulates of Q·Kᵀ plus those of the weighted sum of values."""
        if self.window is not None:
            return 2 * self.t * self.window[0] * self.window[1] * self.heads * self.d
        return 2 * self.t * self.s * self.heads * self.d

    @property
    def scores(self) -> int:
        """Attention scores computed: one per query, key and head."""
        return self.products // (2 * self.d)


def _check(call: Call) -> _Geometry:
    geometry = _Geometry(call)
    args = call.args
    if args["relative_position_bias"] is True and geometry.window is None:
        raise ShapeError("relative_position_bias: true is Swin's table over a window: give window")
    if _shifted(call) and geometry.window is None:
        raise ShapeError("shift needs a window")
    if args["sliding_window"] is not None and not (args["causal"] and not geometry.cross and geometry.window is None):
        raise ShapeError("sliding_window is a causal self-attention's window: give causal: true, one [T, C] input "
                         "and no window")
    if args["max_positions"] is not None and args["position"] == "none":
        raise ShapeError("max_positions is the range rotary or ALiBi positions were trained for: give position")
    if args["sinks"] and geometry.window is not None:
        raise ShapeError("sinks join a sequence's softmax: give no window")
    if args["qk_norm_span"] is not None and args["qk_norm"] == "none":
        raise ShapeError("qk_norm_span says what a Q/K norm spans: give qk_norm")
    if geometry.window is not None and any(s >= w for s, w in zip(args["shift"] or (0, 0), geometry.window)):
        raise ShapeError(f"shift {list(args['shift'])} must be smaller than the window {list(geometry.window)}")
    return geometry


def _shifted(call: Call) -> bool:
    return call["shift"] is not None and any(call["shift"])


def _output(call: Call) -> Shape:
    geometry = _check(call)
    return call.inputs[0][:-1] + (geometry.out,)


def _bias(call: Call, key: str) -> bool:
    value = call[key]
    return call["bias"] if value is None else value


def _table(call: Call, geometry: _Geometry) -> int:
    kind = call["relative_position_bias"]
    if kind is None:
        return 0
    if kind is True:
        wh, ww = geometry.window
        return (2 * wh - 1) * (2 * ww - 1) * geometry.heads
    return kind[1] * geometry.heads


def _qk_span(call: Call) -> str:
    return call["qk_norm_span"] or "head"


def _qk_norm_params(call: Call, g: _Geometry) -> int:
    """The Q and K norms' scales (and shifts): d each when one norm serves every head, else
    one per query and key element of a position (H·d and KV·d)."""
    kind = call["qk_norm"]
    if kind == "none":
        return 0
    per_element = 2 if kind == "layernorm" else 1
    return per_element * (2 * g.d if _qk_span(call) == "head" else (g.heads + g.kv) * g.d)


def _params(call: Call) -> Params:
    g = _Geometry(call)
    weights = g.c * g.heads * g.d + 2 * g.c_kv * g.kv * g.d + g.heads * g.d * g.out
    biases = (g.heads * g.d + 2 * g.kv * g.d if _bias(call, "qkv_bias") else 0) + (g.out if _bias(call, "out_bias") else 0)
    sinks = g.heads if call["sinks"] else 0
    return Params(weights + biases + _table(call, g) + _qk_norm_params(call, g) + sinks)


def _projection_macs(g: _Geometry, queries: int, keys: int) -> int:
    return queries * g.c * g.heads * g.d + 2 * keys * g.c_kv * g.kv * g.d + queries * g.heads * g.d * g.out


def _macs(call: Call) -> int:
    g = _Geometry(call)
    return _projection_macs(g, g.t, g.s) + g.products


def _flops(call: Call) -> int:
    g = _Geometry(call)
    bias = ((g.t * g.heads * g.d + 2 * g.s * g.kv * g.d) if _bias(call, "qkv_bias") else 0) \
        + (g.t * g.out if _bias(call, "out_bias") else 0)
    # Per score: the 1/sqrt(d) scaling and the softmax; one more for an added bias (a
    # position table, ALiBi's slopes, a shifted window's mask).
    per_score = 2 + (call["relative_position_bias"] is not None) + (call["position"] == "alibi") \
        + _shifted(call)
    # RoPE rotates each query and key element: two products and a sum.
    rope = 3 * (g.t * g.heads + g.s * g.kv) * g.d if call["position"] == "rope" else 0
    # Q/K norms: 1 per element normalised, as the norm layers count
    qk_norm = (g.t * g.heads + g.s * g.kv) * g.d if call["qk_norm"] != "none" else 0
    sinks = 2 * g.t * g.heads if call["sinks"] else 0
    return 2 * _macs(call) + bias + per_score * g.scores + rope + qk_norm + sinks


def _saved(call: Call) -> tuple[Kept, ...]:
    """What the backward pass keeps (PyTorch's matmul-and-softmax attention): the input(s)
    the projections read, Q, K and V, the softmax's output (not the scores before it), with
    dropout its 1-byte mask and the dropped probabilities the value product reads, and the
    context the output projection reads. K and V at kv_heads width, as a kernel that does not
    repeat them keeps them. Rebuilding the probabilities (selective recompute) runs the score
    product Q·Kᵀ again, half the two products; the context is kept, so not the value product."""
    g = _Geometry(call)
    kept = [*keeps_inputs(call)]
    if call["qk_norm"] != "none":       # each norm keeps its input and two fp32 statistics per group
        groups = g.t + g.s if _qk_span(call) == "all" else g.t * g.heads + g.s * g.kv
        kept += [Kept("q and k before their norms", (g.t * g.heads + g.s * g.kv) * g.d),
                 Kept("q and k norms' mean and 1/std", 2 * groups, bytes=STAT_BYTES)]
    kept += [Kept("q", g.t * g.heads * g.d), Kept("k", g.s * g.kv * g.d), Kept("v", g.s * g.kv * g.d),
            Kept("probabilities", g.scores, core=True, rebuild_macs=g.products // 2)]
    if call["dropout"]:
        kept += [Kept("dropout mask", g.scores, bytes=MASK_BYTES, core=True),
                 Kept("dropped probabilities", g.scores, core=True)]
    kept.append(Kept("context", g.t * g.heads * g.d))
    return tuple(kept)


def _fused_saved(call: Call) -> tuple[Kept, ...]:
    g = _Geometry(call)
    return softmax_statistics(g.t, g.heads)


def _scores(call: Call) -> int:
    return _Geometry(call).scores


def _product_macs(call: Call) -> int:
    return _Geometry(call).products


def _self_causal(call: Call) -> bool:
    return bool(call["causal"]) and len(call.inputs) == 1 and call["window"] is None


def _cache_per_token(call: Call) -> int:
    if not _self_causal(call):
        return 0
    g = _Geometry(call)
    return 2 * g.kv * g.d


def _cache_positions(call: Call, context: int) -> int:
    """Positions the cache keeps after `context` tokens: all of them, or the last W of a sliding window."""
    window = call["sliding_window"]
    return context if window is None else min(context, window)


def _position_limit(call: Call) -> PositionLimit | None:
    """Rotary and ALiBi positions extend past the range a model was trained for: a soft limit."""
    limit = call["max_positions"]
    return None if limit is None else PositionLimit(limit, learned=False, source=f"max_positions: {limit}; max_position_embeddings in a Hugging Face config")


def _fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Windows: a query reads its window; a shifted window is the same grid moved by the shift
    (the mask keeps the wrapped-around parts apart). Causal: positions up to its own (the last
    W of them with a sliding window). Otherwise every position; cross-attention adds all of the
    second input's."""
    query = inputs[0]
    if call["window"] is not None:
        maps = {}
        for axis, (size, shift) in enumerate(zip(call["window"], call["shift"] or (0, 0))):
            maps[axis] = tabulated(size, [((r - shift) // size * size + shift,
                                            (r - shift) // size * size + shift + size - 1) for r in range(size)], size)
        return moved(query, maps)
    if len(inputs) == 2:
        keys, (steps, _) = inputs[1], call.inputs[1]
        every = gathered(keys, (0,), (steps,))
        return Field(query.axes, join_hulls(query.gathered, every.gathered))
    if call["causal"]:
        return moved(query, {0: causal(call["sliding_window"])})
    return spread(query, (0,), (call.input[0],))


def _decode_macs(call: Call, context: int) -> int:
    """One new query position: its projections, then scores over the cached positions and itself."""
    g = _Geometry(call)
    return _projection_macs(g, 1, 1) + 2 * (_cache_positions(call, context) + 1) * g.heads * g.d


register(Rule(
    type="attention", family="attention",
    summary="Multi-head attention: Q, K, V and output projections (self- or cross-attention, "
            "grouped-query heads, windows).",
    args=(
        Arg("heads", positive, help="query heads"),
        Arg("dim", optional(positive), None, help="output width (default: the input's C)"),
        Arg("head_dim", optional(positive), None, help="width of a head (default: dim / heads)"),
        Arg("kv_heads", optional(positive), None, help="key/value heads (default: heads; 1: multi-query)"),
        Arg("bias", boolean, True, help="biases on every projection"),
        Arg("qkv_bias", optional(boolean), None, help="biases of Q, K, V (default: bias)"),
        Arg("out_bias", optional(boolean), None, help="bias of the output projection (default: bias)"),
        Arg("causal", boolean, False, help="a causal mask: changes no count; marks it for the KV cache"),
        Arg("sliding_window", optional(positive), None,
            help="a causal window of W positions (Mistral); null: full attention. Changes no forward "
                 "count; the KV cache keeps min(context, W) positions"),
        Arg("position", choice("none", "rope", "alibi"), "none", help="rotary or ALiBi positions (no params)"),
        Arg("max_positions", optional(positive), None,
            help="positions rope or alibi was trained for (max_position_embeddings); a longer --context "
                 "warns. No count"),
        Arg("relative_position_bias", _position_bias, None,
            help="{buckets: N}: T5's table (N·heads); true: Swin's over the window"),
        Arg("window", optional(per_axis(2)), None, help="attention inside windows of [wh, ww] on [H, W, C]"),
        Arg("shift", optional(per_axis(2, minimum=0)), None, help="shifted windows (Swin)"),
        Arg("dropout", number(minimum=0.0, below=1.0), 0.0,
            help="dropout rate on the probabilities (training keeps its mask; no count changes)"),
        Arg("sinks", boolean, False, help="a learned logit per head that joins every softmax (gpt-oss): H weights"),
        Arg("qk_norm", choice("none", "rmsnorm", "layernorm", "layernorm_scale"), "none",
            help="a norm on the queries and on the keys after their projections (layernorm_scale: no shift)"),
        Arg("qk_norm_span", optional(choice("head", "each_head", "all")), None,
            help="what one Q/K norm spans: head (default; a head's d, shared by the heads), each_head (each "
                 "its own) or all (all heads' width)"),
    ),
    output_shape=_output, params=_params, macs=_macs, flops=_flops,
    flops_rule=("2 per MAC, plus 1 per projection output element for biases, per score 2 (scaling and "
                "softmax) and 1 more for a position bias, ALiBi or a shifted window's mask, 3 per "
                "query and key element for RoPE and 1 for Q/K norms, 2 per query and head for sinks"),
    min_inputs=1, max_inputs=2, aliases=("MultiheadAttention", "MultiHeadAttention"),
    product_macs=_product_macs, cache_per_token=_cache_per_token, cache_positions=_cache_positions,
    decode_macs=_decode_macs, position_limit=_position_limit,
    saved=_saved, fields=_fields, scores=_scores, fused_saved=_fused_saved,
))

