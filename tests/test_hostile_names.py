"""Names that try to drive a terminal or a CI log: every command, every format, every door.

A model, layer, input or file name holding ESC, BEL, CR, LF, an OSC 52 clipboard write, the
8-bit CSI, U+2028, a bidi override (U+202E) and a line `::error …` (GitHub Actions runs a log
line that starts with `::`, or `##[`, as a command) must reach standard output, standard error,
the job summary and every file shown escaped: no raw control character, no bidi control, and no
line starting with `::` but check's own annotations. JSON keeps the exact name (its escapes).

The runner is invoked with color=True: click then passes escape sequences through as a
terminal would get them (without it, click strips some of them from what it echoes, which
would hide the very bug looked for)."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import ROOT, dangerous

HOSTILE = ("=cmd|' /c calc'!A0 \x1b[2J\x07\r\n::error file=README.md,line=1::pwned "
           "\x1b]52;c;cHduZWQ=\x07 \u202e\x9b31m\u2028 ##[warning]x")
LAYER = HOSTILE.replace(".", "_")          # a layer's or an input's name holds no dot
FILE_NAME = "s\x1b[2J\n::notice::f"          # a file name may hold any character but / and NUL
# Our own annotations: `::error` / `::warning`, a file property with nothing that ends it, `::`.
ANNOTATION = re.compile(r"::(error|warning) file=[^:,\n]*(,line=\d+(,col=\d+)?)?::[^\n]*")


def assert_clean(text: str, where: str) -> None:
    assert dangerous(text) == [], where
    for line in text.split("\n"):
        if line.lstrip().startswith(("::", "##[")):
            assert ANNOTATION.fullmatch(line), f"{where}: {line!r}"


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


def hostile_spec(directory, budget=True):
    spec = directory / f"{FILE_NAME}.yaml"
    spec.write_text(f"""name: {q(HOSTILE)}
inputs: {{{q(LAYER + " in")}: [8, 8, 3]}}
blocks:
  blk:
    layers:
      - {{type: conv2d, filters: 4, kernel: 3, name: {q(LAYER + " c")}}}
layers:
  - {{type: blk, name: {q(LAYER + " use")}}}
  - {{type: global_avgpool, name: "-2+3"}}
  - {{type: dense, units: 2, name: {q(LAYER + " d")}}}
