"""The README runs as written from a fresh clone: every `archcalc` command of its shell blocks
(in a copy of the repository's specs/ and examples/, nothing else), its Python block, and its
output samples, which are the commands' real output (`pytest --update-golden` rewrites them)."""

import os
import re
import shlex
import shutil
import sys
import types

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import ROOT

README = ROOT / "README.md"
# Installing and running the test suite are the README's first block: not re-run here.
NOT_RUN = ("python3 -m venv", "eval ", "_ARCHCALC_COMPLETE=")


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def _commands() -> list[str]:
    commands = []
    for block in _blocks(README.read_text(), "sh"):
        block = re.sub(r"\\\n\s*", " ", block)          # a command continued on the next line
        for line in block.splitlines():
            line = re.sub(r"\s{2,}#.*$", "", line).strip()
            # PyTorch code (`model.py:Net`, `torchvision.models:resnet50`) is the reader's own
            # and needs torch: those lines are the PyTorch door's, tested there
            if line.startswith("archcalc ") and not re.search(r"\s[\w./]+:\w+(\s|$)", line):
                commands.append(line)
    return commands


@pytest.fixture
def clone(tmp_path, monkeypatch):
    """A working directory holding what a fresh clone has that the README reads."""
    for folder in ("specs", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_readme_has_commands():
    commands = _commands()
    assert len(commands) >= 15 and all(not c.startswith(NOT_RUN) for c in commands)
    assert any("examples/tiny_resnet.onnx" in c for c in commands)


@pytest.mark.parametrize("command", _commands())
def test_every_readme_command_runs(clone, command):
    result = CliRunner().invoke(cli, shlex.split(command)[1:])
    # `check` may say "over budget" (exit 1) only where the README says it does
    allowed = (0, 1) if command.startswith("archcalc check") else (0,)
    assert result.exit_code in allowed, (command, result.output[-500:])


def test_the_python_block_runs(clone, monkeypatch):
    (code,) = _blocks(README.read_text(), "python")
    if "pandas" not in sys.modules:
        try:
            import pandas  # noqa: F401
        except ImportError:          # an optional extra: a stand-in that takes the rows
            monkeypatch.setitem(sys.modules, "pandas", types.SimpleNamespace(DataFrame=list))
    # a line after a "(needs torch)" comment shows a model object of the reader's own: not run here
    code = re.sub(r"^#[^\n]*needs torch[^\n]*\n[^\n]*\n", "", code, flags=re.M)
    exec(compile(code, "README.md", "exec"), {})


def _run_sample(command: str) -> str:
    env = dict(re.findall(r"(\w+)=(\S+)", command.split("archcalc")[0]))
    args = shlex.split(command.split("archcalc", 1)[1])
    result = CliRunner(env=env).invoke(cli, args)
    return result.stdout


# Samples: the sentence or prompt naming the command, then a fenced block of its output's first lines.
SAMPLES = [
    (r"\(`(COLUMNS=60 archcalc analyze specs/vit_b_16\.yaml)`, its first lines\):\n\n```\n(.*?)```", "prefix"),
    (r"```\n\$ (GITHUB_ACTIONS=true archcalc check specs/resnet50\.yaml --max-params 20M)\n(.*?)```", "whole"),
]


@pytest.mark.parametrize("pattern, kind", SAMPLES, ids=["narrow table", "github actions"])
def test_samples_are_the_real_output(monkeypatch, pattern, kind, update_golden):
    monkeypatch.chdir(ROOT)
    text = README.read_text()
    match = re.search(pattern, text, re.S)
    assert match, pattern
    command, sample = match.groups()
    real = _run_sample(command)
    lines = sample.splitlines()
    expected = real.splitlines()[:len(lines)] if kind == "prefix" else real.rstrip("\n").splitlines()
    if update_golden and lines != expected:
        start, end = match.span(2)
        README.write_text(text[:start] + "\n".join(expected) + "\n" + text[end:])
        return
    assert lines == expected


def test_no_readme_command_writes_outside_its_folder(clone):
    before = set(os.listdir(clone))
    for command in _commands():
        CliRunner().invoke(cli, shlex.split(command)[1:])
    assert set(os.listdir(clone)) - before <= {"llama.yaml", "resnet50.svg", "report.html"}
