from click.testing import CliRunner

from archcalc.cli import cli
from archcalc.layers import all_type_names

from helpers import ROOT


def test_every_layer_type_is_documented():
    doc = (ROOT / "docs/layers.md").read_text()
    missing = [name for name in all_type_names() if f"`{name}`" not in doc]
    assert missing == []


def test_layers_command_lists_every_type():
    out = CliRunner().invoke(cli, ["layers"]).output
    listed = {line.split()[0] for line in out.splitlines()}
    assert listed == {name for name in all_type_names() if name != "linear"}


def test_layers_command_shows_one_type():
    result = CliRunner().invoke(cli, ["layers", "linear"])
    assert result.exit_code == 0 and result.output.startswith("dense: ") and "units: int >= 1, required" in result.output
    assert CliRunner().invoke(cli, ["layers", "conv4d"]).exit_code == 2


def test_aliases_are_listed_and_found():
    out = CliRunner().invoke(cli, ["layers"]).output
    assert "ConvTranspose2d" in out and "BatchNormalization" in out and "swish" in out
    result = CliRunner().invoke(cli, ["layers", "conv2dtranspose"])
    assert result.exit_code == 0 and result.output.startswith("conv_transpose2d: ")
