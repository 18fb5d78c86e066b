"""Multi-head latent attention (MLA: DeepSeek-V2 and V3): keys and values drawn from one
compressed latent per position, so the KV cache holds that latent and one shared rotary key
instead of every head's K and V.

With H heads, input width C, output width O, a query latent of rank Rq (`q_rank`; none: Q
projected from the input directly), a key/value latent of rank Rkv, per head a key part
without positions (`nope_dim` N) and one with RoPE (`rope_dim` P, shared by all heads on
the key side), and values of `v_dim` V:

params = Q: C·Rq + Rq (its RMSNorm) + Rq·H·(N + P)  (or C·H·(N + P) without a latent)
       + C·(Rkv + P) + Rkv (its RMSNorm) + Rkv·H·(N + V) + H·V·O
       (+ biases Rq, Rkv + P and O: DeepSeek's `attention_bias`; the direct Q has none)
MACs   = per query the projections above, then the scores Q·Kᵀ over T·S·H·(N + P) and the
       weighted sum of values T·S·H·V — as transformers runs it, K and V expanded from the
       latent for every position.

Decoding keeps Rkv + P elements per position (the normalised latent and the rotated shared
key). One new token, as DeepSeek's inference folds the key and value up-projections into the
query and the output (the cached latent never expanded): its projections, H·N·Rkv to carry
the query into the latent space, scores over (positions + 1)·H·(Rkv + P), values over
(positions + 1)·H·Rkv, and H·Rkv·V back out of it.
"""

from __future__ import annotations

from ..args import Arg, boolean, number, optional, positive
from ..errors import ShapeError
from ..shapes import Shape
from .registry import (MASK_BYTES, STAT_BYTES, Call, Kept, Params, PositionLimit, Rule, keeps_inputs, register,
                       softmax_statistics)
from ..fieldmaps import Field, causal, moved, spread


class _Sizes:
    """The sizes of one application, derived once from the call."""
    __slots__ = ("t", "c", "out", "heads", "q_rank", "kv_rank", "nope", "rope", "v", "bias")

    def __init__(self, call: Call):
        if len(call.input) != 2:
            raise ShapeError("expects a [T, C] sequence")
        self.t, self.c = call.input
        self.out = call["dim"] or self.c
        self.heads, self.q_rank, self.kv_rank = call["heads"], call["q_rank"], call["kv_rank"]
        self.nope, self.rope, self.v, self.bias = call["nope_dim"], call["rope_dim"], call["v_dim"], call["bias"]

    @property
    def qk(self) -> int:
        """Width of one head's query and key: the part without positions and the rotated part."""
        return self.nope + self.rope

    def projection_weights(self) -> int:
        """Weights of the projections a position runs through (the norms' scales left out)."""
        q = self.c * self.heads * self.qk if self.q_rank is None else \
            self.c * self.q_rank + self.q_rank * self.heads * self.qk
        return q + self.c * (self.kv_rank + self.rope) + self.kv_rank * self.heads * (self.nope + self.v) \
            + self.heads * self.v * self.out

    def biases(self) -> int:
        if not self.bias:
            return 0
        return (self.q_rank or 0) + self.kv_rank + self.rope + self.out

    def products(self) -> int:
        """Scores Q·Kᵀ and the weighted sum of values, over T queries and T keys."""
        return self.t * self.t * self.heads * (self.qk + self.v)

    def scores(self) -> int:
        return self.t * self.t * self.heads


def _output(call: Call) -> Shape:
    s = _Sizes(call)
    return (s.t, s.out)


def _params(call: Call) -> Params:
    s = _Sizes(call)
    norms = (s.q_rank or 0) + s.kv_rank
    return Params(s.projection_weights() + norms + s.biases())


def _macs(call: Call) -> int:
    s = _Sizes(call)
    return s.t * s.projection_weights() + s.products()


def _flops(call: Call) -> int:
    s = _Sizes(call)
    # Biases 1 per output element; the two latents' RMSNorms 1 per element; per score 2 (the
    # scaling and the softmax); RoPE 3 per rotated element: every head's query, the one shared key.
    normed = s.t * ((s.q_rank or 0) + s.kv_rank)
    rope = 3 * s.t * (s.heads + 1) * s.rope
    return 2 * _macs(call) + s.t * s.biases() + normed + 2 * s.scores() + rope


