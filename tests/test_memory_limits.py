"""The command line on a machine that limits memory: every shipped spec and fixture, and every
command on a representative set, run as a real process under a 1 GiB address-space limit (as
`ulimit -v 1048576` sets, or an HPC login node), each staying under 300 MiB resident.

Before reading in bounded pieces, every command reserved a 4 GiB buffer for any input and ended
in `internal error: MemoryError` under such a limit. The peak is the child's own ru_maxrss
(os.wait4 reports it for that one process); the runs go two at a time, the machine's cores.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import pytest

from helpers import ROOT, SPECS

ADDRESS_SPACE = 2**30            # the limit: 1 GiB of address space
PEAK_LIMIT = 300 * 2**20         # resident memory each run must stay under
FIXTURES = ROOT / "tests" / "fixtures"

HF = sorted((FIXTURES / "hf").glob("*.json"))
# Keras fixtures that need no option: a model whose input is open needs --input, which the
# groups below cannot give one file alone (tests/frontends/test_keras.py runs it with it).
KERAS = sorted(p for p in (FIXTURES / "keras").glob("*.json") if p.name != "expected.json"
               and "input" not in json.loads((FIXTURES / "keras" / "expected.json").read_text()).get(p.stem, {}))
ONNX = sorted((FIXTURES / "onnx").glob("*.onnx"))
ALL_SPECS = sorted(SPECS.rglob("*.yaml"))


class Run(NamedTuple):
    status: int
    stdout: str
    stderr: str
    peak_bytes: int


def _limit_address_space():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_limited(args: tuple[str, ...], stdin: str | None = None) -> Run:
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        args = tuple(a.replace("{tmp}", work) for a in args)
        with open(stdin or os.devnull, "rb") as given:
            process = subprocess.Popen([sys.executable, "-m", "archcalc", *args], stdin=given, stdout=out,
                                       stderr=err, cwd=work, preexec_fn=_limit_address_space)
            _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)     # reaped here, for its own rusage
        out.seek(0)
        err.seek(0)
        return Run(process.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                   usage.ru_maxrss * 1024)                          # Linux reports KiB


def _rel(path) -> str:
    return str(path.relative_to(ROOT))


def _runs() -> dict[str, tuple[tuple[str, ...], str | None, tuple[int, ...]]]:
    """id -> (arguments, standard input, statuses allowed). Commands that take several specs
    get a whole group in one process (which holds them all: a stricter bound than one each);
    the others run on each file of a group, or on a representative where a run costs seconds
    (the ONNX door imports the onnx package)."""
    groups = {"specs": ALL_SPECS, "hf": HF, "keras": KERAS, "onnx": ONNX}
    runs = {}
    for group, paths in groups.items():
        files = tuple(str(p) for p in paths)
        runs[f"analyze {group}"] = (("analyze", *files), None, (0,))
        runs[f"analyze --format json {group}"] = (("analyze", *files, "--format", "json"), None, (0,))
        runs[f"check {group}"] = (("check", *files, "--max-params", "1T"), None, (0,))
        runs[f"train {group}"] = (("train", *files), None, (0,))
        runs[f"report {group}"] = (("report", *files, "-o", "{tmp}/report.html"), None, (0,))
        if group != "specs":       # comparing 45 specs aligns every pair of layers: 20 s, and no more memory
            runs[f"compare {group}"] = (("compare", *files), None, (0,))
    for path in [p for p in ALL_SPECS if p.parent.name != "seed"] + HF + KERAS + ONNX[:2]:
        runs[f"draw {_rel(path)}"] = (("draw", str(path), "-o", "{tmp}/net.svg"), None, (0,))
    for path in HF + KERAS + ONNX[:2]:
        runs[f"import {_rel(path)}"] = (("import", str(path)), None, (0,))
    image, llm = str(SPECS / "resnet18.yaml"), str(SPECS / "llm" / "gpt2_small.yaml")
    runs["compare specs"] = (("compare", image, llm, str(SPECS / "vit_b_16.yaml")), None, (0,))
    for path in (SPECS / "resnet18.yaml", HF[0], KERAS[0], ONNX[0]):
        runs[f"analyze - < {_rel(path)}"] = (("analyze", "-"), str(path), (0,))
    runs["analyze --context gpt2"] = (("analyze", llm, "--context", "1024"), None, (0,))
    runs["scale resnet18"] = (("scale", image, "--sizes", "32..224+32"), None, (0,))
    runs["verify lenet5"] = (("verify", str(SPECS / "lenet5.yaml")), None, (0,))
    runs["verify cnn_4x4"] = (("verify", str(SPECS / "seed" / "cnn_4x4.yaml")), None, (0,))
    runs["layers"] = (("layers",), None, (0,))
    runs["layers conv2d"] = (("layers", "conv2d"), None, (0,))
    runs["import --list-ops"] = (("import", "--list-ops"), None, (0,))
    # a stream that never ends: refused at the spec cap, never read to the model cap (4 GiB)
    runs["analyze - < /dev/zero"] = (("analyze", "-"), "/dev/zero", (2,))
    runs["import - < /dev/zero"] = (("import", "-"), "/dev/zero", (2,))
    return runs


RUNS = _runs()


@pytest.fixture(scope="module")
def outcomes():
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(run_limited, args, stdin) for key, (args, stdin, _) in RUNS.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("key", list(RUNS))
def test_every_command_works_under_a_memory_limit(outcomes, key):
    run = outcomes[key]
    allowed = RUNS[key][2]
    assert run.status in allowed, run.stderr[-500:]
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert run.peak_bytes < PEAK_LIMIT, f"{key}: peak {run.peak_bytes / 2**20:.1f} MiB"


@pytest.mark.parametrize("command", ["analyze", "import"])
def test_an_endless_standard_input_stops_at_the_spec_cap(outcomes, command):
    run = outcomes[f"{command} - < /dev/zero"]
    assert run.stderr.splitlines()[-1] == "error: <stdin>: file is larger than 16 MiB (raise it with --max-file-size)"
