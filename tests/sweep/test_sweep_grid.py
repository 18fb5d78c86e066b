"""Grids: values, order, shards, and bad grids refused with one line (archcalc/sweep/grid.py)."""

import json

import pytest
from click.testing import CliRunner

from archcalc.cli import cli
from archcalc.sweep.grid import Grid, parse_axis, shard_range

SPEC = """\
args: {width: 8, depth: 2}
input: [16, 16, 3]
layers:
  - {type: conv2d, filters: $width, kernel: 3, repeat: $depth}
  - {type: flatten}
  - {type: dense, units: 10}
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(SPEC)
    return str(path)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("item, values", [
    ("w=16,32,64", (16, 32, 64)),
    ("w=2..5", (2, 3, 4, 5)),                 # scale's ranges: steps of 1 …
    ("phi=0..3", (0, 1, 2, 3)),               # (a sweep's may start at 0)
    ("w=32..256x2", (32, 64, 128, 256)),      # … doubling …
    ("w=160..320+32", (160, 192, 224, 256, 288, 320)),   # … or steps of 32
    ("w=1.0,1.1", (1.0, 1.1)),
    ("se=true,false", (True, False)),
    ("act=relu,gelu", ("relu", "gelu")),
])
def test_axis_values(item, values):
    assert parse_axis(item, 1000).values == values


def test_points_in_grid_order_last_fastest():
    grid = Grid((parse_axis("a=1,2", 10), parse_axis("b=x,y,z", 10)))
    assert [grid.settings(i) for i in range(grid.size)] == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
        {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]


@pytest.mark.parametrize("size, n", [(10, 3), (7, 7), (3, 5), (100_003, 8)])
def test_shards_cover_the_grid_once_in_order(size, n):
    ranges = [shard_range(size, (i, n)) for i in range(1, n + 1)]
    assert [k for r in ranges for k in r] == list(range(size))


BAD = [
    (["--set", "width=8..2"], "error: malformed --set width '8..2': need 0 <= start <= stop"),
    (["--set", "width=0..8x2"], "error: malformed --set width '0..8x2': need 1 <= start <= stop"),
    (["--set", "width=160..320x32"], "gives 160 alone: x32 multiplies (for steps of 32 write 160..320+32)"),
    (["--set", "widht=8,16"], "--set widht: the spec declares no argument 'widht'"),
    (["--set", "width=8,,16"], "--set width: an empty value in '8,,16'"),
    (["--set", "width=8,8"], "--set width: the value 8 is given twice"),
    (["--set", "width=8", "--set", "width=16"], "--set width: given twice"),
    (["--set", "width"], "--set: expected NAME=VALUES"),
    (["--zip", "--set", "width=8,16", "--set", "depth=1,2,3"], "--zip needs as many values in every --set: width 2, depth 3"),
    (["--zip", "--set", "width=8,16,8", "--set", "depth=1,2,1"], "--zip: points 1 and 3 have the same settings"),
    (["--set", "batch=0,2"], "--set batch: expected integers from 1 to 2^31, got 0"),
    (["--set", "dtype=float32,float13"], "--set dtype:"),
    (["--set", "seq_len=8,16"], "--seq-len does not apply to a YAML spec"),
    (["--set", "width=1..100", "--set", "depth=1..100", "--max-points", "5000"],
     "--max-points: the grid has 10,000 points, more than 5,000"),
    (["--set", "batch=1,2", "--batch", "4"], "--set batch: --batch gives it one value already"),
    (["--pareto", "macs"], "--pareto: give two or three different figures"),
    (["--pareto", "macs,parms"], "--pareto: no figure 'parms'"),
    (["--maximise", "macs"], "--maximise: it says which --pareto figure to maximise"),
    (["--shard", "3/2", "--format", "jsonl"], "--shard: expected I/N with 1 <= I <= N"),
    (["--shard", "1/2"], "--shard writes JSON lines for --merge"),
]


@pytest.mark.parametrize("args, message", BAD)
def test_bad_grids_one_line_each(spec, args, message):
    result = invoke("sweep", spec, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr


INVALID = SPEC.replace("kernel: 3", "kernel: $width // 2")   # width 1: kernel 0, refused at the layer


def test_invalid_point_stops_the_sweep_with_its_settings(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(INVALID)
    result = invoke("sweep", path, "--set", "width=4,1,6", "--format", "jsonl")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "(point width=1)" in result.stderr and ":4:" in result.stderr   # the layer's line in the spec


def test_invalid_point_kept_going(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(INVALID)
    result = invoke("sweep", path, "--set", "width=4,1,6", "--format", "jsonl", "--keep-going")
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["settings"]["width"] for p in out] == [4, 1, 6]
    assert "error" in out[1] and "totals" in out[0] and "totals" in out[2]
    assert [line.count("(point width=1)") for line in result.stderr.splitlines()] == [1]


def test_max_points_refused_before_any_work(spec, monkeypatch):
    import archcalc.sweep.source as source

    def never(*args):
        raise AssertionError("a point was analysed")
    monkeypatch.setattr(source, "run_point", never)
    result = invoke("sweep", spec, "--set", "width=1..1000", "--set", "depth=1..1000", "--max-points", "100000")
    assert result.exit_code == 2 and "the grid has 1,000,000 points, more than 100,000" in result.stderr
    result = invoke("sweep", spec, "--set", "width=1..1000000000000", "--max-points", "10")
    assert result.exit_code == 2 and "--set width gives 1,000,000,000,000 values, more than 10" in result.stderr
