"""What the per-layer device figures cost the analysis of a 100,000-layer spec.

    python benchmarks/bench_device.py [--layers 100000] [--runs 5] [--baseline /path/to/older/checkout]

Each timing runs in a fresh process (best of --runs): `archcalc.analyze(spec)`, which now
computes every layer's bytes moved (and so its arithmetic intensity), and
`archcalc.analyze(spec, device="h100-sxm")`, which adds the roofline stage (each layer's bound
and time, the lower bound, the unfused estimate, the fit). With --baseline, the same spec is
also analysed by the archcalc at that path (a checkout without bytes moved), for the cost of
the figures every analysis now carries. Two shapes, as bench_scale.py: dense + relu written out
flat, and conv + relu built with a block and `repeat`. Goal (issue 29): the device figures add
no more than 20 % to the analysis time.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_scale import flat_spec, repeated_spec  # noqa: E402

WORKER = r"""
import json, sys, time
t0 = time.perf_counter()
import archcalc
device = sys.argv[2] or None
r = archcalc.analyze(sys.argv[1], **({"device": device} if device else {}))
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "layers": len(r.layers)}))
"""


def best(path: str, device: str, runs: int, root: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(root)}
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", WORKER, path, device], capture_output=True, text=True,
                             check=True, env=env, cwd=str(root))
        times.append(json.loads(out.stdout)["seconds"])
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="an archcalc checkout to time without bytes moved")
    args = parser.parse_args()
    print(f"{'shape':<10}{'layers':>9}{'baseline':>11}{'analysis':>11}{'+ device':>11}"
          f"{'bytes cost':>12}{'device cost':>13}")
    for label, text in (("flat", flat_spec(args.layers)), ("repeated", repeated_spec(args.layers))):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
            handle.write(text)
        try:
            plain = best(handle.name, "", args.runs, ROOT)
            device = best(handle.name, "h100-sxm", args.runs, ROOT)
            base = best(handle.name, "", args.runs, args.baseline) if args.baseline else None
        finally:
            Path(handle.name).unlink()
        base_text = f"{base:10.3f}s" if base else f"{'-':>11}"
        bytes_cost = f"{100 * (plain / base - 1):+11.1f}%" if base else f"{'-':>12}"
        print(f"{label:<10}{args.layers:>9,}{base_text}{plain:10.3f}s{device:10.3f}s{bytes_cost}"
              f"{100 * (device / plain - 1):+12.1f}%")


if __name__ == "__main__":
    main()