""" + ("budget: {params: 100, macs: 1}\n" if budget else ""))
    return spec


def broken_spec(directory):
    """A spec whose error names the layer and the file."""
    spec = directory / f"{FILE_NAME} broken.yaml"
    spec.write_text(f"input: [4]\nlayers:\n  - {{type: relu, inputs: [{q(LAYER)}]}}\n")
    return spec


def hf_config(directory):
    data = json.loads((ROOT / "tests/fixtures/hf/gpt2.json").read_text())
    data.update(_name_or_path=HOSTILE, n_layer=1)
    path = directory / "config.json"
    path.write_text(json.dumps(data))
    return path


def keras_model(directory):
    data = json.loads((ROOT / "tests/fixtures/keras/cnn.json").read_text())
    data["config"]["name"] = HOSTILE
    for i, layer in enumerate(data["config"]["layers"]):
        layer["config"]["name"] = f"{HOSTILE} {i}"
    path = directory / "model.keras.json"
    path.write_text(json.dumps(data))
    return path


def onnx_model(directory):
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    weight = numpy_helper.from_array(np.full((3, 4), 0.5, dtype=np.float32), HOSTILE + " w")
    node = helper.make_node("MatMul", [HOSTILE + " x", HOSTILE + " w"], ["y"], name=HOSTILE + " node")
    graph = helper.make_graph([node], HOSTILE,
                              [helper.make_tensor_value_info(HOSTILE + " x", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [weight])
    path = directory / "model.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


FORMATS = ["table", "json", "jsonl", "csv", "markdown"]
SPEC_COMMANDS = {                     # command -> its arguments after the spec(s), and its formats
    "analyze": ([], FORMATS),
    "compare": (["{spec}"], FORMATS),
    "check": ([], [*FORMATS, "junit"]),
    "train": ([], FORMATS),
    "scale": (["--sizes", "2,8,16", "--layers"], FORMATS),   # size 2: an error naming a layer
    "verify": ([], ["table", "json"]),
}
ROWS = [(command, fmt) for command, (_, formats) in SPEC_COMMANDS.items() for fmt in formats]


def run(args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], color=True, env=env)


def assert_json_keeps_the_name(text: str, fmt: str) -> None:
    documents = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else [json.loads(text)]

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
    found = {s for document in documents for s in strings(document)}
    assert any(HOSTILE in s for s in found)


@pytest.mark.parametrize("command, fmt", ROWS, ids=[f"{c}-{f}" for c, f in ROWS])
def test_every_command_and_format_shows_names_escaped(tmp_path, command, fmt):
    spec = hostile_spec(tmp_path)
    extra, _ = SPEC_COMMANDS[command]
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)} if command == "check" else None
    result = run([command, spec, *[a.format(spec=spec) for a in extra], "--format", fmt], env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.stderr
    assert_clean(result.stdout, "stdout")
    assert_clean(result.stderr, "stderr")
    if command == "check":
        assert ANNOTATION.match(result.stdout.splitlines()[-1])     # over its MAC budget: annotated
        assert_clean(summary.read_text(encoding="utf-8"), "job summary")
    # (check's annotations follow the output on standard output)
    output = "\n".join(line for line in result.stdout.splitlines() if not ANNOTATION.fullmatch(line))
    if fmt in ("json", "jsonl"):
        assert_json_keeps_the_name(output, fmt)
    if fmt == "junit":
        ET.fromstring(output)         # well-formed XML, whatever the names hold


@pytest.mark.parametrize("door", [hf_config, keras_model, onnx_model])
@pytest.mark.parametrize("fmt", FORMATS)
def test_names_from_model_files_are_shown_escaped(tmp_path, door, fmt):
    model = door(tmp_path)
    result = run(["analyze", model, "--format", fmt])
    assert result.exit_code == 0, result.stderr
    assert_clean(result.stdout, "stdout")
    assert_clean(result.stderr, "stderr")


@pytest.mark.parametrize("door", [hostile_spec, hf_config, keras_model, onnx_model])
def test_import_writes_a_spec_that_shows_nothing_raw_and_keeps_the_names(tmp_path, door):
    model = door(tmp_path)
    if door is hostile_spec:          # a spec is not imported: a model file named like the spec
        model = model.rename(tmp_path / f"{FILE_NAME}.json")
        model.write_text(hf_config(tmp_path).read_text())
    result = run(["import", model])
    assert result.exit_code == 0, result.stderr
    assert_clean(result.stdout, "stdout")
    assert_clean(result.stderr, "stderr")
    written = tmp_path / "imported.yaml"
    written.write_text(result.stdout, encoding="utf-8")
    again, direct = (run(["analyze", path, "--format", "json"]) for path in (written, model))
    assert again.exit_code == 0, again.stderr
    # the exact names, through the YAML's escapes (the doors make their own model names: the
    # Hugging Face one keeps what follows the last '/')
    names = [[report["name"], *(layer["name"] for layer in report["layers"])]
             for report in (json.loads(again.stdout), json.loads(direct.stdout))]
    assert names[0] == names[1] and HOSTILE[-10:] in names[0][0]


def test_errors_and_annotations_of_a_broken_spec_are_shown_escaped(tmp_path):
    spec = broken_spec(tmp_path)
    summary = tmp_path / "summary.md"
    result = run(["check", spec, "--max-params", "1"], {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 2
    assert_clean(result.stdout, "stdout")
    assert_clean(result.stderr, "stderr")
    assert_clean(summary.read_text(encoding="utf-8"), "job summary")
    (annotation,) = result.stdout.splitlines()
    # the file property escaped as GitHub reads it: `:` and `,` as %3A and %2C, controls shown
    assert annotation.startswith(f"::error file={tmp_path}/s\\x1b[2J\\n%3A\\x3anotice%3A\\x3af broken.yaml,line=3,")


def test_csv_cells_a_spreadsheet_would_run_get_a_quote_and_negative_numbers_stay_numbers(tmp_path):
    spec = hostile_spec(tmp_path)
    rows = list(csv.reader(io.StringIO(run(["analyze", spec, "--format", "csv"]).stdout)))
    assert {row[0][:2] for row in rows[1:]} == {"'="}          # the model's name, "=cmd|…"
    assert [row[1] for row in rows[1:]][1] == "'-2+3"          # a formula though it starts like a number
    budgets = list(csv.reader(io.StringIO(run(["check", spec, "--format", "csv"]).stdout)))
    header, *lines = budgets
    # MACs over budget: headroom 1 - 3,906 (the conv's 6·6·4·27 = 3,888 MACs and the dense's
    # 4·2 = 8, by hand), a negative number written as a number
    macs = dict(zip(header, next(line for line in lines if line[2] == "macs")))
    assert macs["headroom"] == str(1 - (6 * 6 * 4 * 3 * 3 * 3 + 4 * 2))


@pytest.mark.parametrize("value, written", [
    ("=cmd|' /c calc'!A0", "'=cmd|' /c calc'!A0"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1", "\\t=1"),           # the tab shown escaped: the cell no longer starts with it
    ("\r=1", "\\r=1"),
    ("-121", "-121"),            # numbers, as text or not, stay numbers
    ("-0.5000", "-0.5000"),
    ("+1e5", "+1e5"),
    (-121, -121),
    ("conv1", "conv1"),
    ("a-b", "a-b"),
])
def test_csv_cell(value, written):
    from archcalc.render.csvfmt import _cell
    assert _cell(value) == written


def test_a_terminal_gets_only_colours(tmp_path):
    """Under a real terminal (colours on), the issue's check: none of the name's sequences
    reaches it, and but for verify's progress bar (rich's own cursor moves), only SGR colours."""
    import os
    import pty
    import subprocess
    import sys
    config = tmp_path / "config.json"
    config.write_text('{"_name_or_path": "m\\u001b[2J", "model_type": "gpt2", "n_embd": 64, "n_head": 4, '
                      '"n_layer": 1, "n_positions": 64, "vocab_size": 100}')
    spec = hostile_spec(tmp_path)
    for args in (["analyze", config], ["analyze", spec], ["check", spec], ["compare", spec, config],
                 ["train", spec], ["scale", spec, "--sizes", "2,8,16", "--layers"], ["verify", spec]):
        leader, follower = pty.openpty()
        child = subprocess.Popen([sys.executable, "-m", "archcalc", *map(str, args)], stdout=follower,
                                 stderr=follower, stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200"})
        os.close(follower)
        chunks = []             # read while it writes: a full terminal buffer would stop it
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:     # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        text = b"".join(chunks).decode("utf-8")
        assert child.wait(timeout=120) in (0, 1), text
        assert [s for s in ("\x1b[2J", "\x1b]52", "\x07", "\u202e", "\x9b", "\u2028") if s in text] == []
        if args[0] == "verify":
            continue
        colours = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r\n", "\n")
        assert_clean(colours, " ".join(map(str, args)))
