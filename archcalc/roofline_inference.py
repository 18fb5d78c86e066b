"""A report on a device: how long its layers take at best, and whether it fits (docs/devices.md).

Two time figures, named for what they are:
- the **lower bound**: max(total FLOPs / peak, unavoidable bytes / bandwidth), unavoidable being
  the weights read once, the model's own inputs and its outputs. No schedule runs faster.
- the **unfused estimate**: Σ over layers of max(FLOPs / peak, bytes moved / bandwidth), as if
  every layer's inputs and output went through DRAM; compilers that fuse layers beat it.
With a context (a KV cache), the decode step reads the weights once and the whole cache:
tokens/s at most batch / max(step FLOPs / peak, (step weights + cache) / bandwidth).
The peak is the device's for the activations' dtype (where the arithmetic happens; int4
weights are widened to it), so weights are read at their own width and computed at the
activations'. A figure scaled by `--efficiency` is reported beside the bound, never instead.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain, filterfalse
from operator import attrgetter, mul
from typing import Any, NamedTuple

from .device_table import Device, DeviceError
from .errors import option
from .dtypes import nbytes
from .report import Report
from .shapes import elements


class LayerTime(NamedTuple):
    bound: str              # "compute" or "memory": which of the two times is the larger
    seconds: float          # max(FLOPs / peak, bytes moved / bandwidth)


class Decode(NamedTuple):
    """One decoding step with the context cached, for the whole batch."""
    step_bytes: int                     # weights one step reads + the KV cache
    step_flops: int                     # 2 · decode MACs per token · batch
    step_seconds: float
    tokens_per_second_bound: float      # batch / step_seconds
    prefill_seconds: float              # the lower bound of the forward pass over the input sequence
    max_batch_fitting: int              # sequences whose cache and activations fit beside the weights


class Roofline(NamedTuple):
    device: Device
    compute_dtype: str
    peak: int                           # FLOP/s used: the device's peak for compute_dtype
    layers: tuple[LayerTime, ...]       # one per report layer, in order
    unavoidable_bytes: int
    lower_bound_seconds: float
    lower_bound_kind: str               # which term of the max holds: "compute" or "memory"
    unfused_estimate_seconds: float
    memory_needed_bytes: int            # weights + peak activations (+ KV cache with a context)
    memory_left_bytes: int              # device memory - memory needed; negative when it does not fit
    decode: Decode | None = None
    efficiency: float | None = None     # only when the user gives one

    @property
    def fits(self) -> bool:
        return self.memory_left_bytes >= 0

    # The decoding figures under their JSON names (None without a context).
    @property
    def prefill_seconds(self) -> float | None:
        return None if self.decode is None else self.decode.prefill_seconds

    @property
    def decode_step_bytes(self) -> int | None:
        return None if self.decode is None else self.decode.step_bytes

    @property
    def decode_step_flops(self) -> int | None:
        return None if self.decode is None else self.decode.step_flops

    @property
    def decode_step_seconds(self) -> float | None:
        return None if self.decode is None else self.decode.step_seconds

    @property
    def decode_tokens_per_second_bound(self) -> float | None:
        return None if self.decode is None else self.decode.tokens_per_second_bound

    @property
    def max_batch_fitting(self) -> int | None:
        return None if self.decode is None else self.decode.max_batch_fitting

    # Scaled by --efficiency, only when it was given (None otherwise).
    @property
    def lower_bound_at_efficiency_seconds(self) -> float | None:
        return None if self.efficiency is None else self.lower_bound_seconds / self.efficiency

    @property
    def decode_tokens_per_second_at_efficiency(self) -> float | None:
        if self.efficiency is None or self.decode is None:
            return None
        return self.decode.tokens_per_second_bound * self.efficiency

    def totals_dict(self) -> dict[str, Any]:
        """The figures `totals` gains, under their JSON keys (the attributes of the same names):
        the decoding ones with a context, the scaled ones with an efficiency."""
        keys = ["lower_bound_seconds", "lower_bound_kind", "unavoidable_bytes", "unfused_estimate_seconds", "fits",
                "memory_needed_bytes", "memory_left_bytes"]
        if self.decode is not None:
            keys += ["prefill_seconds", "decode_step_bytes", "decode_step_flops", "decode_step_seconds",
                     "decode_tokens_per_second_bound", "max_batch_fitting"]
        if self.efficiency is not None:
            keys += ["efficiency", "lower_bound_at_efficiency_seconds"]
            if self.decode is not None:
                keys.append("decode_tokens_per_second_at_efficiency")
        return {key: getattr(self, key) for key in keys}

    def device_dict(self) -> dict[str, Any]:
        return {**self.device.to_dict(), "compute_dtype": self.compute_dtype, "peak_used": self.peak}


def _time(flops: int, moved: int, peak: int, bandwidth: int) -> LayerTime:
    # flops / peak against moved / bandwidth, compared in integers so a tie is exact
    if flops * bandwidth >= moved * peak:
        return LayerTime("compute", flops / peak)
    return LayerTime("memory", moved / bandwidth)


def _unavoidable(report: Report) -> int:
    """Weights every layer reads, read once, plus the model's inputs and the outputs no layer
    consumes. The weights are the layers' bytes moved less the activations they read and write:
    every output once (the report's `activations_bytes`) and every tensor once per reading layer.
    Written with maps over the layers (a million-layer report is one pass in C, not in Python)."""
    act, batch, layers = report.dtype.activations, report.batch, report.layers
    names = list(map(attrgetter("name"), layers))
    shapes = list(map(attrgetter("output_shape"), layers))
    model_inputs = report.inputs or (("input", report.input),)
    counts = {shape: elements(shape) for shape in {*shapes, *(shape for _, shape in model_inputs)}}
    size = {name: counts[shape] for name, shape in model_inputs}
    size.update(zip(names, map(counts.__getitem__, shapes)))
    tensor_bytes = {n: nbytes(n * batch, act) for n in set(size.values())}
    reads = Counter(chain.from_iterable(map(attrgetter("inputs"), layers)))
    read: int = sum(map(mul, map(tensor_bytes.__getitem__, map(size.__getitem__, reads)), reads.values()))
    moved: int = sum(map(attrgetter("bytes_moved"), layers))
    weights = moved - report.totals.memory.activations_bytes - read
    inputs = sum(tensor_bytes[size[name]] for name, _ in model_inputs)
    outputs = sum(tensor_bytes[size[name]] for name in filterfalse(reads.__contains__, names))
    return weights + inputs + outputs


def _decode(report: Report, device: Device, peak: int, lower: float) -> Decode | None:
    decoding = report.totals.decoding
    if decoding is None:
        return None
    batch = report.batch
    step_bytes = decoding.step_weight_bytes + decoding.kv_cache_bytes
    step_flops = 2 * decoding.decode_macs_per_token * batch
    step = _time(step_flops, step_bytes, peak, device.bandwidth).seconds
    per_sequence = -(-(decoding.kv_cache_bytes + report.totals.memory.peak_activation_bytes) // batch)
    room = device.memory - report.totals.memory.params_bytes
    return Decode(step_bytes=step_bytes, step_flops=step_flops, step_seconds=step,
                  tokens_per_second_bound=batch / step, prefill_seconds=lower,
                  max_batch_fitting=max(0, room // per_sequence))


def roofline(report: Report, device: Device, efficiency: float | None = None) -> Roofline:
    """The report on `device`: per-layer bound and time, the two totals, fit and decoding."""
    if efficiency is not None and not 0 < efficiency <= 1:
        raise DeviceError(f"{option('efficiency')} must be above 0 and at most 1, got {efficiency}")
    dtype = report.dtype.activations
    peak, bandwidth = device.peak(dtype), device.bandwidth
    # Repeated layers share their figures, and so their time: one LayerTime per distinct pair.
    keys = list(zip(map(attrgetter("flops"), report.layers), map(attrgetter("bytes_moved"), report.layers)))
    known = {key: _time(*key, peak, bandwidth) for key in set(keys)}
    layers = list(map(known.__getitem__, keys))
    unavoidable = _unavoidable(report)
    whole = _time(report.totals.flops, unavoidable, peak, bandwidth)
    needed = report.totals.serving_bytes
    return Roofline(device=device, compute_dtype=dtype, peak=peak, layers=tuple(layers), unavoidable_bytes=unavoidable,
                    lower_bound_seconds=whole.seconds, lower_bound_kind=whole.bound,
                    unfused_estimate_seconds=sum(map(attrgetter("seconds"), layers)),
                    memory_needed_bytes=needed, memory_left_bytes=device.memory - needed,
                    decode=_decode(report, device, peak, whole.seconds), efficiency=efficiency)


def with_roofline(report: Report, device: Device, efficiency: float | None = None) -> Report:
    """The report carrying its roofline in `totals.roofline`, as renderers read it."""
    return report._replace(totals=report.totals._replace(roofline=roofline(report, device, efficiency)))
