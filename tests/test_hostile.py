"""Hostile inputs, class by class: each ends as one clean line with the right status,
and nothing on disk changes (the spec and every target hashed before and after)."""

import hashlib
import os
import stat

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

# (spec text, status, the error line after "error: FILE:")
YAML_VALUES = [
    ("units: !!int abc", "3:26: invalid YAML: 'abc' is not a valid int"),
    ("units: !!int ''", "3:26: invalid YAML: '' is not a valid int"),
    ("units: !!float 1e", "3:26: invalid YAML: '1e' is not a valid float"),
    ("units: !!bool maybe", "3:26: invalid YAML: 'maybe' is not a valid bool"),
    ("units: !!set [4]", "3:26: invalid YAML: tag 'tag:yaml.org,2002:set' is not allowed in a spec "
                         "(only strings, numbers, booleans, null, lists and mappings)"),
    ("units: !!map [relu]", "3:26: invalid YAML: tag 'tag:yaml.org,2002:map' needs a mapping"),
    ("units: !!map relu", "3:26: invalid YAML: tag 'tag:yaml.org,2002:map' needs a mapping"),
    ("units: !!seq relu", "3:26: invalid YAML: tag 'tag:yaml.org,2002:seq' needs a list"),
    ("units: !!str [4]", "3:26: invalid YAML: expected a scalar node, but found sequence"),
    ("units: !!python/object:os.system x", "3:26: invalid YAML: tag 'tag:yaml.org,2002:python/object:os.system' "
                                           "is not allowed in a spec (only strings, numbers, booleans, null, lists and mappings)"),
    # a date stays text: here it reaches the argument check as a string
    ("units: 2023-02-30", "3:26: dense layer 'dense_1': 'units': expected an integer, got string '2023-02-30'"),
    pytest.param("units: " + "9" * 5000, "3:26: invalid YAML: '" + "9" * 40 + "' is not a valid int",
                 id="5000-digit integer"),
    ("units: 100000000000000000000", "3:26: dense layer 'dense_1': 'units': expected an integer of at most 2^62 "
                                     "in size, got 100000000000000000000"),
]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def run(args, **kwargs):
    return CliRunner().invoke(cli, args, **kwargs)


@pytest.mark.parametrize("layer, message", YAML_VALUES)
def test_yaml_values_are_located_errors(tmp_path, layer, message):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"input: [4]\nlayers:\n  - {{type: dense, {layer}}}\n")
    before = digest(spec)
    result = run(["analyze", str(spec)])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {spec}:{message}\n")
    assert digest(spec) == before


@pytest.mark.parametrize("text, message", [
    ("input: [4]\njunk: &r [*r]\nlayers: [relu]\n", "invalid YAML: an anchor is used inside itself (a recursive alias)"),
    ("input: [4]\ndescription: 2023-02-30\nlayers: [relu]\n", None),
    ("input: [4]\nblocks:\n  b: {args: {w: 3}, layers: [relu]}\nlayers:\n  - {type: b, w: 3, 1: 2}\n",
     "5:21: unknown argument '1' for block 'b'"),
    ("input: [4]\nlayers:\n  - {type: relu, repeat: 9000000}\n  - {type: rleu}\n",
     "4:12: unknown layer type 'rleu' (did you mean 'relu'?)"),
    pytest.param("input: [4]\nlayers:\n  - {type: " + "x" * 2_000_000 + "}\n", None, id="2 MB type name"),
    ("input: [1000000000000, 1000000000000, 3]\nlayers:\n" + "".join(
        "  - {type: embedding, vocab: 10, dim: 100000000000}\n" for _ in range(4)),
     "3:5: layer 'embedding_1' (embedding): its output would hold more than 2^100 elements per sample (4 axes); "
     "received [1000000000000, 1000000000000, 3]"),
])
def test_structure(tmp_path, text, message):
    spec = tmp_path / "s.yaml"
    spec.write_text(text)
    result = run(["analyze", str(spec), "--format", "json"])
    if message is None and "x" * 100 not in text:
        assert result.exit_code == 0
        return
    assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert len(result.stderr) <= 500
    if message:
        sep = ":" if message[0].isdigit() else ": "
        assert result.stderr == f"error: {spec}{sep}{message}\n"


