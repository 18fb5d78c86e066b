"""Shell completion: model files and layer types, through click's completion protocol."""

import pytest
from click.shell_completion import ShellComplete

from archcalc.cli import cli
from archcalc.completion import complete_layer_types, complete_model_files


def complete(args, incomplete):
    return [item.value for item in ShellComplete(cli, {}, "archcalc", "_ARCHCALC_COMPLETE")
            .get_completions(args, incomplete)]


def test_layer_types_complete_by_prefix_in_any_case():
    names = [item.value for item in complete_layer_types(None, None, "CONV2")]
    assert "conv2d" in names and "conv_transpose2d" not in names
    assert all(name.startswith("conv2") for name in names)
    assert complete(["layers"], "rmsn") == ["rmsnorm"]


@pytest.fixture
def files(tmp_path, monkeypatch):
    (tmp_path / "specs").mkdir()
    for name in ["specs/net.yaml", "notes.txt", "small.yml", "model.onnx", "config.json", ".hidden.yaml"]:
        (tmp_path / name).write_text("")
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("typed, expected", [
    ("", ["config.json", "model.onnx", "small.yml", "specs/"]),     # no notes.txt, no hidden file
    ("sp", ["specs/"]),
    ("specs/n", ["specs/net.yaml"]),
    (".h", [".hidden.yaml"]),                                      # hidden only when a dot is typed
    ("missing/", []),
])
def test_model_files_offer_what_a_front_door_reads(files, typed, expected):
    assert [item.value for item in complete_model_files(None, None, typed)] == expected


@pytest.mark.parametrize("command", ["analyze", "compare", "check", "verify", "import"])
def test_every_file_argument_completes_files(files, command):
    assert complete([command], "m") == ["model.onnx"]


@pytest.mark.parametrize("typed, expected", [
    ("bf", ["bfloat16", "bf16"]),
    ("bfl", ["bfloat16"]),
    ("fp1", ["fp16"]),
    ("we", ["weights="]),
    ("weights=in", ["weights=int8", "weights=int4"]),
    ("weights=int4,activations=b", ["weights=int4,activations=bfloat16", "weights=int4,activations=bf16"]),
    ("weights=int4,k", ["weights=int4,kv_cache="]),
])
def test_dtypes_complete_full_and_short_names(typed, expected):
    assert complete(["analyze", "specs/resnet18.yaml", "--dtype"], typed) == expected
