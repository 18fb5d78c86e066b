"""Fuzz run of the JSON front doors: Hugging Face configs and Keras model JSON from the test
fixtures, with values changed, through `archcalc analyze`.

    python benchmarks/fuzz_configs.py [CASES] [SEED] [hf|keras]

Each case takes one fixture and changes one to three values anywhere in it (to null, a
negative or huge number, a float, a string, a list, a mapping, a boolean) or removes them
(tests/fuzzing_models.py). The run holds itself to a 1 GiB address space, times every case and runs one in
EXECUTABLE_EVERY again through the installed executable. Prints how the cases ended; exits 1 if any ended other than with a
result (exit 0, notes and warnings allowed) or `error:` lines (exit 2).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing import EXECUTABLE_EVERY, limit_address_space  # noqa: E402
from fuzzing_models import config_fixtures, mutate_config, run_cases  # noqa: E402


def main(cases: int = 3000, seed: int = 0, door: str = "") -> int:
    """`door` keeps only one door's fixtures (hf or keras); both by default."""
    limit_address_space()
    originals = {path.name: json.loads(path.read_text()) for path in config_fixtures()
                 if not door or path.parent.name == door}

    def write_case(rng, stem):
        name = rng.choice(sorted(originals))
        data = json.loads(json.dumps(originals[name]))
        for _ in range(rng.randint(1, 3)):
            mutate_config(data, rng)
        stem.with_suffix(".json").write_text(json.dumps(data))
        return stem.with_suffix(".json"), name

    return run_cases(cases, seed, write_case, "configs", EXECUTABLE_EVERY)


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3]), *sys.argv[3:4]))
