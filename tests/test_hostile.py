"""Hostile inputs, class by class: each ends as one clean line with the right status,
and nothing on disk changes (the spec and every target hashed before and after)."""

import hashlib
import os
import stat
import subprocess
import sys

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
    # an explicit date asks for a type no spec value has (it was accepted with the tag dropped)
    ("units: !!timestamp nonsense", "3:26: invalid YAML: tag 'tag:yaml.org,2002:timestamp' is not allowed in a spec "
                                    "(only strings, numbers, booleans, null, lists and mappings)"),
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
    ("name: !!timestamp nonsense\ninput: [4]\nlayers: [relu]\n",
     "1:7: invalid YAML: tag 'tag:yaml.org,2002:timestamp' is not allowed in a spec "
     "(only strings, numbers, booleans, null, lists and mappings)"),
    # a size past 2^62 is too large, not "not a positive integer" (2^62 = 4,611,686,018,427,387,904)
    ("input: [1234567890123456789012345678902]\nlayers: [relu]\n",
     "1:9: 'input': an integer of 100 bits is too large for a size (at most 2^62 = 4,611,686,018,427,387,904)"),
    ("input: 4611686018427387905\nlayers: [relu]\n",
     "1:8: 'input': 4611686018427387905 is too large for a size (at most 2^62 = 4,611,686,018,427,387,904)"),
    ("inputs: {ids: [8, 99999999999999999999]}\nlayers: [relu]\n",
     "1:19: input 'ids': 99999999999999999999 is too large for a size (at most 2^62 = 4,611,686,018,427,387,904)"),
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


LONG = "9" * 5000          # past CPython's 4,300-digit conversion limit: each was exit 3
LLM = "specs/llm/gpt2_small.yaml"


@pytest.mark.parametrize("args, message", [
    (["check", "SPEC", "--max-params", LONG], "malformed number 999999999999…: 5,000 digits, more than the 40 a "
                                              "figure may have"),
    (["check", "SPEC", "--max-memory", LONG + "GiB"], "malformed number 999999999999…: 5,000 digits"),
    (["check", LLM, "--context", "8", "--max-kv-cache", LONG], "malformed number 999999999999…: 5,000 digits"),
    (["scale", "SPEC", "--sizes", "1," + LONG], "--sizes: 999999999999…(5,000 digits) is larger than 2^62"),
    (["scale", "SPEC", "--sizes", "32..512x" + LONG], "--sizes: 999999999999…(5,000 digits) is larger than 2^62"),
    (["scale", "SPEC", "--sizes", "32..256+" + LONG], "--sizes: 999999999999…(5,000 digits) is larger than 2^62"),
    (["scale", "SPEC", "--sizes", "4,4611686018427387905"], "--sizes: 4611686018427387905 is larger than 2^62"),
    # 400 digits: converted, then an OverflowError in the table's float division, before
    (["analyze", LLM, "--context", "9" * 400], "999999999999… (400 digits) is larger than 2^62 = "
                                               "4,611,686,018,427,387,904"),
    (["train", LLM, "--steps", "9" * 400], "999999999999… (400 digits) is larger than 2^62"),
    (["train", LLM, "--tokens", "9" * 400], "999999999999… (400 digits) is larger than 2^62"),
    (["analyze", "SPEC", "--input", "input=1,4611686018427387905"], "a size is larger than 2^62"),
])
def test_long_numbers_are_usage_errors_stating_the_bound(tmp_path, args, message):
    from helpers import ROOT
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [8, 8, 3]\nlayers: [relu]\n")
    args = [str(spec) if a == "SPEC" else str(ROOT / a) if a == LLM else a for a in args]
    result = run(args)
    assert (result.exit_code, result.stdout) == (2, "") and len(result.stderr.splitlines()) == 1
    assert message in result.stderr and len(result.stderr) <= 500


def _archcalc(*args, **kwargs):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "archcalc", *args], capture_output="stdout" not in kwargs,
                          text=True, timeout=120, **kwargs)


