"""Fuzz run of the JSON front doors: Hugging Face configs and Keras model JSON from the test
fixtures, with values changed, through `archcalc analyze`.

    python benchmarks/fuzz_configs.py [CASES] [SEED]

Each case takes one fixture and changes one to three values anywhere in it (to null, a
negative or huge number, a float, a string, a list, a mapping, a boolean) or removes them
(tests/fuzzing_models.py).
Prints how the cases ended; exits 1 if any ended other than with a result (exit 0, notes and
warnings allowed) or `error:` lines (exit 2).
"""

import collections
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing_models import config_fixtures, mutate_config, outcome_is_clean  # noqa: E402

from archcalc.cli import cli  # noqa: E402


def main(cases: int = 3000, seed: int = 0) -> int:
    originals = {path: json.loads(path.read_text()) for path in config_fixtures()}
    outcomes = collections.Counter()
    bad = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(cases):
            rng = random.Random(f"{seed}:{i}")
            source = rng.choice(sorted(originals))
            data = json.loads(json.dumps(originals[source]))
            for _ in range(rng.randint(1, 3)):
                mutate_config(data, rng)
            path = Path(tmp) / f"case{i}.json"
            path.write_text(json.dumps(data))
            result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
            ok = outcome_is_clean(result.exit_code, result.stdout, result.stderr)
            outcomes["ok (exit 0)" if ok and result.exit_code == 0 else "error line (exit 2)" if ok
                     else f"BAD exit {result.exit_code}"] += 1
            if not ok and len(bad) < 5:
                bad.append((i, source.name, result.exit_code, (result.stderr or repr(result.exception))[:300]))
    seconds = time.perf_counter() - start
    print(f"{cases:,} mutated configs in {seconds:.0f} s ({cases / seconds:,.0f}/s)")
    for outcome, n in sorted(outcomes.items()):
        print(f"  {outcome}: {n:,}")
    for case in bad:
        print("  bad case:", case)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
