"""A golden file per output format and view: a change to any output shows up as a diff.
Rewritten only by `python -m pytest --update-golden`."""

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import SPECS, assert_golden

ANN, CNN = str(SPECS / "seed/ann_4x4.yaml"), str(SPECS / "seed/cnn_4x4.yaml")
LLM = str(SPECS / "llm/gpt2_small.yaml")

VIEWS = [
    ("analyze_cnn.csv", ["analyze", CNN, "--format", "csv"]),
    ("analyze_cnn.md", ["analyze", CNN, "--format", "markdown"]),
    ("compare.txt", ["compare", ANN, CNN]),
    ("compare.json", ["compare", ANN, CNN, "--format", "json"]),
    ("compare.csv", ["compare", ANN, CNN, "--format", "csv"]),
    ("compare.md", ["compare", ANN, CNN, "--format", "markdown"]),
    ("check.txt", ["check", ANN, CNN, "--max-params", "100"]),
    ("check.json", ["check", ANN, CNN, "--max-params", "100", "--format", "json"]),
    ("check.xml", ["check", ANN, CNN, "--max-params", "100", "--format", "junit"]),
    ("scale.txt", ["scale", CNN, "--sizes", "4,8,16"]),
    ("train_cnn.json", ["train", CNN, "--format", "json"]),
    ("train_cnn.txt", ["train", CNN]),
    ("gpt2_context.txt", ["analyze", LLM, "--context", "1024", "--depth", "1"]),
]


@pytest.mark.parametrize("name, args", VIEWS, ids=[v[0] for v in VIEWS])
def test_golden(name, args, update_golden, monkeypatch):
    monkeypatch.chdir(SPECS.parent)
    result = CliRunner(env={"COLUMNS": "100"}).invoke(cli, [a.replace(str(SPECS.parent) + "/", "") for a in args])
    assert result.exit_code in (0, 1), result.output
    assert_golden(name, result.stdout, update_golden)
