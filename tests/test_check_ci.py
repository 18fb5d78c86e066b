"""`check` in a simulated GitHub Actions run: annotations, statuses, job summary, JUnit."""

import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

SPEC = "name: small\ninput: [16]\nbudget:\n  params: {limit}\nlayers:\n  - {{type: dense, units: 8}}\n"


def spec(tmp_path, name, limit):
    path = tmp_path / f"{name}.yaml"
    path.write_text(SPEC.format(limit=limit))
    return path


def run(*args, summary=None):
    env = {"GITHUB_ACTIONS": "true"}
    if summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(summary)
    return CliRunner(env=env).invoke(cli, ["check", *map(str, args)])


def test_over_budget_is_an_error_at_the_budget_line(tmp_path):
    path = spec(tmp_path, "over", 100)         # 16·8 + 8 = 136 params
    result = run(path)
    assert result.exit_code == 1
    assert f"::error file={path},line=4,col=11::small: params 136 exceeds the budget 100 by 36" in result.stdout


def test_near_budget_is_a_warning_and_passes(tmp_path):
    path = spec(tmp_path, "near", 140)         # 136 / 140 = 97.1 % >= 90 %
    result = run(path)
    assert result.exit_code == 0
    assert f"::warning file={path},line=4,col=11::small: params 136 is 97.1%25 of the budget 140" in result.stdout   # % escaped as GitHub wants
    assert "::warning" not in run(path, "--warn-at", "99%").stdout


def test_no_budget_anywhere_is_exit_2(tmp_path):
    path = tmp_path / "none.yaml"
    path.write_text("input: [4]\nlayers: [relu]\n")
    result = run(path)
    assert result.exit_code == 2 and result.stderr.startswith("error: no budget set")


def test_invalid_spec_is_annotated_and_the_valid_ones_still_reported(tmp_path):
    good = spec(tmp_path, "good", 200)
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [4]\nlayers:\n  - {type: dense, unit: 2}\n")
    summary = tmp_path / "summary.md"
    result = run(good, bad, "--max-flops", "1G", summary=summary)
    assert result.exit_code == 2
    assert f"::error file={bad},line=3,col=19::unknown argument 'unit' for dense layer 'dense_1'" in result.stdout
    assert "within budget" in result.stdout           # the good spec's table
    text = summary.read_text()
    assert "small" in text and "unknown argument 'unit'" in text


def test_junit(tmp_path):
    over, good = spec(tmp_path, "over", 100), spec(tmp_path, "good", 200)
    result = CliRunner().invoke(cli, ["check", str(over), str(good), "--format", "junit"])
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    suites = root.findall("testsuite")
    assert [s.get("failures") for s in suites] == ["1", "0"]
    assert suites[0].find("testcase/failure").get("message") == "136 exceeds the budget 100 by 36"


@pytest.mark.parametrize("limit, status", [(136, 0), (135, 1)])
def test_a_figure_exactly_at_its_budget_passes(tmp_path, limit, status):
    assert CliRunner().invoke(cli, ["check", str(spec(tmp_path, "edge", limit))]).exit_code == status
