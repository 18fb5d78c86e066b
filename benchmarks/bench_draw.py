"""Drawing and report speed and size, run by hand: draw ResNet-50 (goal < 1 s) and DenseNet-121
(< 2 s), the report of ResNet-50 (goal < 1 MB), and a 10,000-layer spec (drawn collapsed).

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


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    for name, goal in (("resnet50", 1.0), ("densenet121", 2.0)):
        report = archcalc.analyze(ROOT / "specs" / f"{name}.yaml")
        svg, seconds = timed(lambda: render_svg(build(report)))
        print(f"draw {name:<12} {seconds:6.3f} s  ({len(svg) / 1024:.0f} KiB)   goal < {goal} s: "
              f"{'met' if seconds < goal else 'MISSED'}")
    report = archcalc.analyze(ROOT / "specs" / "resnet50.yaml")
    html, seconds = timed(lambda: render_report([report]))
    print(f"report resnet50    {seconds:6.3f} s  {len(html.encode()) / 1e6:.2f} MB   goal < 1 MB: "
          f"{'met' if len(html.encode()) < 1e6 else 'MISSED'}")
    big = {"input": [16], "blocks": {"b": [{"type": "dense", "units": 16, "repeat": 100}]},
           "layers": [{"type": "b", "name": f"s{i}"} for i in range(100)]}
    report = archcalc.analyze_mapping(big)
    drawing, seconds = timed(lambda: build(report))
    print(f"draw 10,000 layers {seconds:6.3f} s  {len(drawing.boxes)} boxes (collapsed to depth {drawing.depth})")


if __name__ == "__main__":
    main()
