"""Side-by-side figures of several reports, with ratios against the first."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple

from .report import Report


class Metric(NamedTuple):
    key: str
    label: str
    unit: str                     # "count", "params", "bytes", "per" (a quotient, shown with one decimal) or "name"
    values: tuple                 # ints; Fractions for "per" metrics (None when undefined)


class Comparison(NamedTuple):
    names: tuple[str, ...]
    inputs: tuple[tuple[int, ...], ...]
    metrics: tuple[Metric, ...]


def compare_reports(reports: list[Report], labels: list[str] | None = None) -> Comparison:
    """`labels` name the columns (default: the models' names)."""
    def metric(key, label, unit, get):
        return Metric(key, label, unit, tuple(get(r) for r in reports))

    extra = []
    if any(r.totals.active_params not in (None, r.totals.params) for r in reports):
        extra.append(metric("active_params", "Active params", "params",
                            lambda r: r.totals.params if r.totals.active_params is None else r.totals.active_params))
    if any(r.totals.decoding is not None for r in reports):      # None (shown "–") for a model without a cache
        extra += [metric("kv_cache_bytes", "KV cache", "bytes", lambda r: _decoding(r, "kv_cache_bytes")),
                  metric("decode_macs_per_token", "Decode MACs per token", "count",
                         lambda r: _decoding(r, "decode_macs_per_token"))]
    if any(r.totals.roofline is not None for r in reports):     # --device: the same device for all
        extra += [metric("lower_bound_seconds", "Lower bound", "seconds",
                         lambda r: _roofline(r, "lower_bound_seconds")),
                  metric("unfused_estimate_seconds", "Unfused estimate", "seconds",
                         lambda r: _roofline(r, "unfused_estimate_seconds"))]
        if any(r.totals.decoding is not None for r in reports):
            extra.append(metric("decode_tokens_per_second_bound", "Decode tokens/s bound", "per",
                                lambda r: _roofline(r, "decode_tokens_per_second_bound")))
    return Comparison(
        names=tuple(labels or [r.name for r in reports]),
        inputs=tuple(r.input for r in reports),
        metrics=(
            metric("params", "Params", "params", lambda r: r.totals.params),
            metric("trainable_params", "  trainable", "params", lambda r: r.totals.trainable_params),
            metric("non_trainable_params", "  frozen", "params", lambda r: r.totals.non_trainable_params),
            metric("buffers", "Buffers", "count", lambda r: r.totals.buffers),
            metric("macs", "MACs", "count", lambda r: r.totals.macs),
            metric("flops", "FLOPs", "count", lambda r: r.totals.flops),
            metric("params_bytes", "Weight memory", "bytes", lambda r: r.totals.memory.params_bytes),
            metric("activations_bytes", "Activation memory", "bytes",
                   lambda r: r.totals.memory.activations_bytes),
            metric("peak_activation_bytes", "Peak activation memory", "bytes",
                   lambda r: r.totals.memory.peak_activation_bytes),
            # How often each weight is reused per pass (per sample): 1 for a dense layer on a vector.
            metric("macs_per_param", "MACs per param", "per",
                   lambda r: Fraction(r.totals.macs, r.batch * r.totals.params) if r.totals.params else None),
            # What weight sharing saves: dense layers doing the weighted layers' maps, over their params.
            metric("sharing_factor", "Sharing factor", "per",
                   lambda r: None if r.totals.sharing_factor is None else Fraction(r.totals.sharing_factor)),
            # Where the model zooms out: the first layer with a unit seeing the whole input (a name).
            metric("whole_input_layer", "Whole input at", "name", lambda r: r.totals.whole_input_layer),
            *extra,
        ),
    )


class Compared(Comparison):
    """A `Comparison` as the Python API hands it over: printed as `archcalc compare` prints it
    (the formatting lives in `render/`, imported only when asked for)."""

    __slots__ = ()

    def table(self, width: int = 100, exact: bool = False) -> str:
        from .render import Options, renderer
        text: str = renderer("table").comparison(self, Options(exact=exact, width=width))
        return text

    def __str__(self) -> str:
        return self.table()

    def to_dict(self) -> Any:
        """What `archcalc compare --format json` writes."""
        import json

        from .render import Options, renderer
        return json.loads(renderer("json").comparison(self, Options()))


def _decoding(report: Report, figure: str) -> int | None:
    return None if report.totals.decoding is None else getattr(report.totals.decoding, figure)


def _roofline(report: Report, figure: str) -> float | None:
    roof = report.totals.roofline
    return None if roof is None else getattr(roof, figure)


def ratio(base, other) -> Fraction | None:
    """base / other, or None when either is zero or undefined."""
    if not base or not other:
        return None
    return Fraction(base) / Fraction(other)


def describe_ratio(base, other, unit: str = "count") -> str:
    """How `other` relates to the first spec's `base`: '4.1× fewer', '2.0× more', 'same'."""
    if unit == "name":            # layer names: nothing to divide
        return ""
    if base == other:
        return "same"
    r = ratio(base, other)
    if r is None:
        return "-"
    fewer = "fewer" if unit in ("count", "params") else "less"
    return f"{_times(r)} {fewer}" if r > 1 else f"{_times(1 / r)} more"


def _times(r: Fraction) -> str:
    """Enough digits to tell a ratio from 1.0: 1.04× rather than 1.0×."""
    if r >= 100:
        return f"{float(r):,.0f}×"
    if r < 1.1:
        digits = 2 if float(r) >= 1.005 else 3
        return f"{float(r):.{digits}f}×"
    return f"{float(r):.1f}×"
