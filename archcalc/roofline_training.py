"""A training step on a device (`archcalc train --device`, docs/devices.md): the step's lower
bound on each of N data-parallel copies, whether a copy's memory fits, and the model-FLOPs
utilisation a measured step time means.

- The step's batch is split over `devices` copies (it must divide evenly); each copy runs the
  step on batch / N and holds its own weights, gradients and optimizer state (plain data
  parallelism, nothing sharded).
- Lower bound per copy: max(step FLOPs / peak, (weights + gradients + optimizer state) /
  bandwidth): each of those bytes is touched at least once a step. The peak is the one of the
  precision's arithmetic (fp32; bf16 or fp16 under mixed precision).
- Model FLOPs (PaLM, Chowdhery et al. 2022, appendix B): 6N + 12·L·H·Q·T per token, the forward
  and backward products with no recomputation counted. Here it is 6 × the forward MACs of the
  whole step: per token, 6 for each weight used in a product (N, less weights only looked up,
  such as an embedding table) plus 6 × 2·T·H·Q for each attention layer's score and value
  products — PaLM's 12·H·Q·T a layer.
- MFU = model FLOPs / (measured step time × N × peak).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .device_table import Device, DeviceError
from .errors import option

PRECISION_DTYPES = {"fp32": "float32", "bf16-mixed": "bfloat16", "fp16-mixed": "float16"}


class TrainingTime(NamedTuple):
    device: Device
    devices: int                        # data-parallel copies
    batch_per_device: int
    compute_dtype: str
    peak: int                           # FLOP/s of one device at compute_dtype
    flops_per_device_step: int
    unavoidable_bytes: int              # per copy: weights + gradients + optimizer state
    step_lower_bound_seconds: float
    step_lower_bound_kind: str          # "compute" or "memory"
    memory_needed_bytes: int            # per copy: the step's total memory at batch / N
    memory_left_bytes: int
    model_flops_per_step: int           # PaLM's, for the whole step (all copies)
    measured_step_seconds: float | None = None
    efficiency: float | None = None

    @property
    def fits(self) -> bool:
        return self.memory_left_bytes >= 0

    @property
    def mfu(self) -> float | None:
        """Model FLOPs over what N devices could do in the measured step time."""
        if self.measured_step_seconds is None:
            return None
        return self.model_flops_per_step / (self.measured_step_seconds * self.devices * self.peak)

    @property
    def step_lower_bound_at_efficiency_seconds(self) -> float | None:
        return None if self.efficiency is None else self.step_lower_bound_seconds / self.efficiency

    def to_dict(self) -> dict[str, Any]:
        """The figures under their JSON keys (the attributes of the same names)."""
        keys = ["devices", "batch_per_device", "flops_per_device_step", "unavoidable_bytes",
                "step_lower_bound_seconds", "step_lower_bound_kind", "fits", "memory_needed_bytes",
                "memory_left_bytes", "model_flops_per_step"]
        if self.efficiency is not None:
            keys += ["efficiency", "step_lower_bound_at_efficiency_seconds"]
        if self.measured_step_seconds is not None:
            keys += ["measured_step_seconds", "mfu"]
        return {key: getattr(self, key) for key in keys}

    def device_dict(self) -> dict[str, Any]:
        return {**self.device.to_dict(), "compute_dtype": self.compute_dtype, "peak_used": self.peak}


def training_time(per_device: Any, forward_macs: int, device: Device, precision: str, devices: int = 1,
                  batch_per_device: int = 1, measured_step_seconds: float | None = None,
                  efficiency: float | None = None) -> TrainingTime:
    """`per_device`: the training figures (workloads.training.Training) of one copy's step at
    batch / N; `forward_macs`: the forward MACs of the whole step (all copies)."""
    if devices < 1:
        raise DeviceError(f"{option('devices')} must be at least 1, got {devices}")
    if efficiency is not None and not 0 < efficiency <= 1:
        raise DeviceError(f"{option('efficiency')} must be above 0 and at most 1, got {efficiency}")
    if measured_step_seconds is not None and measured_step_seconds <= 0:
        raise DeviceError(f"{option('step_time')} must be positive")
    dtype = PRECISION_DTYPES[precision]
    peak, bandwidth = device.peak(dtype), device.bandwidth
    m = per_device.memory
    unavoidable = m.weights_bytes + m.gradient_bytes + m.optimizer_bytes
    flops = per_device.flops_per_step
    compute = flops * bandwidth >= unavoidable * peak
    needed = m.total_bytes
    return TrainingTime(device=device, devices=devices, batch_per_device=batch_per_device, compute_dtype=dtype,
                        peak=peak, flops_per_device_step=flops, unavoidable_bytes=unavoidable,
                        step_lower_bound_seconds=flops / peak if compute else unavoidable / bandwidth,
                        step_lower_bound_kind="compute" if compute else "memory",
                        memory_needed_bytes=needed, memory_left_bytes=device.memory - needed,
                        model_flops_per_step=6 * forward_macs, measured_step_seconds=measured_step_seconds,
                        efficiency=efficiency)


def train_on_device(graph: Any, report: Any, figures: Any, device: Device, devices: int = 1,
                    measured_step_seconds: float | None = None, efficiency: float | None = None,
                    **settings: Any) -> Any:
    """`figures` (a Training of `graph`'s whole step) with its `device` figures: the step on
    `devices` data-parallel copies, each running it on batch / N (analysed again at that batch,
    so one copy's memory is exact). `settings`: train_figures' optimizer, precision, …"""
    from .api import analyze_graph
    from .workloads.training import train_figures
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        raise DeviceError(f"{option('devices')} must be a positive integer, got {str(devices)[:40]}")
    if graph.batch % devices:
        raise DeviceError(f"{option('devices')} {devices}: the batch {graph.batch} does not split evenly over {devices} "
                          f"copies (give --batch a multiple of {devices})")
    per_device = figures
    if devices > 1:
        one = graph.with_settings(batch=graph.batch // devices)
        per_device = train_figures(one, analyze_graph(one), **settings)
    time = training_time(per_device, report.totals.macs, device, settings.get("precision", "fp32"), devices,
                         graph.batch // devices, measured_step_seconds, efficiency)
    return figures._replace(device=time)
