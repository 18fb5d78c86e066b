"""Budgets: what `archcalc check` compares, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .report import Report


def _memory_label(report: Report) -> str:
    """What the memory figure holds: with a context, the KV cache too."""
    if report.totals.decoding is None:
        return "memory (weights + peak activations)"
    return f"memory (weights + KV cache at {report.totals.decoding.context:,} tokens + peak activations)"


# budget key -> (label, or a function of the report giving it; how the figure is read off a report)
BUDGETS = {
    "params": ("params", lambda r, t: r.totals.params),
    "macs": ("MACs", lambda r, t: r.totals.macs),
    "flops": ("FLOPs", lambda r, t: r.totals.flops),
    "memory": (_memory_label, lambda r, t: r.totals.serving_bytes),
    "kv_cache": ("KV cache", lambda r, t: _decoding(r).kv_cache_bytes),
    "train_memory": ("training memory", lambda r, t: t.memory.total_bytes),
}


def _label(label, report: Report) -> str:
    return label(report) if callable(label) else label


def _decoding(report: Report):
    if report.totals.decoding is None:
        from .errors import UsageError
        raise UsageError(f"{report.name}: a KV-cache budget needs a context (--context T or workload: {{context: T}})")
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

    def near(self, fraction) -> bool:
        """Within budget but at or above `fraction` of it (exact: fraction is a Fraction)."""
        return self.within and self.used >= fraction * self.allowed

    @property
    def within(self) -> bool:
        return self.used <= self.allowed   # exactly at the budget passes

    @property
    def headroom(self) -> int:
        return self.allowed - self.used


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
