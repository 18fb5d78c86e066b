"""Fuzz run of the ONNX front door: the test fixtures, mutated, through `archcalc analyze`.

    python benchmarks/fuzz_onnx.py [CASES] [SEED]      (needs the onnx extra)

Each case takes one of tests/fixtures/onnx/*.onnx and changes one to three things the way a
broken or unusual exporter might (tests/fuzzing_models.py): an initializer's shape, an integer
attribute, a node's input, a node removed, an op renamed, an input's size. Prints how the cases
ended; exits 1 if any ended other than with a result (exit 0, notes and warnings allowed) or
`error:` lines (exit 2), and keeps the first such files in the temporary directory.
"""

import sys
from pathlib import Path

import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing_models import mutate_onnx, onnx_fixtures, run_cases  # noqa: E402


def main(cases: int = 2000, seed: int = 0) -> int:
    originals = {path.name: onnx.load(str(path)) for path in onnx_fixtures()}

    def write_case(rng, stem):
        name = rng.choice(sorted(originals))
        model = onnx.ModelProto()
        model.CopyFrom(originals[name])
        mutate_onnx(model, rng)
        onnx.save(model, str(stem.with_suffix(".onnx")))
        return stem.with_suffix(".onnx"), name

    return run_cases(cases, seed, write_case, "ONNX files")


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
