"""`analyze --view fields` carries the same figures in every format: for every shipped spec, the
table, Markdown and CSV are read back and compared with the JSON's keys, the oracle (exact
integers with --exact; quotients at the precision a format shows them)."""

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from archcalc.cli import cli
from archcalc.render.common import axes_cell, intensity, quotient_cell

from helpers import SPECS

SPEC_FILES = sorted(SPECS.rglob("*.yaml"))
IDS = [str(p.relative_to(SPECS)) for p in SPEC_FILES]


def run(*args):
    result = CliRunner(env={"COLUMNS": "10000"}).invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output[-500:]
    return result.stdout


def oracle(spec):
    data = json.loads(run("analyze", spec, "--format", "json"))
    rows = [(row["name"], axes_cell(row["receptive_field"]), axes_cell(row["effective_stride"]),
             axes_cell(row["field_offset"], ", "), quotient_cell(row["weight_reuse"]),
             f"{row['dense_equivalent_params']:,}", quotient_cell(row["sharing_factor"], "×"),
             intensity(row["arithmetic_intensity"]), row.get("fields_note", "")) for row in data["layers"]]
    assert all(row["fields_misaligned"] == bool(row.get("fields_note")) for row in data["layers"])
    return data["totals"], rows


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@pytest.mark.parametrize("spec", SPEC_FILES, ids=IDS)
def test_table_markdown_and_csv_say_what_json_says(spec):
    totals, expected = oracle(spec)
    names = [row[0] for row in expected]

    # Markdown: one row per layer by its full name, then the total.
    md = run("analyze", spec, "--view", "fields", "--exact", "--format", "markdown")
    tables = [block for block in md.split("\n\n") if block.startswith("| ")]
    rows = [_cells(line) for line in tables[1].splitlines()[2:]]
    got = [(r[0].replace("&nbsp;", ""), *r[3:10], r[10] if len(r) > 10 else "") for r in rows[:-1]]
    assert got == expected
    assert rows[-1][7] == f"{totals['dense_equivalent_params']:,}"
    summary = tables[0]
    assert (totals["whole_input_layer"] or "no layer") in summary

    # The table: cells split at runs of two spaces; block rows (a name and a block type) skipped.
    out = run("analyze", spec, "--view", "fields", "--exact")
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith(" ───"))
    end = lines.index("", rule)
    layer_rows = [re.split(r" {2,}", line.strip()) for line in lines[rule + 1:end]]
    layer_rows = [r for r in layer_rows if len(r) > 2]
    assert [tuple(r[3:10]) + ((r[10] if len(r) > 10 else ""),) for r in layer_rows] == [row[1:] for row in expected]
    assert all(name.endswith(r[0]) for name, r in zip(names, layer_rows))

    # CSV: the JSON's values, lists as JSON lists.
    reader = csv.DictReader(io.StringIO(run("analyze", spec, "--view", "fields", "--format", "csv")))
    data = json.loads(run("analyze", spec, "--format", "json"))["layers"]
    layer_csv = [r for r in reader if r["type"] not in ("model", "total")]
    for row, want in zip(layer_csv, data, strict=True):
        for key in ("receptive_field", "effective_stride", "field_offset"):
            assert (json.loads(row[key]) if row[key] else None) == want[key]
        assert int(row["dense_equivalent_params"]) == want["dense_equivalent_params"]
        assert (row["fields_misaligned"] == "true") == want["fields_misaligned"]
        for key in ("weight_reuse", "sharing_factor", "arithmetic_intensity"):
            assert (float(row[key]) if row[key] else None) == want[key]


@pytest.mark.parametrize("option", [["--depth", "1"], ["--device", "a100-80gb"]])
def test_options_the_view_cannot_show_are_refused(option):
    result = CliRunner().invoke(cli, ["analyze", str(SPECS / "resnet18.yaml"), "--view", "fields", *option])
    assert result.exit_code == 2
    assert f"error: {option[0]}" in result.output or option[0] in result.output
