"""Analysis time and memory against the number of layers.

    python benchmarks/bench_scale.py [--sizes 1000,10000,100000,1000000]

Each size runs in a fresh process (so peak memory is its own): a spec of N
layers built with a block and `repeat`, and at 10,000 also as flat YAML.
Prints wall time, µs per layer and peak resident memory, and checks the
totals against the closed form (N/2 conv layers of 3·3·8·8 + 8 params).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import archcalc
r = archcalc.analyze(sys.argv[1])
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "layers": len(r.layers), "params": r.totals.params,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def repeated_spec(n: int) -> str:
    # a block of 2 layers (conv + relu) repeated n // 2 times, the repeat split over two levels
    outer = 1
    while (n // 2) % (outer * 10) == 0 and outer * 10 <= 1000:
        outer *= 10
    inner = n // 2 // outer
    return (f"input: [8, 8, 8]\nblocks:\n  unit:\n    layers:\n"
            f"      - {{type: conv2d, filters: 8, kernel: 3, padding: 1}}\n      - relu\n"
            f"  stage:\n    layers:\n      - {{type: unit, repeat: {inner}}}\n"
            f"layers:\n  - {{type: stage, repeat: {outer}}}\n")


def flat_spec(n: int) -> str:
    lines = ["input: [8, 8, 8]", "layers:"]
    for _ in range(n // 2):
        lines += ["  - {type: conv2d, filters: 8, kernel: 3, padding: 1}", "  - relu"]
    return "\n".join(lines) + "\n"


def measure(text: str, n: int, label: str):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(text)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WORKER, handle.name], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    Path(handle.name).unlink()
    data = json.loads(out.stdout)
    expected = (n // 2) * (3 * 3 * 8 * 8 + 8)
    ok = data["layers"] == n and data["params"] == expected
    print(f"{label:<22}{n:>10,}  {data['seconds']:8.2f} s  {1e6 * data['seconds'] / n:8.1f} µs/layer"
          f"  {data['maxrss_kib'] / 1024:8.0f} MiB  (process {wall:.2f} s)  totals {'ok' if ok else 'WRONG'}")
    return data["seconds"] / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(f"{'spec':<22}{'layers':>10}  {'analysis':>10}  {'per layer':>13}  {'peak RSS':>12}")
    per_layer = {}
    for n in sizes:
        per_layer[n] = measure(repeated_spec(n), n, "blocks + repeat")
        if n == 10_000:
            measure(flat_spec(n), n, "flat YAML")
    if 10_000 in per_layer and max(sizes) > 10_000:
        big = max(sizes)
        print(f"µs per layer at {big:,} / at 10,000: {per_layer[big] / per_layer[10_000]:.2f}× (goal <= 1.5×)")


if __name__ == "__main__":
    main()
