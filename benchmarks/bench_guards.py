"""How fast hostile specs are refused (or bounded ones analysed), each in a fresh process.

The unit tests check that each guard fires; this prints how long each case takes
through the real executable, against the goal of one second each.

    python benchmarks/bench_guards.py
"""

from __future__ import annotations

import subprocess
import sys
import time

GOAL_SECONDS = 1.0


def alias_bomb(levels=12, indent="  "):
    lines = [f"{indent}a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"{indent}a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines)


CASES = {
    "nested repeats (10^12 layers)": (
        "input: [4]\nblocks:\n  a: [{type: relu, repeat: 1000}]\n  b: [{type: a, repeat: 1000}]\n"
        "  c: [{type: b, repeat: 1000}]\nlayers:\n  - {type: c, repeat: 1000}\n"),
    "alias bomb as a value": "input: [4]\ndescription:\n" + alias_bomb() + "\nlayers:\n  - {type: dense, units: *a11}\n",
    "huge dimensions": "input: [1000000000000, 1000000000000, 3]\nlayers:\n  - {type: conv2d, filters: 64, kernel: 3}\n",
    "deep block nesting": "input: [4]\nblocks:\n" + "".join(f"  b{i}: [{{type: b{i + 1}}}]\n" for i in range(100))
                          + "  b100: [relu]\nlayers: [b0]\n",
    "9M repeats then a typo": "input: [4]\nlayers:\n  - {type: relu, repeat: 9000000}\n  - {type: rleu}\n",
    "1,000 inputs x 10^6 repeats": ("input: [4]\nblocks:\n  b:\n    layers:\n"
                                    + "".join(f"      - {{type: relu, name: r{i}}}\n" for i in range(1000))
                                    + "      - {type: add, inputs: [" + ", ".join(f"r{i}" for i in range(1000)) + "]}\n"
                                    + "layers:\n  - {type: b, repeat: 1000000}\n"),
    "recursive alias": "input: [4]\njunk: &r [*r]\nlayers: [relu]\n",
}


def main() -> int:
    worst = 0.0
    print(f"{'case':<32} {'status':>6} {'seconds':>8}")
    for name, text in CASES.items():
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "archcalc.cli", "analyze", "-", "--format", "json"],
                              input=text, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        worst = max(worst, seconds)
        print(f"{name:<32} {done.returncode:>6} {seconds:>8.2f}")
    print(f"worst {worst:.2f} s; goal {GOAL_SECONDS:.1f} s each: {'met' if worst <= GOAL_SECONDS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
