"""docs/exercises.md can never go stale: every command in it is re-run and its output compared.

`pytest tests/test_exercises.py --update-golden` rewrites the outputs in the doc instead.
"""

import re
import shlex

from click.testing import CliRunner

from archcalc.cli import cli

from helpers import ROOT

DOC = ROOT / "docs" / "exercises.md"
BLOCK = re.compile(r"```console\n\$ (archcalc [^\n]+)\n```\n\n```text\n(.*?)```\n", re.S)


def run(command: str) -> str:
    result = CliRunner().invoke(cli, shlex.split(command)[1:], env={"COLUMNS": "100"})
    assert result.exit_code == 0, (command, result.output)
    return "\n".join(line.rstrip() for line in result.output.splitlines()) + "\n"


def test_exercise_outputs_match_the_doc(update_golden, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = DOC.read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 9
    if update_golden:
        text = BLOCK.sub(lambda m: f"```console\n$ {m[1]}\n```\n\n```text\n{run(m[1])}```\n", text)
        DOC.write_text(text, encoding="utf-8")
        blocks = BLOCK.findall(text)
    for command, shown in blocks:
        assert run(command) == shown, command
