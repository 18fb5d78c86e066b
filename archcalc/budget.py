"""Budgets: what `archcalc check` compares, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .report import Report

# budget key -> (label, how the figure is read off a report)
BUDGETS = {
    "params": ("params", lambda r: r.totals.params),
    "macs": ("MACs", lambda r: r.totals.macs),
    "flops": ("FLOPs", lambda r: r.totals.flops),
    "memory": ("memory (weights + peak activations)", lambda r: r.totals.memory.inference_bytes),
}


@dataclass(frozen=True)
class BudgetLine:
    key: str
    label: str
    used: int
    allowed: int

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


def check_budget(report: Report, file: str, budget: Mapping[str, int]) -> BudgetResult:
    lines = tuple(BudgetLine(key, BUDGETS[key][0], BUDGETS[key][1](report), budget[key])
                  for key in BUDGETS if key in budget)
    return BudgetResult(report.name, file, lines)
