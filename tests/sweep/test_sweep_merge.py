"""--shard runs merged with --merge equal the unsharded run byte for byte (sweep/lines.py)."""

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import SPECS

SPEC = str(SPECS / "efficientnet.yaml")
GRID = ["--set", "width=0.5,1.0,1.5", "--set", "depth=1.0,2.0", "--set", "side=64,96"]


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


@pytest.mark.parametrize("n", [1, 2, 5, 12, 13])
def test_shards_merged_equal_the_whole_run(tmp_path, n):
    whole = run("sweep", SPEC, *GRID, "--format", "jsonl", "--pareto", "macs,params", "--max-params", "8M").stdout
    parts = []
    for i in range(1, n + 1):
        part = tmp_path / f"part{i}.jsonl"
        run("sweep", SPEC, *GRID, "--shard", f"{i}/{n}", "--max-params", "8M", "-o", part)
        parts.append(part)
    parts.reverse()           # the merge puts points in grid order, whatever the files' order
    merged = run("sweep", SPEC, *GRID, "--format", "jsonl", "--pareto", "macs,params", "--max-params", "8M",
                 "--merge", *parts).stdout
    assert merged == whole
    assert len(whole.splitlines()) == 12


def test_merge_refuses_missing_and_repeated_points(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run("sweep", SPEC, *GRID, "--shard", "1/2", "-o", a)
    run("sweep", SPEC, *GRID, "--shard", "2/2", "-o", b)
    missing = run("sweep", SPEC, *GRID, "--merge", a, code=2)
    assert "6 of the grid's 12 points are in no shard, the first width=1.0, depth=2.0, side=64" in missing.stderr
    twice = run("sweep", SPEC, *GRID, "--merge", a, b, a, code=2)
    assert "a.jsonl:1: the point width=0.5, depth=1.0, side=64 is in the shards twice" in twice.stderr
    other = run("sweep", SPEC, "--set", "width=0.5,2.0", "--set", "depth=1.0,2.0", "--set", "side=64,96",
                "--merge", a, code=2)
    assert "a.jsonl:5: the point width=1.0, depth=1.0, side=64 is not in this grid" in other.stderr
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"settings": {}, "extra": 1}\n')
    assert "not a line of archcalc sweep" in run("sweep", SPEC, *GRID, "--merge", junk, code=2).stderr


def test_shard_refuses_what_needs_every_point():
    assert "--pareto needs every point" in run("sweep", SPEC, *GRID, "--shard", "1/2", "--format", "jsonl",
                                               "--pareto", "macs,params", code=2).stderr
