"""Normalisation layers; both act on the last (channel) axis."""

from __future__ import annotations

from ..args import Arg, number
from .registry import Call, Params, Rule, one_flop_per_output, register, zero


def _same(call: Call):
    return call.input


def _batchnorm_params(call: Call) -> Params:
    channels = call.input[-1]
    # Scale and shift are learned; running mean and variance are buffers.
    return Params(learned=2 * channels, buffers=2 * channels)


def _layernorm_params(call: Call) -> Params:
    return Params(learned=2 * call.input[-1])


register(Rule(
    type="batchnorm", family="norm",
    summary="Batch normalisation over the channel axis (inference: a per-channel scale and shift).",
    args=(Arg("eps", number(minimum=0.0), 1e-5), Arg("momentum", number(minimum=0.0), 0.1)),
    output_shape=_same, params=_batchnorm_params, macs=zero("a per-channel scale and shift, element-wise"),
    flops=one_flop_per_output,
    flops_rule="1 per output element",
))

register(Rule(
    type="layernorm", family="norm",
    summary="Layer normalisation over the last axis.",
    args=(Arg("eps", number(minimum=0.0), 1e-5),),
    output_shape=_same, params=_layernorm_params, macs=zero("element-wise normalisation"),
    flops=one_flop_per_output,
    flops_rule="1 per output element",
))

