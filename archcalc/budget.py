"""Budgets: what `archcalc check` compares, and the verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from .report import Report
from .text import counted


def _memory_label(report: Report) -> str:
    """What the memory figure holds: with a context, the KV cache too."""
    if report.totals.decoding is None:
        return "memory (weights + peak activations)"
    return f"memory (weights + KV cache at {counted(report.totals.decoding.context, 'token')} + peak activations)"


# budget key -> (label, or a function of the report giving it; how the figure is read off a report)
BUDGETS = {
    "params": ("params", lambda r, t: r.totals.params),
    "macs": ("MACs", lambda r, t: r.totals.macs),
    "flops": ("FLOPs", lambda r, t: r.totals.flops),
    "memory": (_memory_label, lambda r, t: r.totals.serving_bytes),
    "kv_cache": ("KV cache", lambda r, t: _decoding(r).kv_cache_bytes),
    "train_memory": ("training memory", lambda r, t: t.memory.total_bytes),
    "latency": (lambda r: _latency_label(r), lambda r, t: _latency_ns(r)),
    "tokens_per_second": (lambda r: _tokens_label(r), lambda r, t: _tokens_per_second(r)),
}
# Budgets that are a least value (a figure at or above passes), not a greatest.
MINIMUM_BUDGETS = ("tokens_per_second",)


def _roofline(report: Report, option: str):
    if report.totals.roofline is None:
        from .errors import UsageError
        raise UsageError(f"{option}: a time budget needs a device (--device NAME)")
    return report.totals.roofline


def _latency_label(report: Report) -> str:
    roof = _roofline(report, "--max-latency")
    scaled = "" if roof.efficiency is None else f" / efficiency {roof.efficiency!r}"
    return f"latency lower bound{scaled} on {roof.device.name} (ns)"


def _latency_ns(report: Report) -> int:
    """The lower bound (divided by --efficiency when given) in nanoseconds, rounded up, so a
    model passes only when its bound is within the budget."""
    roof = _roofline(report, "--max-latency")
    seconds = roof.lower_bound_seconds if roof.efficiency is None else roof.lower_bound_at_efficiency_seconds
    return math.ceil(seconds * 1e9)


def _tokens_label(report: Report) -> str:
    roof = _roofline(report, "--min-tokens-per-second")
    scaled = "" if roof.efficiency is None else f" × efficiency {roof.efficiency!r}"
    return f"decode tokens/s bound{scaled} on {roof.device.name}"


def _tokens_per_second(report: Report) -> int:
    """The decode bound (times --efficiency when given) in whole tokens a second, rounded down."""
    roof = _roofline(report, "--min-tokens-per-second")
    if roof.decode is None:
        from .errors import UsageError
        raise UsageError(f"--min-tokens-per-second: {report.name} is decoded with a KV cache only with a context "
                         "(--context T on a model with causal self-attention)")
    rate = roof.decode.tokens_per_second_bound * (roof.efficiency or 1)
    return math.floor(rate)


def _label(label, report: Report) -> str:
    return label(report) if callable(label) else label


def _decoding(report: Report):
    if report.totals.decoding is None:
        from .errors import UsageError, option
        raise UsageError(f"{report.name}: a KV-cache budget needs a context ({option('context')} T or workload: {{context: T}})")
    return report.totals.decoding


MEMORY_BUDGETS = ("memory", "kv_cache", "train_memory")


@dataclass(frozen=True)
class BudgetLine:
    key: str
    label: str
    used: int
    allowed: int

    @property
    def in_bytes(self) -> bool:
        return self.key in MEMORY_BUDGETS

    @property
    def minimum(self) -> bool:
        """A least allowed value (tokens/s), not a greatest."""
        return self.key in MINIMUM_BUDGETS

    def near(self, fraction) -> bool:
        """Within budget but at or above `fraction` of it (exact: fraction is a Fraction); for a
        minimum, within it but the budget at or above `fraction` of the figure."""
        if self.minimum:
            return self.within and self.allowed >= fraction * self.used
        return self.within and self.used >= fraction * self.allowed

    @property
    def within(self) -> bool:
        # exactly at the budget passes
        return self.used >= self.allowed if self.minimum else self.used <= self.allowed

    @property
    def headroom(self) -> int:
        return self.used - self.allowed if self.minimum else self.allowed - self.used


@dataclass(frozen=True)
class BudgetResult:
    name: str
    file: str
    lines: tuple[BudgetLine, ...]

    @property
    def within(self) -> bool:
        return all(line.within for line in self.lines)


def check_budget(report: Report, file: str, budget: Mapping[str, int], training=None) -> BudgetResult:
    """`training`: the training figures, needed by a `train_memory` budget."""
    lines = tuple(BudgetLine(key, _label(BUDGETS[key][0], report), BUDGETS[key][1](report, training), budget[key])
                  for key in BUDGETS if key in budget)
    return BudgetResult(report.name, file, lines)


# --max-… options: (budget key, option, help), shared by `check` and `sweep`.
BUDGET_OPTIONS = (
    ("params", "--max-params", "Largest allowed parameter count, e.g. 25M."),
    ("macs", "--max-macs", "Largest allowed MACs, e.g. 4.1G."),
    ("flops", "--max-flops", "Largest allowed FLOPs, e.g. 8G."),
    ("memory", "--max-memory", "Largest inference footprint (weights + peak activations; with --context also "
                               "the KV cache), e.g. 200MB, 1.5GiB."),
    ("kv_cache", "--max-kv-cache", "Largest KV cache at the context (needs --context), e.g. 2GiB."),
    ("train_memory", "--max-train-memory", "Largest training-step memory (AdamW, fp32), e.g. 40GB."),
)


def read_budget_flags(values: Mapping[str, str | None]) -> dict[str, int]:
    """The budgets given on the command line (budget key -> text such as `25M`), parsed."""
    from .units import parse_quantity
    return {key: parse_quantity(text, memory=key in MEMORY_BUDGETS) for key, text in values.items()
            if text is not None}
