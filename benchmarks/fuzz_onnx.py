"""Fuzz run of the ONNX front door: the test fixtures, mutated, through `archcalc analyze`.

    python benchmarks/fuzz_onnx.py [CASES] [SEED] [graph|bytes]      (needs onnx for `graph`)

`graph` (the default) takes one of tests/fixtures/onnx/*.onnx and changes one to three things
the way a broken or unusual exporter might (tests/fuzzing_models.py): an initializer's shape,
an integer attribute, a node's input, a node removed, an op renamed, an input's size. `bytes`
changes the file's bytes instead (cut short, bits flipped, overlong numbers, odd wire types,
bytes dropped), for the wire reader. The run holds itself to a 1 GiB address space, times every case and runs one in
EXECUTABLE_EVERY again through the installed executable. Prints how the cases ended; exits 1 if any ended other
than with a result (exit 0, notes and warnings allowed) or `error:` lines (exit 2), and keeps
the first such files in the temporary directory.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing import EXECUTABLE_EVERY, limit_address_space  # noqa: E402
from fuzzing_models import mutate_bytes, mutate_onnx, onnx_fixtures, run_cases  # noqa: E402


def main(cases: int = 2000, seed: int = 0, mode: str = "graph") -> int:
    limit_address_space()
    if mode == "bytes":
        originals = {path.name: path.read_bytes() for path in onnx_fixtures()}

        def write_case(rng, stem):
            name = rng.choice(sorted(originals))
            stem.with_suffix(".onnx").write_bytes(mutate_bytes(originals[name], rng))
            return stem.with_suffix(".onnx"), name

        return run_cases(cases, seed, write_case, "ONNX files (bytes)", EXECUTABLE_EVERY)
    import onnx
    models = {path.name: onnx.load(str(path)) for path in onnx_fixtures()}

    def write_graph(rng, stem):
        name = rng.choice(sorted(models))
        model = onnx.ModelProto()
        model.CopyFrom(models[name])
        mutate_onnx(model, rng)
        onnx.save(model, str(stem.with_suffix(".onnx")))
        return stem.with_suffix(".onnx"), name

    return run_cases(cases, seed, write_graph, "ONNX files", EXECUTABLE_EVERY)


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(*(int(a) for a in args[:2]), *args[2:3]))
