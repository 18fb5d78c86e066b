"""Long fuzz run: mutated specs and random text through `archcalc analyze -`.

    python benchmarks/fuzz.py [CASES] [SEED]

The run holds itself to a 1 GiB address space (as `ulimit -v 1048576`), times every case,
and runs one case in EXECUTABLE_EVERY again through the installed executable. Prints how
many inputs were tried and how they ended; exits 1 if any ended other than with a result
(exit 0) or `error:` lines (exit 2), or took over 2 s.
"""

import random
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing import (EXECUTABLE_EVERY, Tally, dump, limit_address_space, mutate, outcome_is_clean,  # noqa: E402
                     random_text, run, run_executable)

SPECS = Path(__file__).resolve().parent.parent / "specs"
SEEDS = ["seed/cnn_4x4.yaml", "seed/ann_4x4.yaml", "seed/all_layers.yaml", "resnet18.yaml", "lenet5.yaml",
         "mobilenet_v2.yaml", "seed/all_layers_v2.yaml", "mobilenet_v3_large.yaml", "llm/gpt2_small.yaml",
         "swin_t.yaml"]


def main(cases: int = 100_000, seed: int = 0) -> int:
    limit_address_space()
    specs = [yaml.safe_load((SPECS / name).read_text()) for name in SEEDS]
    tally = Tally()
    start = time.perf_counter()
    for i in range(cases):
        rng = random.Random(f"{seed}:{i}")
        text = random_text(rng) if i % 5 == 0 else dump(mutate(rng.choice(specs), rng, rng.randint(1, 5)))
        began = time.perf_counter()
        status, stdout, stderr = run(text)
        tally.add(outcome_is_clean(status, stdout, stderr), status, (i, status, stderr[:200]),
                  time.perf_counter() - began)
        if i % EXECUTABLE_EVERY == 0:
            began = time.perf_counter()
            status, stdout, stderr = run_executable(["analyze", "-", "--format", "json"], text.encode("utf-8", "surrogatepass"))
            tally.add(outcome_is_clean(status, stdout, stderr), status, (i, status, stderr[:200]),
                      time.perf_counter() - began, "executable")
    return tally.report(cases, "inputs", time.perf_counter() - start)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*args))
