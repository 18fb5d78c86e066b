"""Drawing and report speed and size, run by hand: draw ResNet-50 (goal < 0.5 s) and
DenseNet-121, the report of ResNet-50 (goal < 1 MB) and of Llama-3-8B, and three 10,000-layer
specs (goal < 5 s each): 100 identical block uses (folded into one stack), 100 block uses of
different widths (nothing folds; collapsed to one box per use), and 10,000 plain layers
(nothing to fold or collapse: 10,000 boxes). Times are the best of three.

    python benchmarks/bench_draw.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import archcalc  # noqa: E402
from archcalc.draw.layout import build  # noqa: E402
from archcalc.draw.report import render_report  # noqa: E402
from archcalc.draw.svg import render_svg  # noqa: E402
from archcalc.errors import ArchcalcError  # noqa: E402


def timed(fn):
    best, value = float("inf"), None
    for _ in range(3):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return value, best


def verdict(seconds: float, goal: float) -> str:
    return f"goal < {goal} s: {'met' if seconds < goal else 'MISSED'} ({goal / seconds:.0f}× margin)"


def big_specs() -> dict[str, dict]:
    same = {"input": [16], "blocks": {"b": [{"type": "dense", "units": 16, "repeat": 100}]},
            "layers": [{"type": "b", "name": f"s{i}"} for i in range(100)]}
    widths = {"input": [16], "blocks": {"b": {"args": {"w": None},
                                              "layers": [{"type": "dense", "units": "$w", "repeat": 100}]}},
              "layers": [{"type": "b", "name": f"s{i}", "w": 8 + i} for i in range(100)]}
    plain = {"input": [16], "layers": [{"type": "dense", "units": 16} for _ in range(10_000)]}
    return {"100 identical uses": same, "100 uses, widths differ": widths, "10,000 plain layers": plain}


def main() -> None:
    for name, goal in (("resnet50", 0.5), ("densenet121", 2.0)):
        report = archcalc.analyze(ROOT / "specs" / f"{name}.yaml")
        svg, seconds = timed(lambda: render_svg(build(report)))
        print(f"draw {name:<26} {seconds:6.3f} s  ({len(svg) / 1024:.0f} KiB)   {verdict(seconds, goal)}")
    for name in ("resnet50.yaml", "llm/llama3_8b.yaml"):
        report = archcalc.analyze(ROOT / "specs" / name)
        html, seconds = timed(lambda: render_report([report]))
        print(f"report {name:<24} {seconds:6.3f} s  {len(html.encode()) / 1e6:.2f} MB   goal < 1 MB: "
              f"{'met' if len(html.encode()) < 1e6 else 'MISSED'}")
    for label, spec in big_specs().items():
        try:
            report = archcalc.analyze_mapping(spec)
        except ArchcalcError as exc:        # a spec this script got wrong
            print(f"{label}: {exc}")
            continue
        (drawing, svg), seconds = timed(lambda: (lambda d: (d, render_svg(d)))(build(report)))
        print(f"draw {label:<26} {seconds:6.3f} s  {len(report.layers):,} layers -> {len(drawing.boxes):,} boxes "
              f"(depth {drawing.depth}, {drawing.width:.0f} px wide)   {verdict(seconds, 5.0)}")


if __name__ == "__main__":
    main()
