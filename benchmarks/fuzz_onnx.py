"""Fuzz run of the ONNX front door: the test fixtures, mutated, through `archcalc analyze`.

    python benchmarks/fuzz_onnx.py [CASES] [SEED]      (needs the onnx extra)

Each case takes one of tests/fixtures/onnx/*.onnx and changes one to three things the way a
broken or unusual exporter might (tests/fuzzing_models.py): an initializer's shape, an integer
attribute, a node's input, a node removed, an op renamed, an input's size. Prints how the cases
ended; exits 1 if any ended other than with a result (exit 0, notes and warnings allowed) or
`error:` lines (exit 2), and keeps the first such files under the temporary directory.
"""

import collections
import random
import sys
import tempfile
import time
from pathlib import Path

import onnx
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing_models import mutate_onnx, onnx_fixtures, outcome_is_clean  # noqa: E402

from archcalc.cli import cli  # noqa: E402


def main(cases: int = 2000, seed: int = 0) -> int:
    originals = {path.name: onnx.load(str(path)) for path in onnx_fixtures()}
    outcomes = collections.Counter()
    bad = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(cases):
            rng = random.Random(f"{seed}:{i}")
            name = rng.choice(sorted(originals))
            model = onnx.ModelProto()
            model.CopyFrom(originals[name])
            mutate_onnx(model, rng)
            path = Path(tmp) / f"case{i}.onnx"
            onnx.save(model, str(path))
            result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
            ok = outcome_is_clean(result.exit_code, result.stdout, result.stderr)
            outcomes["ok (exit 0)" if ok and result.exit_code == 0 else "error line (exit 2)" if ok
                     else f"BAD exit {result.exit_code}"] += 1
            if not ok and len(bad) < 5:
                keep = Path(tempfile.gettempdir()) / f"fuzz_onnx_{seed}_{i}.onnx"
                keep.write_bytes(path.read_bytes())
                bad.append((i, name, result.exit_code, (result.stderr or repr(result.exception))[:300], str(keep)))
            path.unlink()
    seconds = time.perf_counter() - start
    print(f"{cases:,} mutated ONNX files in {seconds:.0f} s ({cases / seconds:,.0f}/s)")
    for outcome, n in sorted(outcomes.items()):
        print(f"  {outcome}: {n:,}")
    for case in bad:
        print("  bad case:", case)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
