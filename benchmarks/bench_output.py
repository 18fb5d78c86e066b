"""What writing the figures costs, for one large spec: each output format through the real
executable against the analysis alone.

    python benchmarks/bench_output.py [--layers 1000000]

Writes a spec of N layers (bench_scale's repeated block), then runs, each in a fresh process:
the analysis alone (`archcalc.analyze`, nothing written), and `archcalc analyze --format F`
for JSON, JSON lines, CSV and the table, output thrown away. Prints wall time and peak
resident memory of each. Goals (issue 18): JSON, JSON lines and CSV at most 1.5× the
analysis' time and under 1.5 GiB; the table at most 1.5× the JSON.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_scale import repeated_spec

# Runs a command and prints its peak resident memory (KiB): a fresh wrapper per command, so
# the children's maximum is that command's own.
MEASURE = r"""
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
ANALYSIS_ONLY = "import sys, archcalc; archcalc.analyze(sys.argv[1])"
GIB = 2**30


def run(command: list[str]) -> tuple[float, int]:
    """(seconds, peak bytes) of one command in a fresh process."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    status, kib = map(int, out.stdout.split())
    if status != 0:
        sys.exit(f"{' '.join(command)}: exit {status}")
    return seconds, kib * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=1_000_000)
    n = parser.parse_args().layers
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(repeated_spec(n))
        analysis, analysis_peak = run([sys.executable, "-c", ANALYSIS_ONLY, str(path)])
        print(f"{n:,} layers, each in a fresh process")
        print(f"{'analysis alone':<28}{analysis:7.2f} s  {analysis_peak / GIB:6.2f} GiB")
        times = {}
        for fmt in ("json", "jsonl", "csv", "table"):
            seconds, peak = run([sys.executable, "-m", "archcalc", "analyze", str(path), "--format", fmt])
            times[fmt] = seconds
            if fmt == "table":
                verdict = f"{seconds / times['json']:.2f}× the JSON (goal <= 1.5)"
            else:
                verdict = (f"{seconds / analysis:.2f}× the analysis (goal <= 1.5), "
                           f"{'under' if peak < 1.5 * GIB else 'OVER'} 1.5 GiB")
            print(f"{'analyze --format ' + fmt:<28}{seconds:7.2f} s  {peak / GIB:6.2f} GiB   {verdict}")


if __name__ == "__main__":
    main()