def test_control_characters_never_reach_the_terminal(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text('input: [4]\nlayers:\n  - {type: "relu\\e]0;owned\\a\\u2028x"}\n')
    result = run(["analyze", str(spec)])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\u2028" not in result.stderr
    assert "\\x1b]0;owned\\x07\\u2028x" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--batch", "0"], "--batch"),
    (["--batch", "1" + "0" * 5000], "--batch"),
    (["--format", "pdf"], "--format"),
    (["--set", "x"], "expected NAME=VALUE"),
])
def test_usage_errors(tmp_path, args, message):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    result = run(["analyze", str(spec), *args])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert len(result.stderr) <= 500


# -- files and targets -------------------------------------------------------

def test_a_spec_read_from_standard_input_is_never_overwritten(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    before = digest(spec)
    with open(spec) as handle:
        result = run(["analyze", "-", "-o", str(spec)], input=handle)
    # CliRunner replaces stdin with its own stream, so the protection by inode is checked directly:
    from archcalc.errors import UsageError
    from archcalc.files import check_targets
    assert digest(spec) == before
    with pytest.raises(UsageError, match="refusing to write over the input spec"):
        check_targets([str(spec)], [str(spec)])
    assert result.exit_code in (0, 2)


def test_two_outputs_on_one_file_are_refused_before_any_write(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    out = tmp_path / "o.svg"
    result = run(["analyze", str(spec), "--svg", str(out), "-o", str(out)])
    assert (result.exit_code, result.stderr) == (2, f"error: two outputs go to one file: {out} and {out}\n")
    assert not out.exists()


def test_svg_is_not_written_when_output_is_refused(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    svg = tmp_path / "o.svg"
    result = run(["analyze", str(spec), "--svg", str(svg), "-o", str(spec)])
    assert result.exit_code == 2 and "refusing to write over the input spec" in result.stderr
    assert not svg.exists()


def test_output_keeps_the_target_mode(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    out = tmp_path / "private.json"
    out.write_text("old")
    out.chmod(0o600)
    assert run(["analyze", str(spec), "--format", "json", "-o", str(out)]).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and '"params": 0' in out.read_text()


def test_output_to_a_fifo_writes_into_it_without_replacing_it(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert run(["analyze", str(spec), "--format", "json", "-o", str(fifo)]).exit_code == 0
        assert b'"params": 0' in os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "is a directory, not a spec file"),
    (lambda p: os.mkfifo(p), "not a regular file (pipe it to standard input with '-' instead)"),
    (lambda p: None, "no such file"),
])
def test_inputs_that_are_not_regular_files(tmp_path, make, message):
    path = tmp_path / "x.yaml"
    make(path)
    result = run(["analyze", str(path)])
    assert (result.exit_code, result.stderr) == (2, f"error: {path}: {message}\n")


def test_output_into_a_missing_directory(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    target = tmp_path / "missing" / "out.json"
    result = run(["analyze", str(spec), "-o", str(target)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: cannot write {target}: ")


@pytest.mark.parametrize("text, message", [
    ("input: [4]\nlayers:\n\t- relu\n", "3:1: invalid YAML: found character that cannot start any token (a tab: indent with spaces)"),
    ("input: [4]\n  layers: [relu]\n", "2:3: invalid YAML: did not find expected key (the indentation does not line up"),
    ("input: [4]\nlayers:\n  - {type: dense units: 2}\n", "3:23: invalid YAML: did not find expected ',' or '}' (a mapping opened"),
])
def test_yaml_messages_are_explained(tmp_path, text, message):
    spec = tmp_path / "s.yaml"
    spec.write_text(text)
    result = run(["analyze", str(spec)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {spec}:{message}")


def test_independent_mistakes_are_reported_together(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers:\n  - {type: dense, unit: 2}\n  - {type: rleu}\n"
                    "  - {type: dense, units: 0}\n  - {type: conv2d, filters: 2}\n  - relu\n")
    result = run(["analyze", str(spec)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {spec}:3:19: unknown argument 'unit' for dense layer 'dense_1' (did you mean 'units'?)",
        f"error: {spec}:4:12: unknown layer type 'rleu' (did you mean 'relu'?)",
        f"error: {spec}:5:26: dense layer 'dense_2': 'units': expected an integer >= 1, got 0",
        f"error: {spec}:6:5: conv2d layer 'conv2d_1' needs argument 'kernel'",
    ]
    ci = CliRunner(env={"GITHUB_ACTIONS": "true"}).invoke(cli, ["check", str(spec), "--max-params", "1M"])
    assert ci.exit_code == 2 and ci.stdout.count("::error ") == 4
