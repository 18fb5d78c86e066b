"""archcalc against the peers that answer the same question from a PyTorch model: whole
processes, same model, same input size. Run by hand in an environment that has torch,
torchvision and the peers (nothing here runs in CI); a peer that is not installed is
reported as skipped, never guessed:

    /tmp/tvenv/bin/pip install torchinfo fvcore archcalc
    /tmp/tvenv/bin/python benchmarks/bench_peers.py [RUNS]

Each tool builds ResNet-50 (torchvision's, untrained) at 1×3×224×224 and prints its parameter
count; archcalc reads `specs/resnet50.yaml`. Printed: the median wall time of RUNS processes, the
peak resident memory of one, each tool's parameter count (to show they answer the same question)
and the ratio to archcalc's time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "..", "specs", "resnet50.yaml")

BUILD = "import torch, torchvision; m = torchvision.models.resnet50().eval(); x = torch.randn(1, 3, 224, 224)\n"
PEERS = {
    "torchinfo": BUILD + "import torchinfo; print(torchinfo.summary(m, input_data=x, verbose=0).total_params)",
    "fvcore": BUILD + "from fvcore.nn import FlopCountAnalysis, parameter_count\n"
                      "FlopCountAnalysis(m, x).unsupported_ops_warnings(False).total(); print(parameter_count(m)[''])",
}


def run(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MiB and the standard output of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read()
    # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would be the largest so far).
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status:
        raise SystemExit(f"{command[:3]} failed with status {status}")
    return seconds, usage.ru_maxrss // 1024, output


def measure(command: list[str], runs: int) -> tuple[float, int, str]:
    results = [run(command) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[0][2]


def main(runs: int) -> None:
    archcalc = [sys.executable, "-m", "archcalc", "analyze", SPEC, "--format", "json"]
    base_time, base_peak, output = measure(archcalc, runs)
    base_params = json.loads(output)["totals"]["params"]
    print(f"{'tool':<12}{'median':>10}{'peak RSS':>11}{'params':>14}{'× archcalc':>12}")
    print(f"{'archcalc':<12}{base_time * 1000:>8.0f}ms{base_peak:>7} MiB{base_params:>14,}{1.0:>12.1f}")
    for name, script in PEERS.items():
        if importlib.util.find_spec(name) is None or importlib.util.find_spec("torchvision") is None:
            print(f"{name:<12}skipped: not installed")
            continue
        seconds, peak, params = measure([sys.executable, "-c", script], runs)
        print(f"{name:<12}{seconds * 1000:>8.0f}ms{peak:>7} MiB{int(params.split()[-1]):>14,}{seconds / base_time:>12.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
