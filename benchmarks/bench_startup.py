"""Whole-process start-up and parsing, side by side in one run (medians of several runs).

    python benchmarks/bench_startup.py [RUNS]
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESNET = str(ROOT / "specs" / "resnet50.yaml")
ARCHCALC = [sys.executable, "-m", "archcalc"]
# Measure what an installed archcalc does: with byte-code caches (pip writes them at
# install time). PYTHONDONTWRITEBYTECODE would make every run compile every module.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def seconds(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def compare(label, cmd, baseline_label, baseline, runs, goal):
    # Ours and the baseline alternate, so a machine that slows down for a while slows both.
    seconds(cmd), seconds(baseline)           # warm-up: writes the byte-code caches
    ours, base = [], []
    for _ in range(runs):
        ours.append(seconds(cmd))
        base.append(seconds(baseline))
    ours, base = statistics.median(ours), statistics.median(base)
    print(f"{label:<40}{ours * 1000:7.0f} ms   {baseline_label:<44}{base * 1000:7.0f} ms"
          f"   ratio {ours / base:.2f} (goal <= {goal})")


def imports_of_json_run() -> str:
    """A program importing the archcalc modules `analyze resnet50 --format json` imports, with
    the collector off as the real entry point has it (standard-library modules come along)."""
    probe = ("import sys\n"
             f"sys.argv = ['archcalc', 'analyze', {RESNET!r}, '--format', 'json']\n"
             "from archcalc.__main__ import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write('\\nmodules: ' + ' '.join(m for m in sys.modules if m.startswith('archcalc')))\n")
    done = subprocess.run([sys.executable, "-c", probe], check=True, env=ENV, capture_output=True, text=True)
    modules = done.stderr.rpartition("modules: ")[2].split()
    return "import gc; gc.disable(); import click, yaml, " + ", ".join(modules)


def main(runs=15):
    # The goals are issue 18's: the JSON run and the table at most 1.2× their libraries' imports,
    # --version at most 1.05× importing click alone.
    compare("--version", [*ARCHCALC, "--version"], "python -c 'import click'",
            [sys.executable, "-c", "import click"], runs, 1.05)
    compare("analyze resnet50 --format json", [*ARCHCALC, "analyze", RESNET, "--format", "json"],
            "python -c 'import click, yaml'", [sys.executable, "-c", "import click, yaml"], runs, 1.2)
    # The floor under the JSON run: a process that only imports what that run imports (the
    # modules recorded by running it once) and does no work at all.
    compare("  its imports alone (no work)", [sys.executable, "-c", imports_of_json_run()],
            "python -c 'import click, yaml'", [sys.executable, "-c", "import click, yaml"], runs, 1.2)
    compare("analyze resnet50 (table)", [*ARCHCALC, "analyze", RESNET],
            "python -c 'import click, yaml, rich...'",
            [sys.executable, "-c", "import click, yaml, rich.console, rich.table"], runs, 1.2)

    # Parsing: a flat 10,000-layer spec, analysed, against libyaml's bare parse of the same file.
    lines = ["input: [8, 8, 8]", "layers:"] + ["  - {type: conv2d, filters: 8, kernel: 3, padding: 1}",
                                               "  - relu"] * 5000
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    bare = ("import yaml, sys; yaml.load(open(sys.argv[1]).read(), Loader=yaml.CSafeLoader)")
    ours = ("import sys, archcalc; archcalc.analyze(sys.argv[1])")
    def timed(code):
        script = f"import time, sys\nt = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)"
        return float(subprocess.run([sys.executable, "-c", script, handle.name], check=True, env=ENV,
                                    capture_output=True, text=True).stdout)

    timed(ours), timed(bare)                  # warm-up
    samples = [(timed(ours), timed(bare)) for _ in range(max(5, runs // 2))]
    in_process = [statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)]
    print(f"{'flat 10,000 layers: parse + analyze':<40}{in_process[0] * 1000:7.0f} ms   "
          f"{'libyaml CSafeLoader bare parse':<44}{in_process[1] * 1000:7.0f} ms   "
          f"ratio {in_process[0] / in_process[1]:.2f} (goal <= 1.5)")
    Path(handle.name).unlink()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
