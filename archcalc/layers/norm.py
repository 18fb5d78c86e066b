"""Normalisation layers. Each normalises and (when affine) scales and shifts per channel, the
last axis: batchnorm, layernorm, rmsnorm, groupnorm, instancenorm."""

from __future__ import annotations

from typing import Any, Callable

from ..args import Arg, boolean, describe, kinded, number, positive
from ..errors import ArgumentError, ShapeError
from ..shapes import Shape, distinct_axes, elements
from .registry import STAT_BYTES, Call, Kept, Params, Rule, keeps_nothing, one_flop_per_output, register, zero
from ..fieldmaps import Field, mixes_last_axis, spread_over_positions, unchanged

_EPS = Arg("eps", number(minimum=0.0), 1e-5)
_NO_MACS = zero("element-wise normalisation")
_FLOPS_RULE = "1 per output element"


def _same(call: Call) -> Shape:
    return call.input


def _batchnorm_params(call: Call) -> Params:
    channels = call.input[-1]
    # Scale and shift are learned (each unless turned off, as Keras's scale and center allow);
    # running mean and variance are buffers.
    return Params(learned=(call["scale"] + call["center"]) * channels, buffers=2 * channels)


def _layernorm_params(call: Call) -> Params:
    return Params(learned=(int(call["scale"]) + int(call["bias"])) * call.input[-1])


def _groupnorm_output(call: Call) -> Shape:
    channels = call.input[-1]
    if channels % call["groups"]:
        raise ShapeError(f"groups={call['groups']} does not divide the {channels} channels")
    return call.input


def _affine_params(call: Call) -> Params:
    channels = call.input[-1]
    buffers = 2 * channels if call.args.get("track_running_stats") else 0
    return Params(learned=2 * channels if call["affine"] else 0, buffers=buffers)


def _keeps_with_stats(statistics: Callable[[Call], tuple[int, bool]]) -> Callable[[Call], tuple[Kept, ...]]:
    """Its input, and the fp32 statistics `statistics(call)` counts (two per normalised group:
    mean and 1/std, kept by PyTorch's kernels for the backward pass)."""
    def saved(call: Call) -> tuple[Kept, ...]:
        groups, whole_batch = statistics(call)
        return (Kept("input", elements(call.input), 0),
                Kept("mean and 1/std", 2 * groups, bytes=STAT_BYTES, whole_batch=whole_batch))
    return saved


def _rows(call: Call) -> tuple[int, bool]:
    """One statistic per row of the last axis, per sample (layernorm, rmsnorm)."""
    return elements(call.input) // call.input[-1], False


def _channels(call: Call) -> tuple[int, bool]:
    """Batch statistics: one per channel for the whole batch."""
    return call.input[-1], True


def _groups_per_sample(call: Call) -> tuple[int, bool]:
    return call["groups"], False


def _channels_per_sample(call: Call) -> tuple[int, bool]:
    return call.input[-1], False


