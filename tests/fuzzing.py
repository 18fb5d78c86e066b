"""Spec mutations shared by the fuzz test and benchmarks/fuzz.py, the tally every fuzz run
prints, and what the long runs add: a time per case and a share of the cases run through the
real executable, under the same address-space limit as the run."""

import collections
import copy
import random
import resource
import shutil
import subprocess
import sys
import weakref

import yaml
from click.testing import CliRunner

from archcalc.cli import cli

ODD_VALUES = [None, True, False, -1, 0, 1, 2, 3.5, "", "x", "same", "$nope", [], {}, [1, 2], [0, -1, 3],
              {"type": "relu"}, 10**30, "relu", "in", "input", [[]], {"a": {"b": []}}]
KEYS = ["type", "name", "inputs", "repeat", "trainable", "units", "filters", "kernel", "stride", "padding",
        "dilation", "groups", "bias", "axis", "shape", "scale", "output", "activation", "heads", "dim",
        "vocab", "ceil_mode", "multiplier", "input", "layers", "blocks", "batch", "dtype", "budget", "args"]


def mutate(spec, rng: random.Random, steps: int = 3):
    """A copy of `spec` with a few random edits: drop, duplicate or retype keys and list items."""
    spec = copy.deepcopy(spec)
    for _ in range(steps):
        containers = []

        def walk(node):
            if isinstance(node, (dict, list)):
                containers.append(node)
                for child in (node.values() if isinstance(node, dict) else node):
                    walk(child)
        walk(spec)
        node = rng.choice(containers)
        action = rng.randrange(4)
        if isinstance(node, dict):
            keys = list(node)
            if action == 0 and keys:
                del node[rng.choice(keys)]
            elif action == 1 and keys:
                node[rng.choice(keys)] = copy.deepcopy(rng.choice(ODD_VALUES))
            else:
                node[rng.choice(KEYS)] = copy.deepcopy(rng.choice(ODD_VALUES + [rng.randint(-3, 300)]))
        elif node:
            i = rng.randrange(len(node))
            if action == 0:
                del node[i]
            elif action == 1:
                node.insert(i, copy.deepcopy(node[i]))
            else:
                node[i] = copy.deepcopy(rng.choice(ODD_VALUES))
    return spec


def random_text(rng: random.Random) -> str:
    alphabet = "ab:-[]{}&*!|>'\"#\n\t 0123456789.$,?%@`\\\x00\xff\u2028é"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(80)))


def run(text: str):
    """(exit status, stdout, stderr) of `archcalc analyze -` on `text`."""
    result = invoke(["analyze", "-", "--format", "json"], input=text)
    return result.exit_code, result.stdout, result.stderr


def invoke(args: list[str], input: str | None = None):
    """CliRunner's run of `archcalc ARGS`, for runs of many thousand cases in one process.
    click keeps a text wrapper per standard stream it has written to, in a weak-keyed cache
    whose value can be the stream itself, so each CliRunner's captured output stays alive
    (about 80 KB a case: a 1 GiB run fails after some 9,000 cases). A real process has one
    stream each; here the cache is emptied after every case."""
    result = CliRunner().invoke(cli, args, input=input)
    from click import _compat
    for cached in (_compat._default_text_stdout, _compat._default_text_stderr):
        for cell in cached.__closure__ or ():
            if isinstance(cell.cell_contents, weakref.WeakKeyDictionary):
                cell.cell_contents.clear()
    return result


def outcome_is_clean(status: int, stdout: str, stderr: str) -> bool:
    """A result (notes and warnings allowed on standard error), or exit 2 with one `error:`
    line per mistake (a spec may have several independent ones) and nothing on standard output."""
    lines = stderr.splitlines()
    if status == 0:
        return all(line.startswith(("note: ", "warning: ")) for line in lines)
    return (status == 2 and stdout == "" and 1 <= len(lines) <= 20 and stderr.endswith("\n")
            and all(line.startswith("error: ") for line in lines))


def dump(spec) -> str:
    return yaml.safe_dump(spec, sort_keys=False)


# The long runs' bounds (issue: every hostile input ends within 2 s, under a 1 GiB address space).
SLOW_SECONDS = 2.0
ADDRESS_SPACE = 2**30
EXECUTABLE_EVERY = 100          # one case in this many also runs as a real `archcalc` process


def limit_address_space(limit: int = ADDRESS_SPACE) -> None:
    """Holds this process (and what it starts) to `limit` bytes of address space, as
    `ulimit -v` does on machines that refuse to overcommit memory."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_executable(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the installed `archcalc` (or `python -m archcalc`)
    as a process of its own, under the address-space limit; a run past 30 s is killed and
    counts as status -9."""
    command = [shutil.which("archcalc") or sys.executable] + ([] if shutil.which("archcalc") else ["-m", "archcalc"])
    try:
        done = subprocess.run(command + args, input=stdin, capture_output=True, timeout=30,
                              preexec_fn=limit_address_space)
    except subprocess.TimeoutExpired:
        return -9, "", "killed after 30 s\n"
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


class Tally:
    """How the cases of a fuzz run ended: results, error lines, the first bad ones, and how
    long the slowest took (a case over SLOW_SECONDS is bad too)."""

    def __init__(self, keep: int = 5):
        self.outcomes: collections.Counter = collections.Counter()
        self.bad: list = []
        self.keep = keep
        self.slowest = 0.0
        self.slow = 0
        self.bad_cases = 0

    def add(self, clean: bool, status: int, detail, seconds: float = 0.0, how: str = "") -> None:
        """One case: `clean` as outcome_is_clean says; `detail` is kept for the first bad
        cases; `seconds` it took; `how` tells a run through the executable ("executable")."""
        kind = "ok (exit 0)" if clean and status == 0 else "error line (exit 2)" if clean else f"BAD exit {status}"
        self.outcomes[f"{kind}, {how}" if how else kind] += 1
        self.slowest = max(self.slowest, seconds)
        slow = seconds > SLOW_SECONDS
        self.slow += slow
        if not clean or slow:
            self.bad_cases += 1
            if len(self.bad) < self.keep:
                self.bad.append((f"{seconds:.2f} s", detail))

    @property
    def wants_detail(self) -> bool:
        return len(self.bad) < self.keep

    def report(self, cases: int, what: str, seconds: float) -> int:
        """Prints the tally; 1 if any case was bad or slow, else 0 (the run's exit status)."""
        print(f"{cases:,} {what} in {seconds:.0f} s ({cases / seconds:,.0f}/s); "
              f"slowest case {self.slowest:.2f} s, {self.slow:,} over {SLOW_SECONDS:g} s")
        for outcome, n in sorted(self.outcomes.items()):
            print(f"  {outcome}: {n:,}")
        for case in self.bad:
            print("  bad case:", case)
        return 1 if self.bad_cases else 0
