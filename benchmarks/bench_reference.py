"""Speed of the reference kernels (pure Python) and of `verify` end to end.

    python benchmarks/bench_reference.py

Prints MAC/s per weighted layer type, the conv kernel against a naive
nested-loop convolution (the baseline, written here), and the time to verify
ResNet-18 at 64×64.
"""

import math
import random
import sys
import time
from pathlib import Path

from archcalc import load as load_spec
from archcalc.reference.kernels import KERNELS
from archcalc.reference.tensor import Tensor, Weights
from archcalc.verify import verify, with_input

SPECS = Path(__file__).resolve().parent.parent / "specs"


def naive_conv(x, weights, c_out, k):
    """The straightforward definition: six nested loops, one multiply-add at a time."""
    h, w, c = x.shape
    out = [0.0] * ((h - k + 1) * (w - k + 1) * c_out)
    macs = 0
    for oy in range(h - k + 1):
        for ox in range(w - k + 1):
            for o in range(c_out):
                acc = 0.0
                for i in range(k):
                    for j in range(k):
                        for ch in range(c):
                            acc += x.data[((oy + i) * w + ox + j) * c + ch] * weights[o][(i * k + j) * c + ch]
                            macs += 1
                out[(oy * (w - k + 1) + ox) * c_out + o] = acc
    return out, macs


def rate(fn, repeat=3):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        macs = fn()
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    return macs / best, best


def main():
    rng = random.Random(0)
    x = Tensor((28, 28, 32), [rng.random() for _ in range(28 * 28 * 32)])
    conv_args = {"filters": 32, "kernel": (3, 3), "stride": (1, 1), "padding": (0, 0), "dilation": (1, 1),
                 "groups": 1, "bias": False}
    fast, _ = rate(lambda: KERNELS["conv2d"](conv_args, [x], Weights(0, "c"))[1])
    weights = [[rng.random() for _ in range(9 * 32)] for _ in range(32)]
    slow, _ = rate(lambda: naive_conv(x, weights, 32, 3)[1], repeat=1)
    print(f"conv2d 3×3, 32→32 on 28×28: {fast / 1e6:6.1f} M MAC/s   naive loops: {slow / 1e6:5.1f} M MAC/s"
          f"   ratio {fast / slow:.1f}× (goal >= 5×, and >= 30 M MAC/s)")

    v = Tensor((1, 4096), [rng.random() for _ in range(4096)])
    dense, _ = rate(lambda: KERNELS["dense"]({"units": 1000, "bias": True}, [v], Weights(0, "d"))[1])
    print(f"dense 4096→1000:                {dense / 1e6:6.1f} M MAC/s")
    dw_args = {"kernel": (3, 3), "stride": (1, 1), "padding": (1, 1), "dilation": (1, 1), "multiplier": 1,
               "bias": False}
    dw, _ = rate(lambda: KERNELS["depthwise_conv2d"](dw_args, [x], Weights(0, "dw"))[1])
    print(f"depthwise 3×3 on 28×28×32:      {dw / 1e6:6.1f} M MAC/s")
    seq = Tensor((64, 128), [rng.random() for _ in range(64 * 128)])
    lstm, _ = rate(lambda: KERNELS["lstm"]({"units": 128, "bias": True, "return_sequences": True}, [seq],
                                           Weights(0, "l"))[1], repeat=1)
    print(f"lstm 128 units, 64 steps:       {lstm / 1e6:6.1f} M MAC/s")
    attn, _ = rate(lambda: KERNELS["attention"]({"heads": 4, "dim": 128, "bias": True}, [seq],
                                                Weights(0, "a"))[1], repeat=1)
    print(f"attention 4 heads, 64×128:      {attn / 1e6:6.1f} M MAC/s")

    spec = with_input(load_spec(SPECS / "resnet18.yaml"), (64, 64, 3))
    start = time.perf_counter()
    result = verify(spec)
    seconds = time.perf_counter() - start
    macs = sum(c.executed_macs for c in result.checks)
    # Issue 18: under 3 s where math.sumprod exists (CPython 3.12+); the older goal elsewhere.
    goal = 3 if hasattr(math, "sumprod") else 15
    print(f"verify resnet18 at 64×64 on Python {sys.version.split()[0]}: {seconds:.1f} s for "
          f"{macs / 1e6:.0f} M MACs, {macs / seconds / 1e6:.0f} M MAC/s "
          f"({'agree' if result.agrees else 'DISAGREE'}; goal < {goal} s)")


if __name__ == "__main__":
    main()
