"""ResNet-50 from code, whole process: `archcalc analyze torchvision.models:resnet50 --input
1,3,224,224 --format json` against `python -c 'import torch'` and `import torch, torchvision`
(what any PyTorch tool pays first), fresh processes alternating, medians. Goal (issue 27):
under 3 s in all, `import torch` included. Run by hand: `python benchmarks/bench_torch_resnet50.py [RUNS]`.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

GOAL = 3.0


def seconds(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one fresh process: on a shared machine the
    CPU time is the steadier figure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(runs: int) -> int:
    archcalc = shutil.which("archcalc", path=os.path.dirname(sys.executable)) or "archcalc"
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import torch": [sys.executable, "-c", "import torch"],
        "import torch, torchvision": [sys.executable, "-c", "import torch, torchvision"],
        "archcalc analyze torchvision.models:resnet50": [archcalc, "analyze", "torchvision.models:resnet50",
                                                         "--input", "1,3,224,224", "--format", "json"],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            wall, cpu = seconds(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    wall_of = {name: statistics.median(values) for name, values in walls.items()}
    cpu_of = {name: statistics.median(values) for name, values in cpus.items()}
    for name in commands:
        print(f"{name:48} wall {wall_of[name]:6.2f} s   CPU {cpu_of[name]:6.2f} s   (medians of {runs})")
    ours = "archcalc analyze torchvision.models:resnet50"
    for label, figures in (("wall", wall_of), ("CPU", cpu_of)):
        whole = figures[ours]
        imports = figures["import torch, torchvision"] - figures["python -c pass"]
        print(f"{label}: torch and torchvision's imports {imports:.2f} s of {whole:.2f} s ({imports / whole:.0%}); "
              f"the rest (build on meta, export, translate, analyse, JSON) {whole - imports:.2f} s; "
              f"goal {GOAL:.1f} s: {whole / GOAL:.2f}×")
    return 0 if wall_of[ours] < GOAL else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
