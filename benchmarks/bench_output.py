"""Table output time against JSON output time for one large spec.

    python benchmarks/bench_output.py [--layers 100000]

Writes a spec of N layers (bench_scale's repeated block),
then times `archcalc analyze` rendered as a table and as JSON
through the CLI, and prints both times and their ratio. The goal is a table
no slower than 1.5 times its JSON. Not a unit test: timings depend on the machine.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from bench_scale import repeated_spec
from archcalc.cli import cli


def time_format(path: str, fmt: str) -> float:
    t0 = time.perf_counter()
    result = CliRunner().invoke(cli, ["analyze", path, "--format", fmt], env={"COLUMNS": "100"})
    seconds = time.perf_counter() - t0
    if result.exit_code != 0:
        sys.exit(f"{fmt}: exit {result.exit_code}\n{result.output[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=100_000)
    n = parser.parse_args().layers
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(repeated_spec(n))
        json_s = time_format(str(path), "json")
        table_s = time_format(str(path), "table")
    print(f"{n:,} layers  json {json_s:.2f} s  table {table_s:.2f} s  ratio {table_s / json_s:.2f}")


if __name__ == "__main__":
    main()
