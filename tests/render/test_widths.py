"""No view ever cuts a figure: every shipped spec, every view, at 60, 80, 100 and 200 columns.
A cut shows as an ellipsis; none may appear, and every model of a comparison must be named."""

import re

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import SPECS

WIDTHS = [60, 80, 100, 200]
SPEC_FILES = sorted(str(p) for p in SPECS.rglob("*.yaml"))
ZOO = [str(SPECS / n) for n in ("lenet5.yaml", "resnet18.yaml", "mobilenet_v2.yaml", "vit_b_16.yaml",
                                "llm/gpt2_small.yaml")]


def run(width, *args):
    result = CliRunner(env={"COLUMNS": str(width)}).invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output[-300:]
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spec", SPEC_FILES, ids=lambda p: p.split("specs/")[-1])
def test_analyze(spec, width):
    assert "…" not in run(width, "analyze", spec)


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_many_models(width):
    out = run(width, "compare", *ZOO)
    assert "…" not in out
    for name in ("lenet5", "resnet18", "mobilenet_v2", "vit_b_16", "gpt2_small"):
        assert name in out


@pytest.mark.parametrize("width", WIDTHS)
def test_check_scale_train_verify(width):
    for args in (["check", *ZOO[:4], "--max-params", "10M", "--max-macs", "1G", "--max-memory", "100MB"],
                 ["scale", str(SPECS / "llm/gpt2_small.yaml"), "--sizes", "512..4096x2", "--layers"],
                 ["scale", str(SPECS / "resnet18.yaml"), "--sizes", "32,64,128", "--layers"],
                 ["train", str(SPECS / "llm/gpt2_small.yaml")],
                 ["verify", str(SPECS / "seed/all_layers_v2.yaml")],
                 ["analyze", str(SPECS / "resnet50.yaml"), "--exact"]):
        assert "…" not in run(width, *args), args


@pytest.mark.parametrize("width", [40, 60, 80])
@pytest.mark.parametrize("spec", ["resnet50.yaml", "llm/mixtral_8x7b.yaml"])
def test_summary_lines_break_between_words_only(spec, width):
    # With --exact every figure has thousands separators ("154,140,672 B"): no line that ends in a
    # digit and a comma is continued by a digit (the rest of the figure), and no line starts with a unit.
    import re
    out = run(width, "analyze", str(SPECS / spec), "--exact", "--context", "1024") if "llm" in spec else \
        run(width, "analyze", str(SPECS / spec), "--exact")
    summary = out[out.rindex("\n  Total"):].splitlines()[2:]
    assert summary
    for line, following in zip(summary, summary[1:]):
        assert not (re.search(r"\d,$", line) and re.match(r"\s*\d", following)), (line, following)
        assert not re.match(r"\s*(B|KiB|MiB|GiB|K|M|G|T)\b", following), following


def test_a_plain_line_keeps_figures_with_their_units():
    from archcalc.render import Options
    from archcalc.render.table import render
    text = render(["reference pass: 85.46 M MACs executed in 8.08 s (10.58 M MAC/s), 154,140,672 B kept"],
                  Options(width=24))
    lines = text.splitlines()
    assert all(not re.match(r"\s*(B|M|s)\b", line) for line in lines), lines
    assert "85.46 M" in text and "8.08 s" in text and "154,140,672 B" in text


def _cells(line: str) -> int:
    from rich.cells import cell_len
    return cell_len(line)


@pytest.mark.parametrize("args", [
    ["compare", str(SPECS / "seed/ann_4x4.yaml"), str(SPECS / "seed/cnn_4x4.yaml"), str(SPECS / "resnet50.yaml")],
    ["check", str(SPECS / "resnet50.yaml"), "--max-params", "30M", "--max-memory", "200MB"],
    ["scale", str(SPECS / "seed/dense_28x28.yaml"), "--sizes", "28..896x2"],
    ["layers", "conv2d"],
    ["layers"],
    # a layer's name as long as the table (where ViT first sees its whole input) is no column
    ["compare", str(SPECS / "resnet50.yaml"), str(SPECS / "vit_b_16.yaml")],
    ["devices"],
], ids=lambda args: args[0] + str(len(args)))
def test_tables_fit_sixty_columns(args):
    # every line within the width (the case: compare, check and scale printed 63-75 wide)
    out = run(60, *args)
    assert out and max(map(_cells, out.splitlines())) <= 60


def test_vit_rows_keep_their_columns():
    # each row's Type column starts where the header's does (a wrapped name leaves it in place)
    out = run(60, "analyze", str(SPECS / "vit_b_16.yaml"))
    header = next(line for line in out.splitlines() if line.lstrip().startswith("Layer"))
    at = header.index("Type")
    rows = [line for line in out.splitlines() if len(line) > at and line[at - 1] == " " and line[at] != " "]
    assert rows and all(line[at - 3:at] == "   " for line in rows)


COMMANDS = ["", "analyze", "compare", "check", "scale", "train", "verify", "import", "layers", "draw", "report",
            "devices", "sweep"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_fits_and_never_breaks_a_word(command):
    def help_at(width):
        result = CliRunner(env={"COLUMNS": str(width)}).invoke(cli, [*([command] if command else []), "--help"],
                                                                terminal_width=width)
        return result.stdout
    narrow, wide = help_at(60), help_at(1000)
    assert max(map(_cells, narrow.splitlines())) <= 60
    # the same words in the same order: a word broken across lines ("activatio" / "ns") would differ
    # (a line may end after a hyphen: "top-" / "level" is "top-level")
    assert re.sub(r"-\s+", "-", narrow).split() == re.sub(r"-\s+", "-", wide).split()
