"""Fuzz run of the ONNX front door: the test fixtures, mutated, through `archcalc analyze`.

    python benchmarks/fuzz_onnx.py [CASES] [SEED]      (needs the onnx extra)

Each case takes one of tests/fixtures/onnx/*.onnx and changes one to three things the way a
broken or unusual exporter might: an initializer's shape, an integer attribute, a node's
input, a node removed, an op renamed, an input's size. Prints how the cases ended; exits 1 if
any ended other than with a result (exit 0, notes and warnings allowed) or `error:` lines
(exit 2), and saves the first such files under /tmp for a look.
"""

import collections
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from click.testing import CliRunner
from onnx import numpy_helper

from archcalc.cli import cli

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "onnx"
OPS = ["Relu", "Add", "Mul", "MatMul", "Conv", "Reshape", "Transpose", "Concat", "Gather", "Slice", "Softmax",
       "ReduceMean", "Flatten", "Gemm", "LayerNormalization", "Split", "Squeeze", "Unsqueeze", "Expand"]


def _reshape_initializer(model, rng):
    inits = model.graph.initializer
    if not inits:
        return
    i = rng.randrange(len(inits))
    rank = rng.randint(0, 4)
    shape = [rng.choice([0, 1, 2, 3, 5, 8, 64]) for _ in range(rank)]
    kind = numpy_helper.to_array(inits[i]).dtype if inits[i].data_location != 1 else np.float32
    inits[i].CopyFrom(numpy_helper.from_array(np.ones(shape, dtype=kind), inits[i].name))


def _change_attribute(model, rng):
    nodes = [n for n in model.graph.node if any(a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)
                                                for a in n.attribute)]
    if not nodes:
        return
    attribute = rng.choice([a for a in rng.choice(nodes).attribute
                            if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)])
    values = [-3, -1, 0, 1, 2, 3, 7, 2**40]
    if attribute.type == onnx.AttributeProto.INT:
        attribute.i = rng.choice(values)
    else:
        attribute.ints[:] = [rng.choice(values) for _ in range(rng.randint(0, 5))]


def _rewire(model, rng):
    nodes = [n for n in model.graph.node if n.input]
    names = [o for n in model.graph.node for o in n.output] + [i.name for i in model.graph.initializer]
    if nodes and names:
        node = rng.choice(nodes)
        node.input[rng.randrange(len(node.input))] = rng.choice(names)


def _remove_node(model, rng):
    if len(model.graph.node) > 1:
        del model.graph.node[rng.randrange(len(model.graph.node))]


def _rename_op(model, rng):
    if model.graph.node:
        rng.choice(model.graph.node).op_type = rng.choice(OPS)


def _resize_input(model, rng):
    inputs = [i for i in model.graph.input if i.type.tensor_type.shape.dim]
    if inputs:
        dims = rng.choice(inputs).type.tensor_type.shape.dim
        dims[rng.randrange(len(dims))].dim_value = rng.choice([0, 1, 2, 3, 7, 100000])


MUTATIONS = [_reshape_initializer, _change_attribute, _rewire, _remove_node, _rename_op, _resize_input]


def clean(status: int, stdout: str, stderr: str) -> bool:
    lines = stderr.splitlines()
    if status == 0:
        return all(line.startswith(("note: ", "warning: ")) for line in lines)
    return status == 2 and stdout == "" and 1 <= len(lines) <= 20 and all(line.startswith("error: ") for line in lines)


def main(cases: int = 2000, seed: int = 0) -> int:
    originals = {path.name: onnx.load(str(path)) for path in sorted(FIXTURES.glob("*.onnx"))}
    outcomes = collections.Counter()
    bad = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(cases):
            rng = random.Random(f"{seed}:{i}")
            name = rng.choice(sorted(originals))
            model = onnx.ModelProto()
            model.CopyFrom(originals[name])
            for _ in range(rng.randint(1, 3)):
                rng.choice(MUTATIONS)(model, rng)
            path = Path(tmp) / f"case{i}.onnx"
            onnx.save(model, str(path))
            result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
            ok = clean(result.exit_code, result.stdout, result.stderr)
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
