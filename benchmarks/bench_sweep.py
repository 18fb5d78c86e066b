"""Sweep throughput and memory: ResNet-50-sized points per minute, and peak memory
against the number of points.

    python benchmarks/bench_sweep.py [--points 2000,10000] [--jobs 2]

The spec is specs/resnet50.yaml with its input side as an argument (25,557,032 params,
174 layers at every point); the grid is `batch` × `side`, side varying fastest, so every
point is built from the parsed spec and analysed anew. Each run is `archcalc sweep … --format jsonl -o FILE` in a fresh process.
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
    spec.write_text(text.replace("input: [224, 224, 3]", "args: {side: 224}\ninput: [$side, $side, 3]", 1))
    return spec


def grid(points: int) -> list[str]:
    # side varies fastest, so every point builds its graph anew (points that differ only in
    # batch, dtype or context share the graph of the one before)
    sides = 100
    return ["--set", f"batch=1..{points // sides}", "--set", f"side=64..{64 + sides - 1}"]


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


def run(spec: Path, points: int, jobs: int, out: Path) -> dict:
    command = [sys.executable, "-m", "archcalc", "sweep", str(spec), *grid(points), "--jobs", str(jobs),
               "--format", "jsonl", "-o", str(out), "--max-points", str(points)]
    measured = json.loads(subprocess.run([sys.executable, "-c", WRAPPER, *command], check=True,
                                         capture_output=True, text=True).stdout)
    lines = sum(1 for _ in out.open())
    first = json.loads(out.open().readline())
    assert lines == points and first["totals"]["params"] == 25_557_032, (lines, first["totals"]["params"])
    return {"points": points, **measured}


def profile(spec: Path, points: int = 200) -> None:
    """Per point: building the graph from the parsed spec, and analysing it."""
    from archcalc.api import analyze_graph
    from archcalc.sweep.grid import parse_axis, Grid
    from archcalc.sweep.source import Job, Source
    data = spec.read_bytes()
    job = Job(str(spec), data, Grid((parse_axis(f"side=64..{63 + points}", points),)), {}, None, None, None,
              None, {}, None)
    source = Source(job)
    build = analyse = 0.0
    for i in range(points):
        t0 = time.process_time()          # CPU time: the machine's other work does not count
        graph = source.graph({"side": str(64 + i)}, None)
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
        results = []
        for n in (int(n) for n in args.points.split(",")):
            r = run(spec, n, args.jobs, Path(tmp) / "out.jsonl")
            results.append(r)
            print(f"{n:>7,} points: {r['wall']:.1f} s wall ({60 * n / r['wall']:,.0f} points/min), "
                  f"{r['cpu']:.1f} s CPU ({60 * n / r['cpu'] * args.jobs:,.0f} points/min on {args.jobs} free cores), "
                  f"peak memory {r['maxrss_mib']:.1f} MiB")
        print(f"peak memory, largest run over smallest: {results[-1]['maxrss_mib'] / results[0]['maxrss_mib']:.2f}")
        profile(spec)


if __name__ == "__main__":
    main()
