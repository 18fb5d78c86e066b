"""A report's figures on a device (`--device`), as the text formats print them: one table of
label–text rows for the summary and four cells a layer. JSON and CSV take them from
`Roofline.totals_dict` and `device_dict` under their keys; this module words them for people."""

from __future__ import annotations

from typing import Any

from ..text import shown
from .common import count, intensity, size

_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
LAYER_COLUMNS = [("Bytes moved", "right"), ("FLOP/B", "right"), ("Bound", "left"), ("Time", "right")]


def seconds(value: float, options: Any) -> str:
    """A time: every digit (the float JSON holds) with --exact, else three significant digits."""
    if options.exact:
        return f"{value!r} s"
    for scale, unit in _UNITS:
        if value >= scale or scale == 1e-9:
            return f"{value / scale:.3g} {unit}"
    return f"{value!r} s"


def rate(value: float, options: Any) -> str:
    return f"{value!r}" if options.exact else f"{value:,.1f}"




def layer_cells(layer: Any, time: Any, options: Any) -> list[str]:
    """Bytes moved, FLOPs per byte, which bound holds and the time, for one layer."""
    return [size(layer.bytes_moved, options), intensity(layer.arithmetic_intensity), time.bound,
            seconds(time.seconds, options)]


def summary_rows(report: Any, options: Any) -> list[tuple[str, str]]:
    """(label, text) rows: the device, the two time figures named as what they are, the fit,
    decoding with a context, and the scaled figures only when --efficiency was given."""
    roof = report.totals.roofline
    device = roof.device
    rows = [("Device", f"{shown(device.title)} ({shown(device.name)}): {count(roof.peak, options)} FLOP/s "
                       f"{roof.compute_dtype} peak, {count(device.bandwidth, options)} B/s, "
                       f"{size(device.memory, options)} memory"),
            ("Lower bound", f"{seconds(roof.lower_bound_seconds, options)}, {roof.lower_bound_kind}-bound: "
                            f"max(FLOPs / peak, {size(roof.unavoidable_bytes, options)} unavoidable / bandwidth)"),
            ("Unfused estimate", f"{seconds(roof.unfused_estimate_seconds, options)}: Σ per layer of max(FLOPs / peak, "
                                 "bytes moved / bandwidth), no layer fused")]
    left = roof.memory_left_bytes
    verdict = (f"yes, {size(left, options)} left" if left >= 0 else f"no, {size(-left, options)} short")
    rows.append(("Fits", f"{verdict}: needs {size(roof.memory_needed_bytes, options)} of "
                         f"{size(device.memory, options)}"))
    if roof.decode is not None:
        d, decoding = roof.decode, report.totals.decoding
        rows += [("Prefill", f"{seconds(d.prefill_seconds, options)} (the lower bound of the input sequence)"),
                 ("Decode bound", f"{rate(d.tokens_per_second_bound, options)} tokens/s at batch {report.batch:,}, "
                                  f"context {decoding.context:,}; step {seconds(d.step_seconds, options)}, "
                                  f"{size(d.step_bytes, options)} read, {count(d.step_flops, options)} FLOPs"),
                 ("Max batch fitting", f"{d.max_batch_fitting:,} sequences")]
    if roof.efficiency is not None:
        text = f"lower bound / {roof.efficiency!r} = {seconds(roof.lower_bound_at_efficiency_seconds, options)}"
        if roof.decode is not None:
            text += (f"; decode bound × {roof.efficiency!r} = "
                     f"{rate(roof.decode_tokens_per_second_at_efficiency, options)} tokens/s")
        rows.append(("At efficiency", text))
    return rows


def training_rows(time: Any, options: Any) -> list[tuple[str, str]]:
    """A training step on N copies of a device: its bound, the fit of one copy, and MFU when a
    measured step time was given."""
    device = time.device
    left = time.memory_left_bytes
    verdict = f"yes, {size(left, options)} left" if left >= 0 else f"no, {size(-left, options)} short"
    rows = [("Device", f"{time.devices:,} × {shown(device.title)} ({shown(device.name)}), batch "
                       f"{time.batch_per_device:,} each: {count(time.peak, options)} FLOP/s {time.compute_dtype} peak, "
                       f"{count(device.bandwidth, options)} B/s"),
            ("Step lower bound", f"{seconds(time.step_lower_bound_seconds, options)}, {time.step_lower_bound_kind}-bound: "
                                 f"max({count(time.flops_per_device_step, options)} FLOPs / peak, "
                                 f"{size(time.unavoidable_bytes, options)} weights, gradients and optimizer "
                                 "state / bandwidth)"),
            ("Fits one device", f"{verdict}: needs {size(time.memory_needed_bytes, options)} of "
                                f"{size(device.memory, options)}"),
            ("Model FLOPs per step", f"{count(time.model_flops_per_step, options)} (PaLM: 6 × forward MACs)")]
    if time.efficiency is not None:
        rows.append(("At efficiency", f"step lower bound / {time.efficiency!r} = "
                                      f"{seconds(time.step_lower_bound_at_efficiency_seconds, options)}"))
    if time.mfu is not None:
        rows.append(("MFU", f"{time.mfu!r} at a measured step of {seconds(time.measured_step_seconds, options)}"
                     if options.exact else f"{100 * time.mfu:.1f}% at a measured step of "
                                           f"{seconds(time.measured_step_seconds, options)}"))
    return rows
