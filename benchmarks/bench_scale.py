"""Analysis time and memory against the number of layers.

    python benchmarks/bench_scale.py [--sizes 1000,10000,100000,1000000]

Each size runs in a fresh process (so peak memory is its own): a spec of N
layers built with a block and `repeat` (conv + relu), and the same number of
layers written out flat (dense + relu, one line each, as issue 18 asks).
Prints wall time, µs per layer and peak resident memory, and checks the
totals against the closed form (N/2 conv layers of 3·3·8·8 + 8 params; N/2
dense layers of 8·8 + 8). Goals: µs per layer at the largest size within 1.5×
of that at 10,000 for both shapes; a flat 1M-layer spec under 15 s.
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
    # Unindented list items: a flat 1M-layer spec stays under the default 16 MiB cap.
    return "input: [8]\nlayers:\n" + "- {type: dense, units: 8}\n- relu\n" * (n // 2)


def measure(text: str, n: int, label: str, params_per_pair: int):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(text)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WORKER, handle.name], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    Path(handle.name).unlink()
    data = json.loads(out.stdout)
    expected = (n // 2) * params_per_pair
    ok = data["layers"] == n and data["params"] == expected
    print(f"{label:<22}{n:>10,}  {data['seconds']:8.2f} s  {1e6 * data['seconds'] / n:8.1f} µs/layer"
          f"  {data['maxrss_kib'] / 1024:8.0f} MiB  (process {wall:.2f} s)  totals {'ok' if ok else 'WRONG'}")
    return data["seconds"] / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(f"{'spec':<22}{'layers':>10}  {'analysis':>10}  {'per layer':>13}  {'peak RSS':>12}")
    per_layer = {"blocks + repeat": {}, "flat YAML": {}}
    for n in sizes:
        per_layer["blocks + repeat"][n] = measure(repeated_spec(n), n, "blocks + repeat", 3 * 3 * 8 * 8 + 8)
        per_layer["flat YAML"][n] = measure(flat_spec(n), n, "flat YAML", 8 * 8 + 8)
    big = max(sizes)
    if 10_000 in sizes and big > 10_000:
        for label, times in per_layer.items():
            print(f"{label}: µs per layer at {big:,} / at 10,000: {times[big] / times[10_000]:.2f}× (goal <= 1.5×)")
    if big >= 1_000_000:
        print(f"flat {big:,} layers: {per_layer['flat YAML'][big] * big:.1f} s (goal < 15 s)")


if __name__ == "__main__":
    main()
