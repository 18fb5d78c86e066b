"""Long fuzz run: mutated specs and random text through `archcalc analyze -`.

    python benchmarks/fuzz.py [CASES] [SEED]

Prints how many inputs were tried and how they ended; exits 1 if any ended
other than with a result (exit 0) or one `error:` line (exit 2).
"""

import random
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing import Tally, dump, mutate, outcome_is_clean, random_text, run  # noqa: E402

SPECS = Path(__file__).resolve().parent.parent / "specs"
SEEDS = ["seed/cnn_4x4.yaml", "seed/ann_4x4.yaml", "seed/all_layers.yaml", "resnet18.yaml", "lenet5.yaml",
         "mobilenet_v2.yaml", "seed/all_layers_v2.yaml", "mobilenet_v3_large.yaml", "llm/gpt2_small.yaml",
         "swin_t.yaml"]


def main(cases: int = 100_000, seed: int = 0) -> int:
    specs = [yaml.safe_load((SPECS / name).read_text()) for name in SEEDS]
    tally = Tally()
    start = time.perf_counter()
    for i in range(cases):
        rng = random.Random(f"{seed}:{i}")
        text = random_text(rng) if i % 5 == 0 else dump(mutate(rng.choice(specs), rng, rng.randint(1, 5)))
        status, stdout, stderr = run(text)
        tally.add(outcome_is_clean(status, stdout, stderr), status, (i, status, stderr[:200]))
    return tally.report(cases, "inputs", time.perf_counter() - start)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*args))