def _saved(call: Call) -> tuple[Kept, ...]:
    """What the backward pass keeps (transformers' eager MLA): the input, each latent before and
    after its norm with the norm's fp32 statistics, Q, the expanded K and V, the probabilities
    (with dropout, its mask and the dropped probabilities) and the context O reads."""
    s = _Sizes(call)
    kept = list(keeps_inputs(call))
    for name, rank in (("query latent", s.q_rank), ("key/value latent", s.kv_rank)):
        if rank:
            kept += [Kept(f"{name}", s.t * rank), Kept(f"{name} normalised", s.t * rank),
                     Kept(f"{name} norm's mean and 1/std", 2 * s.t, bytes=STAT_BYTES)]
    kept += [Kept("q", s.t * s.heads * s.qk), Kept("k", s.t * s.heads * s.qk), Kept("v", s.t * s.heads * s.v),
             Kept("probabilities", s.scores(), core=True, rebuild_macs=s.scores() * s.qk)]
    if call["dropout"]:
        kept += [Kept("dropout mask", s.scores(), bytes=MASK_BYTES, core=True),
                 Kept("dropped probabilities", s.scores(), core=True)]
    kept.append(Kept("context", s.t * s.heads * s.v))
    return tuple(kept)


def _scores(call: Call) -> int:
    return _Sizes(call).scores()


def _fused_saved(call: Call) -> tuple[Kept, ...]:
    s = _Sizes(call)
    return softmax_statistics(s.t, s.heads)


def _product_macs(call: Call) -> int:
    return _Sizes(call).products()


def _cache_per_token(call: Call) -> int:
    """The normalised key/value latent and the rotated key all heads share."""
    s = _Sizes(call)
    return s.kv_rank + s.rope if call["causal"] else 0


def _decode_macs(call: Call, context: int) -> int:
    s = _Sizes(call)
    one = s.projection_weights() - s.kv_rank * s.heads * (s.nope + s.v)     # the up-projection is folded
    absorbed = s.heads * s.nope * s.kv_rank + s.heads * s.kv_rank * s.v      # into the query and the output
    return one + absorbed + (context + 1) * s.heads * (s.kv_rank + s.rope + s.kv_rank)


def _position_limit(call: Call) -> PositionLimit | None:
    limit = call["max_positions"]
    return None if limit is None else PositionLimit(limit, learned=False, source=f"max_positions: {limit}; "
                                                    "max_position_embeddings in a Hugging Face config")


def _fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Self-attention over the sequence: positions up to its own when causal, else every position."""
    if call["causal"]:
        return moved(inputs[0], {0: causal()})
    return spread(inputs[0], (0,), (call.input[0],))


register(Rule(
    type="latent_attention", family="attention",
    summary="Multi-head latent attention (DeepSeek-V2/V3): K and V from one compressed latent, which the KV "
            "cache keeps with a shared rotary key.",
    args=(
        Arg("heads", positive, help="query heads H"),
        Arg("kv_rank", positive, help="rank of the key/value latent (kv_lora_rank)"),
        Arg("nope_dim", positive, help="per head, the query and key width without positions (qk_nope_head_dim)"),
        Arg("rope_dim", positive, help="per head, the query and key width RoPE rotates (qk_rope_head_dim)"),
        Arg("v_dim", positive, help="per head, the value width (v_head_dim)"),
        Arg("q_rank", optional(positive), None, help="rank of the query latent (q_lora_rank); null: Q projected "
                                                      "from the input directly"),
        Arg("dim", optional(positive), None, help="output width (default: the input's C)"),
        Arg("bias", boolean, False, help="biases on the two latent projections and the output (attention_bias)"),
        Arg("causal", boolean, False, help="a causal mask: changes no count; marks it for the KV cache"),
        Arg("max_positions", optional(positive), None,
            help="positions RoPE was trained for (max_position_embeddings); a longer --context warns. No count"),
        Arg("dropout", number(minimum=0.0, below=1.0), 0.0,
            help="dropout rate on the probabilities (training keeps its mask; no count changes)"),
    ),
    output_shape=_output, params=_params, macs=_macs, flops=_flops,
    flops_rule=("2 per MAC, plus 1 per projection output element for biases, 1 per element of the two "
                "latents' norms, per score 2 (scaling and softmax) and 3 per rotated query and key element"),
    min_inputs=1, max_inputs=1, product_macs=_product_macs, cache_per_token=_cache_per_token,
    decode_macs=_decode_macs, position_limit=_position_limit, saved=_saved, fields=_fields,
    scores=_scores, fused_saved=_fused_saved,
))
