"""What the per-layer device figures cost the analysis of a 100,000-layer spec.

    python benchmarks/bench_device.py [--layers 100000] [--rounds 7] [--baseline /path/to/older/checkout]

Each timing runs in a fresh process: `archcalc.analyze(spec)`, which now computes every layer's
bytes moved (and so its arithmetic intensity), and `archcalc.analyze(spec, device="h100-sxm")`,
which adds the roofline stage (each layer's bound and time, the lower bound, the unfused
estimate, the fit). With --baseline, the same spec is also analysed by the archcalc at that
path (a checkout without bytes moved), for the cost of the figures every analysis now carries.
The configurations alternate round by round, so a busy machine slows each alike; the figure
kept is each one's least CPU time (`time.process_time`, which other processes do not inflate),
with the least wall time beside it. Two shapes, as bench_scale.py: dense + relu written out
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
t0, c0 = time.perf_counter(), time.process_time()
import archcalc
device = sys.argv[2] or None
r = archcalc.analyze(sys.argv[1], **({"device": device} if device else {}))
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "layers": len(r.layers)}))
"""


def once(path: str, device: str, root: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", WORKER, path, device], capture_output=True, text=True,
                         check=True, env=env, cwd=str(root))
    return json.loads(out.stdout)


def measure(path: str, rounds: int, baseline: Path | None) -> dict[str, dict[str, float]]:
    """Least CPU and wall seconds of each configuration over `rounds` alternating rounds."""
    configs = {"analysis": ("", ROOT), "device": ("h100-sxm", ROOT)}
    if baseline is not None:
        configs["baseline"] = ("", baseline)
    best = {name: {"cpu": float("inf"), "wall": float("inf")} for name in configs}
    for _ in range(rounds):
        for name, (device, root) in configs.items():
            run = once(path, device, root)
            best[name] = {key: min(best[name][key], run[key]) for key in ("cpu", "wall")}
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="an archcalc checkout to time without bytes moved")
    args = parser.parse_args()
    print(f"{'shape':<10}{'layers':>9}  {'baseline':>15}  {'analysis':>15}  {'+ device':>15}  "
          f"{'bytes cost':>10}  {'device cost':>11}   (CPU s, wall s; costs in CPU time)")
    for label, text in (("flat", flat_spec(args.layers)), ("repeated", repeated_spec(args.layers))):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
            handle.write(text)
        try:
            best = measure(handle.name, args.rounds, args.baseline)
        finally:
            Path(handle.name).unlink()

        def shown(name: str) -> str:
            return f"{best[name]['cpu']:6.3f} ({best[name]['wall']:6.3f})" if name in best else f"{'-':>15}"
        cost = (f"{100 * (best['analysis']['cpu'] / best['baseline']['cpu'] - 1):+9.1f}%"
                if "baseline" in best else f"{'-':>10}")
        device = 100 * (best["device"]["cpu"] / best["analysis"]["cpu"] - 1)
        print(f"{label:<10}{args.layers:>9,}  {shown('baseline')}  {shown('analysis')}  {shown('device')}  "
              f"{cost}  {device:+10.1f}%")


if __name__ == "__main__":
    main()
