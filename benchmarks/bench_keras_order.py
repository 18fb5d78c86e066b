"""A Keras Functional model listed last-first against the same model in order: the door sorts
the calls, so both should take about the same time (before the sort, 8,000 layers listed
last-first took 60 s against 0.2 s in order).

    python benchmarks/bench_keras_order.py [LAYERS]

Writes a chain of LAYERS Dense(4) layers as Keras 3's JSON, both ways, and times
`archcalc analyze --format json` on each through the real executable (median of 3); goal:
last-first within 1.5× of in order.
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from helpers import keras_chain  # noqa: E402


def seconds(path: Path) -> float:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "archcalc", "analyze", str(path), "--format", "json"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(layers: int = 8000) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for reverse in (False, True):
            path = Path(tmp) / f"chain_{'reversed' if reverse else 'in_order'}.json"
            path.write_text(json.dumps(keras_chain(layers, reverse)))
            times[reverse] = seconds(path)
    ratio = times[True] / times[False]
    print(f"{layers:,} layers: in order {times[False]:.2f} s, last-first {times[True]:.2f} s, "
          f"ratio {ratio:.2f} (goal 1.5)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
