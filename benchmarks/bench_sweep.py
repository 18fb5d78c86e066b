"""Sweep throughput and memory: ResNet-50-sized points per minute, and peak memory
against the number of points.

    python benchmarks/bench_sweep.py [--points 2000,10000] [--jobs 2]

The spec is specs/resnet50.yaml with its input side and conv1's filters as arguments
(174 layers at every point; 25,557,032 params at the defaults); see GRIDS for the two grids. Each run is `archcalc sweep … --format jsonl -o FILE` in a fresh process.
Prints wall time, points per minute by the wall clock and by CPU time (what the machine
gives when nothing else runs: points ÷ (user + system seconds of all processes) × cores),
and the peak resident memory of the largest process (the command or a worker).
Goals: ≥ 10,000 points per minute on 2 cores; peak memory at the largest run within
1.1× of that at the smallest. Then it profiles one process's points: where the time goes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scaled_spec(directory: Path) -> Path:
    text = (ROOT / "specs" / "resnet50.yaml").read_text()
    spec = directory / "resnet50_side.yaml"
    text = text.replace("input: [224, 224, 3]", "args: {side: 224, stem: 64}\ninput: [$side, $side, 3]", 1)
    spec.write_text(text.replace("{type: conv2d, name: conv1, filters: 64,", "{type: conv2d, name: conv1, filters: $stem,", 1))
    return spec


# Two grids of 100 values varying fastest under `batch`: `stem` (conv1's filters) is read by
# the layers, so every point expands them anew; `side` (the input's size) is read by none,
# so a point keeps the layers of the one before and only the rest of the spec is read.
GRIDS = {"stem": "stem=64..163", "side": "side=64..163"}


def grid(points: int, axis: str) -> list[str]:
    return ["--set", f"batch=1..{points // 100}", "--set", GRIDS[axis]]


# Each run under a wrapper of its own, so the peak memory reported (the largest of the
# command and its workers) is that run's alone.
WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_mib": usage.ru_maxrss / 1024}))
"""


def run(spec: Path, points: int, jobs: int, out: Path, axis: str) -> dict:
    command = [sys.executable, "-m", "archcalc", "sweep", str(spec), *grid(points, axis), "--jobs", str(jobs),
               "--format", "jsonl", "-o", str(out), "--max-points", str(points)]
    measured = json.loads(subprocess.run([sys.executable, "-c", WRAPPER, *command], check=True,
                                         capture_output=True, text=True).stdout)
    lines = sum(1 for _ in out.open())
    first = json.loads(out.open().readline())
    assert lines == points and first["totals"]["params"] == 25_557_032, (lines, first["totals"]["params"])
    return {"points": points, **measured}


def profile(spec: Path, points: int = 200) -> None:
    """Per point: building the graph from the parsed spec, and analysing it (`stem` swept:
    the layers are expanded at every point)."""
    from archcalc.api import analyze_graph
    from archcalc.sweep.grid import parse_axis, Grid
    from archcalc.sweep.source import Job, Source
    data = spec.read_bytes()
    job = Job(str(spec), data, Grid((parse_axis(f"stem=64..{63 + points}", points),)), {}, None, None, None,
              None, {}, None)
    source = Source(job)
    build = analyse = 0.0
    for i in range(points):
        t0 = time.process_time()          # CPU time: the machine's other work does not count
        graph = source.graph({"stem": str(64 + i)}, None)
        t1 = time.process_time()
        analyze_graph(graph)
        t2 = time.process_time()
        build, analyse = build + t1 - t0, analyse + t2 - t1
    print(f"one process, {points} points, CPU time per point: build {1e3 * build / points:.2f} ms, "
          f"analysis {1e3 * analyse / points:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", default="2000,10000")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = scaled_spec(Path(tmp))
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for axis in GRIDS:
            results = []
            for n in (int(n) for n in args.points.split(",")):
                r = run(spec, n, args.jobs, Path(tmp) / "out.jsonl", axis)
                results.append(r)
                print(f"{axis:>4} {n:>7,} points: {r['wall']:.1f} s wall ({60 * n / r['wall']:,.0f} points/min), "
                      f"{r['cpu']:.1f} s CPU ({60 * n / r['cpu'] * args.jobs:,.0f} points/min on {args.jobs} free "
                      f"cores), peak memory {r['maxrss_mib']:.1f} MiB")
            print(f"{axis}: peak memory, largest run over smallest: "
                  f"{results[-1]['maxrss_mib'] / results[0]['maxrss_mib']:.2f}")
        profile(spec)


if __name__ == "__main__":
    main()
