"""One bad spec per case: the exact error line (file, line, column, message) and exit status 2.
Then the bombs: inputs built to explode memory or time, each ending fast."""


import pytest
from click.testing import CliRunner

from archcalc.cli import cli

CASES = [
    ("[1, 2]\n", "a spec must be a mapping with 'input' and 'layers', got list [1, 2]"),
    ("", "the spec is empty (it needs 'input' and 'layers')"),
    ("layers: [relu]\n", "missing required key 'input'"),
    ("input: [4]\n", "missing required key 'layers'"),
    ("input: [4]\nlayrs: [relu]\n", "2:1: unknown top-level key 'layrs' (did you mean 'layers'?)"),
    ("input: [4\nlayers: [relu]\n", "2:7: invalid YAML: did not find expected ',' or ']' (a list opened with [ is not closed, or two items "
     "lack a comma between them)"),
    ("input: [4]\ninput: [5]\nlayers: [relu]\n", "2:1: duplicate key 'input'"),
    ("input: [4]\nlayers:\n  - {type: dense, units: 2}\n  - {type: convv2d, filters: 2}\n",
     "4:12: unknown layer type 'convv2d' (did you mean 'conv2d'?)"),
    ("input: [4]\nlayers:\n  - {type: dense, unit: 2}\n",
     "3:19: unknown argument 'unit' for dense layer 'dense_1' (did you mean 'units'?)"),
    ("input: [4]\nlayers:\n  - {type: dense, units: true}\n",
     "3:26: dense layer 'dense_1': 'units': expected an integer, got boolean true"),
    ("input: [4]\nlayers:\n  - {type: dense, units: 2.0}\n",
     "3:26: dense layer 'dense_1': 'units': expected an integer, got number 2.0"),
    ("input: [4]\nlayers:\n  - {type: dense, units: '8'}\n",
     "3:26: dense layer 'dense_1': 'units': expected an integer, got string '8'"),
    ("input: [4]\nlayers:\n  - {type: dense, units: 0}\n",
     "3:26: dense layer 'dense_1': 'units': expected an integer >= 1, got 0"),
    ("input: [4, -4, 3]\nlayers: [relu]\n",
     "1:8: 'input' must be a list of positive integers such as [224, 224, 3], got list [4, -4, 3]"),
    ("input: [4]\ndtype: float31\nlayers: [relu]\n",
     "2:8: unknown dtype string 'float31' (use float32, float16, bfloat16, float64, int8, float8, int4) (did you mean 'float32'?)"),
    ("input: [8, 8, 3]\nlayers:\n  - {type: conv2d, filters: 2, kernel: 3, stride: 0}\n",
     "3:51: conv2d layer 'conv2d_1': 'stride': expected an integer >= 1, got 0"),
    ("input: [4, 4, 3]\nlayers:\n  - {type: conv2d, filters: 2, kernel: 7, padding: 1}\n",
     "3:5: layer 'conv2d_1' (conv2d): kernel extent 7 is larger than the padded input (4 + 2 padding); "
     "received [4, 4, 3]"),
    ("input: [8, 8, 3]\nlayers:\n  - {type: conv2d, filters: 4, kernel: 3, groups: 2}\n",
     "3:5: layer 'conv2d_1' (conv2d): groups=2 does not divide the 3 input channels; received [8, 8, 3]"),
    ("input: [4, 4, 3]\nlayers:\n  - {type: reshape, shape: [5, 10]}\n",
     "3:5: layer 'reshape_1' (reshape): cannot reshape 48 elements to [5, 10] (50 elements); received [4, 4, 3]"),
    ("input: [5, 5, 8]\nlayers:\n  - {type: conv2d, name: c, filters: 2, kernel: 1}\n  - {type: add, inputs: [c, input]}\n",
     "4:5: layer 'add_1' (add): inputs must have the same shape; received [5, 5, 2] and [5, 5, 8]"),
    ("input: [4, 4, 8]\nlayers:\n  - {type: maxpool2d, name: p, kernel: 2}\n  - {type: concat, inputs: [p, input]}\n",
     "4:5: layer 'concat_1' (concat): inputs must match on every axis but axis -1; received [2, 2, 8] and [4, 4, 8]"),
    ("input: [4]\nlayers:\n  - {type: dense, units: 2, inputs: [fc0]}\n", "3:38: undefined input 'fc0'"),
    ("input: [4]\nlayers:\n  - {type: dense, name: fc, units: 2}\n  - {type: dense, name: fc, units: 2}\n",
     "4:25: duplicate layer name 'fc'"),
    ("input: [4]\nlayers:\n  - {type: add, name: a, inputs: [b, input]}\n  - {type: relu, name: b, inputs: [a]}\n",
     "4:5: cycle in layer inputs: b -> a -> b"),
    ("input: [4]\nblocks:\n  loop:\n    layers: [{type: loop}]\nlayers: [loop]\n",
     "4:21: block 'loop' uses itself (loop -> loop)"),
    ("input: [4]\nblocks:\n  b:\n    layers: [{type: dense, units: $width}]\nlayers: [b]\n",
     "4:35: undefined argument '$width'"),
    ("input: [4]\nlayers: [relu]\nbudget: {params: 2.5.5M}\n",
     "3:18: budget 'params': malformed number '2.5.5M' (expected e.g. 25M, 4.1G, 512K)"),
    ("input: [4]\x00\n", "1:11: invalid YAML: control characters are not allowed (0x0)"),
]


