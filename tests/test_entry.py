"""The program's entry point (archcalc/__main__.py), which turns the cyclic collector off.

That is safe only while a run leaves little that reference counting cannot free: these tests
count what the collector finds at exit, and fail if it grows with the model's size."""

import subprocess
import sys

import pytest

from helpers import SPECS

# Runs the entry point as the executable does, then collects once at exit and reports how many
# unreachable objects the collector found (what a run with the collector off leaves behind).
PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("unreachable", gc.collect(), "enabled", gc.isenabled(), file=sys.stderr))
sys.argv = ["archcalc", *sys.argv[1:]]
from archcalc.__main__ import main
main()
"""


def unreachable_at_exit(*args):
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True)
    words = done.stderr.split()
    assert done.returncode == 0 and "unreachable" in words, done.stderr
    assert words[words.index("enabled") + 1] == "False"
    return int(words[words.index("unreachable") + 1])


def flat_spec(path, pairs):
    lines = ["input: [16]", "layers:"] + ["  - {type: dense, units: 16}", "  - relu"] * pairs
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_what_only_the_collector_frees_does_not_grow_with_the_model(tmp_path, fmt):
    small = unreachable_at_exit("analyze", flat_spec(tmp_path / "small.yaml", 5), "--format", fmt)
    large = unreachable_at_exit("analyze", flat_spec(tmp_path / "large.yaml", 5000), "--format", fmt)
    # A leak of one object per layer would add 10,000; a few are allowed for lazily built caches.
    assert large - small < 100, (small, large)


def test_verify_leaves_no_growing_cycles():
    small = unreachable_at_exit("verify", str(SPECS / "seed/cnn_4x4.yaml"))
    large = unreachable_at_exit("verify", str(SPECS / "resnet18.yaml"), "--input", "16,16,3")
    assert large - small < 100, (small, large)
