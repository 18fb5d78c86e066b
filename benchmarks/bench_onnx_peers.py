"""archcalc and onnx-tool side by side on the same exported ONNX files: whole-process wall time
and peak RSS, medians of fresh processes. Run by hand where onnx-tool is installed beside
archcalc (nothing here runs in CI):

    python benchmarks/bench_onnx_peers.py [RUNS] FILE...

Per file, three runs, each timed as wall and CPU time (user + system: on a busy machine the
wall time is mostly the wait for a core): `archcalc analyze FILE --format json` end to end; the ONNX door alone on
an mmap of the file (bench_onnx_read.py's `door`); and onnx-tool's `model_profile(FILE)` (it
loads the file with the onnx package, infers every shape and counts params and MACs, printing
its table to a discarded stdout). The files are torch's exports (see benchmarks/README.md for
how they were made); they are not kept in the repository. Goals (issue 25): ResNet-50's file in
≤ 0.15 s and ≤ 40 MiB, ViT-B/16's in ≤ 0.2 s, archcalc's memory independent of the weights.
"""

import os
import statistics
import subprocess
import sys

from bench_onnx_read import DOOR

# Runs a command in a child and prints its wall seconds, CPU seconds (user + system) and peak
# RSS (KiB on Linux). On a machine shared with other work the wall time mostly measures the
# queue for a core; the CPU time is what the run itself costs.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""

ONNX_TOOL = "import sys, onnx_tool; onnx_tool.model_profile(sys.argv[1])"


def measure(cmd: list[str], runs: int) -> tuple[float, float, float]:
    """Median wall seconds, CPU seconds and peak MiB of `cmd`, each run in a fresh process."""
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True, text=True)
        wall, cpu, kib = out.stdout.split()
        walls.append(float(wall))
        cpus.append(float(cpu))
        peaks.append(int(kib) / 1024)
    return statistics.median(walls), statistics.median(cpus), statistics.median(peaks)


def main(argv: list[str]) -> None:
    runs = int(argv.pop(0)) if argv and argv[0].isdigit() else 5
    for path in argv:
        print(f"{os.path.basename(path)}: {os.path.getsize(path) / 2**20:.1f} MiB")
        results = {}
        for label, cmd in [("archcalc analyze --format json", [sys.executable, "-m", "archcalc", "analyze", path,
                                                               "--format", "json"]),
                           ("archcalc door alone (mmap + to_spec)", [sys.executable, "-c", DOOR, path]),
                           ("onnx-tool model_profile", [sys.executable, "-c", ONNX_TOOL, path])]:
            results[label] = measure(cmd, runs)
            wall, cpu, mib = results[label]
            print(f"  {label:<38}{wall:7.3f} s wall {cpu:7.3f} s CPU {mib:8.1f} MiB peak RSS")
        ours, theirs = results["archcalc analyze --format json"], results["onnx-tool model_profile"]
        print(f"  onnx-tool / archcalc: wall {theirs[0] / ours[0]:.1f}×, CPU {theirs[1] / ours[1]:.1f}×, "
              f"memory {theirs[2] / ours[2]:.1f}×")


if __name__ == "__main__":
    main(sys.argv[1:])
