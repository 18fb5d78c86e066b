"""The fields stage's cost: the analysis of a spec with the stage (as it always runs) against
the same analysis with the stage replaced by a stub that returns no fields: the best of RUNS
in-process runs each, alternating (the best, not the median: on a busy machine a run of a
few milliseconds is often preempted, which says nothing about its cost). Also the whole
command, `archcalc analyze SPEC --format json` in a fresh process, with the stage and with
the stub, medians of the processes (goal, issue 28: ResNet-50 at most 1.2×).

    python benchmarks/bench_fields.py [RUNS] [SPEC...]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from archcalc import analysis, load  # noqa: E402
from archcalc.fields import LayerFields  # noqa: E402

NOTHING = LayerFields(None, None, None, "", False, False)


class NoFields:
    """The tracer's interface, doing nothing: the analysis as it was before the stage."""

    whole_input_layer = input_sized_field_layer = None

    def __init__(self, count, inputs):
        pass

    def step(self, i, node, reads, inputs, output):
        return NOTHING


def timed(graph) -> float:
    start = time.perf_counter()
    analysis.analyze_graph(graph)
    return time.perf_counter() - start


STUBBED = ("import sys; sys.path.insert(0, {root!r}); import benchmarks.bench_fields as b, archcalc.analysis as a; "
           "a.FieldTracer = b.NoFields; from archcalc.cli import cli; cli(['analyze', {spec!r}, '--format', 'json'])")
REAL = "import sys; sys.path.insert(0, {root!r}); from archcalc.cli import cli; cli(['analyze', {spec!r}, '--format', 'json'])"


def process_seconds(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def whole_command(path: str, runs: int) -> tuple[float, float]:
    root = os.path.join(HERE, "..")
    with_fields, without = [], []
    for _ in range(runs):
        with_fields.append(process_seconds(REAL.format(root=root, spec=path)))
        without.append(process_seconds(STUBBED.format(root=root, spec=path)))
    return statistics.median(with_fields), statistics.median(without)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    specs = sys.argv[2:] or [os.path.join(HERE, "..", "specs", name)
                             for name in ("resnet50.yaml", "densenet121.yaml", "vit_b_16.yaml", "llm/gpt2_small.yaml")]
    real = analysis.FieldTracer
    print(f"{'spec':<22} {'layers':>7} {'with fields':>12} {'without':>10} {'ratio':>6}")
    for path in specs:
        graph = load(path)
        with_fields, without = [], []
        for _ in range(runs):
            analysis.FieldTracer = real
            with_fields.append(timed(graph))
            analysis.FieldTracer = NoFields
            without.append(timed(graph))
        analysis.FieldTracer = real
        a, b = min(with_fields), min(without)
        name = os.path.relpath(path, os.path.join(HERE, "..", "specs"))
        print(f"{name:<22} {len(graph.nodes):>7,} {a * 1000:>10.2f} ms {b * 1000:>7.2f} ms {a / b:>5.2f}×")
    print("\nthe whole command, archcalc analyze SPEC --format json (median of processes)")
    for path in specs[:1]:
        a, b = whole_command(path, max(runs // 3, 5))
        print(f"{os.path.basename(path):<22} {a * 1000:>10.1f} ms {b * 1000:>7.1f} ms {a / b:>5.2f}×")


if __name__ == "__main__":
    main()
