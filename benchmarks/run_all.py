"""Run every benchmark of this folder in turn and print their figures, with the machine and date.

    python benchmarks/run_all.py            # the fuzz run with 20,000 cases; pass a number for more
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ("bench_startup.py", ["10"]),
    ("bench_scale.py", []),
    ("bench_output.py", []),
    ("bench_guards.py", []),
    ("bench_draw.py", []),
    ("bench_reference.py", []),
    ("bench_peers.py", ["5"]),      # prints "skipped" for peers that are not installed
    ("bench_onnx_read.py", ["5"]),  # writing its ResNet-50-shaped file needs the onnx package (once)
    ("fuzz_onnx.py", ["3000"]),     # mutated graphs: needs the onnx package
    ("fuzz_onnx.py", ["3000", "0", "bytes"]),
    ("fuzz_configs.py", ["3000"]),
]


def main(fuzz_cases: str = "20000") -> int:
    print(f"{datetime.date.today()} · {platform.platform()} · {os.cpu_count()} cores · "
          f"Python {platform.python_version()}")
    worst = 0
    for script, args in [*RUNS, ("fuzz.py", [fuzz_cases])]:
        print(f"\n== {script} {' '.join(args)}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / script), *args])
        worst = max(worst, done.returncode)
    return worst


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