@pytest.mark.parametrize("args", [
    ["analyze", "SPEC"], ["analyze", "SPEC", "--format", "json"], ["compare", "SPEC", "SPEC"],
    ["check", "SPEC", "--max-params", "1M"], ["train", "SPEC"], ["scale", "SPEC", "--sizes", "8,16"],
    ["verify", "SPEC"], ["layers"], ["import", "tests/fixtures/hf/gpt2.json"],
    ["sweep", "SPEC", "--set", "batch=1,2", "--format", "jsonl"],
])
def test_a_closed_standard_output_is_a_write_error(tmp_path, args):
    # `archcalc analyze x.yaml >&-`: a write error, one line, exit 2 (as `cat` and `ls` fail), not
    # exit 3 (AttributeError) nor a silent success with the figures lost
    import subprocess
    from helpers import ROOT
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [8, 8, 3]\nlayers: [relu]\n")
    args = [str(spec) if a == "SPEC" else str(ROOT / a) if a.startswith("tests/") else a for a in args]
    result = _archcalc(*args, stdout=None, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    has_output = args[0] not in ("layers", "verify")
    assert (result.returncode, result.stderr.splitlines()[-1:]) == (
        2, ["error: cannot write the output: standard output is closed" + (" (use -o FILE)" if has_output else "")])
    if has_output:
        out = tmp_path / ("out.yaml" if args[0] == "import" else "out.txt")
        result = _archcalc(*args, "-o", str(out), stdout=None, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
        assert result.returncode == 0 and out.read_text()


def test_a_closed_standard_input_is_a_read_error():
    # `archcalc analyze - <&-`: was exit 3 (AttributeError)
    result = _archcalc("analyze", "-", stdin=None, preexec_fn=lambda: os.close(0))
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "error: <stdin>: cannot read: standard input is closed\n")


def test_sigterm_while_draw_writes_exits_143_quietly(tmp_path):
    # SIGTERM arrives while the picture is written: the temporary file goes, nothing is left at
    # the target, and the status is 143 (128 + SIGTERM) with nothing on standard error
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [8, 8, 3]\nlayers: [relu]\n")
    out = tmp_path / "net.svg"
    code = ("import os, signal, sys\n"
            "import archcalc.files as files\n"
            "write = files._write_pieces\n"
            "def terminated_midway(handle, text):\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    write(handle, text)\n"
            "files._write_pieces = terminated_midway\n"
            "from archcalc.cli import main\n"
            f"sys.argv = ['archcalc', 'draw', {str(spec)!r}, '-o', {str(out)!r}]\n"
            "main()\n")
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (143, "", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


@pytest.mark.parametrize("text, operations", [
    # operations = MACs + values created, read or drawn; each sum written out by hand
    # a 10^9-row embedding of width 8: 8·10^9 weights drawn, + 4 ids read twice (input, lookup) + 4·8 out
    ("input: [4]\nlayers: [{type: embedding, vocab: 1000000000, dim: 8}]\n", "8.00 G"),
    # a zero-MAC layer on a 10^5 × 10^5 input: the input, then relu reads it, writes as much and
    # does its one FLOP per element: 4·10^10
    ("input: [100000, 100000, 1]\nlayers: [relu]\n", "40.00 G"),
    # a 10^5× upsampling of 4×4: 16 in, 16 read, 1.6·10^11 out
    ("input: [4, 4, 1]\nlayers: [{type: upsample2d, scale: 100000}]\n", "160.00 G"),
    # an adaptive pool of 10^5 × 10^5 to 1×1: 10^10 in, 10^10 read, 10^10 window elements (its FLOPs), 1 out
    ("input: [100000, 100000, 1]\nlayers: [{type: adaptive_avgpool2d, output: [1, 1]}]\n", "30.00 G"),
])
def test_verify_refuses_work_beyond_its_bound(tmp_path, text, operations):
    spec = tmp_path / "s.yaml"
    spec.write_text(text)
    result = run(["verify", str(spec)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert f"the reference pass would do {operations} operations" in result.stderr
    assert "more than --max-work 2.00 G" in result.stderr and "raise --max-work" in result.stderr


def test_verify_max_work_is_the_bound():
    from helpers import SPECS
    # lenet5: 416,520 MACs (its published count, docs/specs) and some thousands of other values
    assert run(["verify", str(SPECS / "lenet5.yaml"), "--max-work", "400K"]).exit_code == 2
    assert run(["verify", str(SPECS / "lenet5.yaml"), "--max-work", "2M"]).exit_code == 0


# -- files and targets -------------------------------------------------------

def test_a_spec_read_from_standard_input_is_never_overwritten(tmp_path):
    # A real process with the file as its standard input (CliRunner would replace stdin with a
    # stream of its own, which has no inode to compare).
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    before = digest(spec)
    with open(spec, "rb") as handle:
        done = subprocess.run([sys.executable, "-m", "archcalc", "analyze", "-", "-o", str(spec)], stdin=handle,
                              capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: refusing to write over the input spec standard input ({spec})\n"
    assert digest(spec) == before


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