def _rmsnorm_saved(call: Call) -> tuple[Kept, ...]:
    """Its input and one fp32 1/rms per row (a fused kernel's; no mean)."""
    return (Kept("input", elements(call.input), 0),
            Kept("1/rms", elements(call.input) // call.input[-1], bytes=STAT_BYTES))


register(Rule(
    type="batchnorm", family="norm",
    summary="Batch normalisation over the channel axis (inference: a per-channel scale and shift).",
    args=(_EPS, Arg("momentum", number(minimum=0.0), 0.1),
          Arg("scale", boolean, True, help="false: no learned scale (Keras's scale=False)"),
          Arg("center", boolean, True, help="false: no learned shift (Keras's center=False)")),
    output_shape=_same, params=_batchnorm_params, macs=_NO_MACS, flops=one_flop_per_output,
    flops_rule=_FLOPS_RULE,
    aliases=("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "BatchNormalization"),
    saved=_keeps_with_stats(_channels), fields=unchanged,   # inference: running statistics
))

register(Rule(
    type="layernorm", family="norm",
    summary="Layer normalisation over the last axis (a learned scale unless scale: false, and a shift unless "
            "bias: false).",
    args=(_EPS, Arg("bias", boolean, True, help="false: a scale only (as in many LLMs)"),
          Arg("scale", boolean, True, help="false: no learned scale (OLMo's norms, with bias: false, learn nothing)")),
    output_shape=_same, params=_layernorm_params, macs=_NO_MACS, flops=one_flop_per_output,
    flops_rule=_FLOPS_RULE, aliases=("LayerNorm", "LayerNormalization"), saved=_keeps_with_stats(_rows),
    fields=mixes_last_axis,
))

register(Rule(
    type="rmsnorm", family="norm",
    summary="Root-mean-square normalisation over the last axis with a learned scale (Llama, T5).",
    args=(_EPS,),
    output_shape=_same, params=lambda call: Params(learned=call.input[-1]), macs=_NO_MACS,
    flops=one_flop_per_output, flops_rule=_FLOPS_RULE, aliases=("RMSNorm", "LlamaRMSNorm", "T5LayerNorm"),
    saved=_rmsnorm_saved, fields=mixes_last_axis,
))

register(Rule(
    type="groupnorm", family="norm",
    summary="Group normalisation: channels in `groups` groups, normalised per sample and group.",
    args=(Arg("groups", positive, help="channel groups; must divide C"), _EPS, Arg("affine", boolean, True)),
    output_shape=_groupnorm_output, params=_affine_params, macs=_NO_MACS, flops=one_flop_per_output,
    flops_rule=_FLOPS_RULE, aliases=("GroupNorm", "GroupNormalization"),
    saved=_keeps_with_stats(_groups_per_sample), fields=spread_over_positions,
))

def _instancenorm_fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Statistics over each sample's positions mix every position; running ones (tracked) do not."""
    return (unchanged if call["track_running_stats"] else spread_over_positions)(call, inputs)


register(Rule(
    type="instancenorm", family="norm",
    summary="Instance normalisation: each channel of each sample over its positions (PyTorch's defaults).",
    args=(_EPS, Arg("affine", boolean, False), Arg("track_running_stats", boolean, False)),
    output_shape=_same, params=_affine_params, macs=_NO_MACS, flops=one_flop_per_output,
    flops_rule=_FLOPS_RULE, aliases=("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"),
    saved=_keeps_with_stats(_channels_per_sample), fields=_instancenorm_fields,
))


def _kept_axes(value: Any) -> tuple[int, ...]:
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise ArgumentError(f"expected an axis or a list of axes (may be empty), got {describe(value)}")
    return tuple(values)


kinded(_kept_axes, "int | list of int")


def _statistics(call: Call) -> int:
    """Elements of the mean (and of the variance): one per position of the kept axes."""
    kept = distinct_axes(call["axis"], len(call.input))
    return elements(tuple(call.input[a] for a in sorted(kept)))


def _normalize_output(call: Call) -> Shape:
    _statistics(call)
    return call.input


def _normalize_params(call: Call) -> Params:
    stored = 2 * _statistics(call) if call["stored"] else 0
    return Params(buffers=stored + (1 if call["count"] else 0))


register(Rule(
    type="normalize", family="norm",
    summary="(x - mean) / sqrt(variance) with fixed statistics per position of the kept axes (the channels "
            "by default), as Keras's Normalization layer at a model's start: nothing learned.",
    args=(Arg("axis", _kept_axes, -1, help="the axes the statistics are kept for; [] for one mean and variance"),
          Arg("stored", boolean, True, help="the mean and variance are buffers; false: constants of the graph"),
          Arg("count", boolean, False, help="a scalar sample count is kept too (Keras's adapt state)")),
    output_shape=_normalize_output, params=_normalize_params, macs=_NO_MACS, flops=one_flop_per_output,
    flops_rule=_FLOPS_RULE + " (a normalisation, as batchnorm at inference)", aliases=("Normalization",),
    saved=keeps_nothing("fixed statistics: a linear map whose gradient needs no tensor"),
    fields=unchanged,   # fixed statistics: element by element
))
