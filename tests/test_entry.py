"""The program's entry point (archcalc/__main__.py) and what a run imports.

The entry turns the cyclic collector off. That is safe only while a run leaves little that
reference counting cannot free: the first tests count what the collector finds at exit, and
fail if it grows with the model's size. The last ones keep slow imports off the common paths."""

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


# What a run imports, listed at exit. Start-up time is measured in benchmarks/bench_startup.py;
# these tests only keep modules that cost it milliseconds off the paths that do not need them.
IMPORTS = """
import atexit, sys
atexit.register(lambda: print(" ".join(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["archcalc", *sys.argv[1:]]
from archcalc.__main__ import main
main()
"""
# Each of these costs a JSON run 0.5-3 ms to import; none is needed to analyse a spec.
HEAVY = {"rich", "dataclasses", "pathlib", "shutil", "tempfile", "fractions", "decimal", "difflib", "csv",
         "numpy", "onnx"}


def imported_by(*args):
    """The modules a run imports beyond what the interpreter, click and yaml import anyway
    (an editable install or a site hook may import some of HEAVY at start-up)."""
    done = subprocess.run([sys.executable, "-c", IMPORTS, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    base = subprocess.run([sys.executable, "-c", "import sys, click, yaml; print(' '.join(sys.modules))"],
                          capture_output=True, text=True, check=True).stdout.split()
    return set(done.stderr.splitlines()[-1].split()) - set(base)


def test_a_json_run_imports_nothing_heavy():
    modules = imported_by("analyze", str(SPECS / "resnet50.yaml"), "--format", "json")
    assert "archcalc.cli.analyze" in modules
    assert not HEAVY & modules
    assert {m for m in modules if m.startswith("archcalc.cli.")} == {"archcalc.cli.analyze", "archcalc.cli.common"}


def test_version_imports_no_command():
    modules = imported_by("--version")
    assert "archcalc.cli" in modules
    assert not {m for m in modules if m.startswith("archcalc.cli.")}
    assert not {"json", "archcalc.layers", "archcalc.frontends", *HEAVY} & modules
