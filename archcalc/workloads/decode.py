"""Decoding one token at a time with a KV cache: its size and the cost of one new token.

- KV cache per token: Σ over causal self-attention layers of the elements one token adds
  (the rule's `cache_per_token`: 2·kv_heads·head_dim; the latent and shared rotated key,
  kv_rank + rope_dim, for latent attention), in the KV cache's dtype;
- KV cache: Σ over those layers of the elements per token × the positions the layer keeps
  (the rule's `cache_positions`: the context, or min(context, W) under a sliding window of W),
  × batch — per token × context × batch when no layer has a window;
- decode MACs per token: every weighted layer applied to one position (a layer on a [T, C]
  sequence costs its MACs / T), attention with the rule's `decode_macs(call, context)`:
  its projections for the one position plus 2·(positions kept + 1)·heads·head_dim.
"""

from __future__ import annotations

from typing import NamedTuple

from ..dtypes import nbytes
from ..errors import SpecError, UsageError, option
from ..graph import Graph
from ..report import Report
from .walk import walk


class Decoding(NamedTuple):
    context: int
    kv_cache_bytes_per_token: int
    kv_cache_bytes: int
    decode_macs_per_token: int
    warnings: tuple[str, ...] = ()     # a context past the positions rotary or ALiBi were trained for
    step_weight_bytes: int = 0         # weights one decoding step reads (one position per sequence)


class NoKVCache(UsageError):
    """--context on a model with no causal self-attention: there is no cache to size."""


def decode_figures(graph: Graph, report: Report, context: int) -> Decoding:
    if context < 1:
        raise UsageError(f"{option('context')} must be at least 1, got {context}")
    cached = kept = decode = read = 0
    beyond: dict = {}          # the positions a soft limit allows -> the first layer saying so
    for step in walk(graph, report):
        rule, call, node = step.rule, step.call, step.node
        limit = rule.position_limit(call) if rule.position_limit else None
        if limit is not None and context > limit.positions:
            if limit.learned:
                raise SpecError(f"{option('context')} {context} is beyond the {limit.positions} positions of {node.name}'s "
                                f"learned table ({limit.source}): a token past them has no "
                                "position to read", graph.origin.file)
            beyond.setdefault(limit.positions, (node.name, limit.source))
        per_sample = step.row.macs // graph.batch
        read += _weights_read_per_step(rule, call, graph.batch) * node.copies[1]
        cache_per_token, decode_macs = rule.cache_per_token, rule.decode_macs
        if cache_per_token is not None and cache_per_token(call):
            if decode_macs is None:           # a bug of the rule's, never the user's
                raise AssertionError(f"rule {rule.type} caches per token but states no decode MACs")
            per_token = cache_per_token(call) * node.copies[1]
            cached += per_token
            kept += per_token * (rule.cache_positions(call, context) if rule.cache_positions else context)
            decode += decode_macs(call, context) * node.copies[1]
        elif per_sample and len(call.input) >= 2:
            decode += per_sample // call.input[0]          # one position of a sequence-wise layer
        else:
            decode += per_sample
    if cached == 0:
        raise NoKVCache(f"{option('context')}: {graph.name} has no causal self-attention layer, so there is no KV cache "
                         "to size (decoder attention says causal: true)")
    per_token = nbytes(cached, graph.dtype.kv_cache)
    # Without a window this is per_token × context when the elements per token are even (as
    # 2·kv_heads·head_dim always is); the cache's bytes are rounded once, from its elements.
    warnings = tuple(f"{option('context')} {context} is beyond the {positions} positions {name} was trained for "
                     f"({source}): the figures are exact, the model's output there is untested"
                     for positions, (name, source) in sorted(beyond.items()))
    return Decoding(context, per_token, nbytes(kept, graph.dtype.kv_cache) * graph.batch, decode, warnings,
                    step_weight_bytes=nbytes(read, graph.dtype.weights))


def _weights_read_per_step(rule, call, batch: int) -> int:
    """Weight elements a layer reads to decode one position of each sequence: all of them, but
    for a layer reading rows (an embedding), one position's rows per sequence."""
    params = rule.params(call)
    held = params.learned + params.buffers
    if rule.weights_read is None:
        return held
    positions = call.input[0] if call.input else 1
    return min(held, rule.weights_read(call) // positions * batch)


def with_decoding(graph: Graph, report: Report, context: int) -> Report:
    figures = decode_figures(graph, report, context)
    return report._replace(totals=report.totals._replace(decoding=figures))
