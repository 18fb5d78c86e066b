"""Spec mutations shared by the fuzz test and benchmarks/fuzz.py, and the tally every fuzz run prints."""

import collections
import copy
import random

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
    result = CliRunner().invoke(cli, ["analyze", "-", "--format", "json"], input=text)
    return result.exit_code, result.stdout, result.stderr


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


class Tally:
    """How the cases of a fuzz run ended: results, error lines, and the first bad ones."""

    def __init__(self, keep: int = 5):
        self.outcomes: collections.Counter = collections.Counter()
        self.bad: list = []
        self.keep = keep

    def add(self, clean: bool, status: int, detail) -> None:
        """One case: `clean` as outcome_is_clean says; `detail` is kept for the first bad cases."""
        self.outcomes["ok (exit 0)" if clean and status == 0 else "error line (exit 2)" if clean
                      else f"BAD exit {status}"] += 1
        if not clean and len(self.bad) < self.keep:
            self.bad.append(detail)

    @property
    def wants_detail(self) -> bool:
        return len(self.bad) < self.keep

    def report(self, cases: int, what: str, seconds: float) -> int:
        """Prints the tally; 1 if any case was bad, else 0 (the run's exit status)."""
        print(f"{cases:,} {what} in {seconds:.0f} s ({cases / seconds:,.0f}/s)")
        for outcome, n in sorted(self.outcomes.items()):
            print(f"  {outcome}: {n:,}")
        for case in self.bad:
            print("  bad case:", case)
        return 1 if self.bad else 0