@pytest.mark.parametrize("text, message", CASES)
def test_error_line(tmp_path, text, message):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    result = CliRunner().invoke(cli, ["analyze", str(spec)])
    where = f"{spec}:" if message[0].isdigit() else f"{spec}: "
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {where}{message}\n")


def test_files_that_cannot_be_read(tmp_path):
    (tmp_path / "bytes.yaml").write_bytes(b"input: [4]\n\xff\xfe")
    for path, message in ((tmp_path / "missing.yaml", "no such file"), (tmp_path, "is a directory, not a spec file"),
                          (tmp_path / "bytes.yaml", "not UTF-8 text (byte 11)")):
        result = CliRunner().invoke(cli, ["analyze", str(path)])
        assert (result.exit_code, result.stderr) == (2, f"error: {path}: {message}\n")


def run_stdin(text, *args):
    """Hostile inputs; how fast each fails is measured by benchmarks/bench_guards.py, not here:
    these tests check that the guard fires (the message names the limit it hit)."""
    return CliRunner().invoke(cli, ["analyze", "-", "--format", "json", *args], input=text)


def test_nested_repeats_are_refused_before_expansion():
    text = ("input: [4]\nblocks:\n  a: [{type: relu, repeat: 1000}]\n  b: [{type: a, repeat: 1000}]\n"
            "  c: [{type: b, repeat: 1000}]\nlayers:\n  - {type: c, repeat: 1000}\n")
    result = run_stdin(text)
    assert result.exit_code == 2 and "expands to 1,000,000,000,000 layers" in result.stderr


def test_max_layers_option():
    text = "input: [4]\nlayers:\n  - {type: relu, repeat: 50}\n"
    assert CliRunner().invoke(cli, ["--max-layers", "49", "analyze", "-"], input=text).exit_code == 2
    assert CliRunner().invoke(cli, ["--max-layers", "50", "analyze", "-"], input=text).exit_code == 0


def alias_bomb(levels=12):
    """`a_i` is a list of ten `a_(i-1)`: 10^12 leaves if anything walks it naively."""
    lines = ["        a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"        a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines)


def test_alias_bomb_inside_a_block_fails_fast():
    text = ("input: [4]\nblocks:\n  b:\n    layers:\n      - type: dense\n        units: 3\n"
            + alias_bomb() + "\nlayers: [b]\n")
    result = run_stdin(text)
    assert result.exit_code == 2 and "unknown argument 'a0'" in result.stderr


def test_alias_bomb_as_a_value_is_described_briefly():
    text = ("input: [4]\ndescription:\n" + alias_bomb().replace("        ", "  ")
            + "\nlayers:\n  - {type: dense, units: *a11}\n")
    result = run_stdin(text)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: <stdin>:") and "'units': expected an integer, got list [[[" in result.stderr
    assert len(result.stderr) < 300


def test_huge_dimensions_are_exact():
    side = 10**12
    text = f"input: [{side}, {side}, 3]\nlayers:\n  - {{type: conv2d, filters: 64, kernel: 3}}\n  - global_avgpool\n"
    result = run_stdin(text)
    assert result.exit_code == 0
    # (side - 2)² positions × 64 filters × 27
    assert f'"macs": {(side - 2) ** 2 * 64 * 27}' in result.stdout


def test_deep_block_nesting_is_refused():
    blocks = "".join(f"  b{i}: [{{type: b{i + 1}}}]\n" for i in range(100)) + "  b100: [relu]\n"
    result = run_stdin(f"input: [4]\nblocks:\n{blocks}layers: [b0]\n")
    assert result.exit_code == 2 and "nested more than 64 deep" in result.stderr


def test_file_size_cap(tmp_path):
    from archcalc.frontends.reading import SPEC_CAP as MAX_FILE_BYTES
    spec = tmp_path / "big.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n" + "#" * MAX_FILE_BYTES)
    result = CliRunner().invoke(cli, ["analyze", str(spec)])
    assert (result.exit_code, result.stderr) == (
        2, f"error: {spec}: file is larger than 16 MiB (raise it with --max-file-size)\n")
    result = CliRunner().invoke(cli, ["--max-file-size", "32", "analyze", str(spec), "--format", "json"])
    assert result.exit_code == 0
