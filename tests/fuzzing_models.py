"""Mutations of model files for fuzzing the front doors: ONNX graphs changed the way a broken
exporter might, and JSON configs (Hugging Face, Keras) with values changed or removed.
Shared by tests/frontends/test_fuzz_models.py (a few hundred cases, in CI) and by
benchmarks/fuzz_onnx.py and benchmarks/fuzz_configs.py (long runs, by hand, through `run_cases`)."""

import copy
import random
import tempfile
import time
from pathlib import Path


from fuzzing import Tally, invoke, outcome_is_clean, run_executable

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Op types a mutated node may be renamed to.
OPS = ["Relu", "Add", "Mul", "MatMul", "Conv", "Reshape", "Transpose", "Concat", "Gather", "Slice", "Softmax",
       "ReduceMean", "Flatten", "Gemm", "LayerNormalization", "Split", "Squeeze", "Unsqueeze", "Expand"]


# The ONNX mutations import onnx (an optional extra) when they run, so that this module loads
# without it for the config fuzzing.
def _reshape_initializer(model, rng):
    import numpy as np
    from onnx import numpy_helper
    inits = model.graph.initializer
    if not inits:
        return
    i = rng.randrange(len(inits))
    rank = rng.randint(0, 4)
    shape = [rng.choice([0, 1, 2, 3, 5, 8, 64]) for _ in range(rank)]
    kind = numpy_helper.to_array(inits[i]).dtype if inits[i].data_location != 1 else np.float32
    inits[i].CopyFrom(numpy_helper.from_array(np.ones(shape, dtype=kind), inits[i].name))


def _change_attribute(model, rng):
    import onnx
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


def mutate_onnx(model, rng: random.Random) -> None:
    """One to three changes to an onnx.ModelProto, in place."""
    for _ in range(rng.randint(1, 3)):
        rng.choice(MUTATIONS)(model, rng)


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """Cuts, flips, inserts or overwrites bytes the way a broken download or a hostile writer might."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        action = rng.randrange(5)
        at = rng.randrange(len(data)) if data else 0
        if action == 0:
            del data[rng.randrange(len(data) + 1):]
        elif action == 1 and data:
            data[at] ^= 1 << rng.randrange(8)
        elif action == 2:
            data[at:at] = bytes(rng.choice([[0xFF] * 9 + [0x01], [0x80], [0x0A, 0x7F], [0x3B], [0xFF, 0xFF, 0x03]]))
        elif action == 3 and data:
            data[at] = rng.choice([0x00, 0x07, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x80, 0xFF])
        else:
            data[at:at + 2] = b""
    return bytes(data)


def onnx_fixtures() -> list[Path]:
    return sorted((FIXTURES / "onnx").glob("*.onnx"))


# What a config value may be replaced with.
VALUES = [None, -1, 0, 1, 3, 2**40, 10**30, -2**63, 1.5, "x", "", [], [1], {}, True]


def config_fixtures() -> list[Path]:
    keras = [p for p in sorted((FIXTURES / "keras").glob("*.json")) if p.name != "expected.json"]
    return sorted((FIXTURES / "hf").glob("*.json")) + keras


def mutate_config(data, rng: random.Random) -> None:
    """Changes or removes one value of one mapping or list anywhere in `data`."""
    containers = []

    def walk(node):
        if isinstance(node, (dict, list)) and node:
            containers.append(node)
            for child in node.values() if isinstance(node, dict) else node:
                walk(child)
    walk(data)
    if not containers:
        return
    node = rng.choice(containers)
    key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
    if rng.random() < 0.2:
        del node[key]
    else:
        node[key] = copy.deepcopy(rng.choice(VALUES))     # a fresh list or mapping each time


def run_cases(cases: int, seed: int, write_case, what: str, executable_every: int = 0) -> int:
    """Analyses `cases` mutated files, each written by `write_case(rng, stem)`, which returns
    the file's path and the fixture it came from; every `executable_every`-th case (0: none)
    runs again through the real executable. Prints how they ended, and the first bad ones
    (kept in the temporary directory); returns 1 if any was bad or slow."""
    tally = Tally()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(cases):
            path, source = write_case(random.Random(f"{seed}:{i}"), Path(tmp) / f"case{i}")
            args = ["analyze", str(path), "--format", "json"]
            began = time.perf_counter()
            result = invoke(args)
            took = time.perf_counter() - began
            clean = outcome_is_clean(result.exit_code, result.stdout, result.stderr)
            keep = Path(tempfile.gettempdir()) / f"fuzz_{seed}_{i}{path.suffix}"
            if not clean and tally.wants_detail:
                keep.write_bytes(path.read_bytes())
            tally.add(clean, result.exit_code,
                      (i, source, result.exit_code, (result.stderr or repr(result.exception))[:300], str(keep)), took)
            if executable_every and i % executable_every == 0:
                began = time.perf_counter()
                status, stdout, stderr = run_executable(args)
                tally.add(outcome_is_clean(status, stdout, stderr), status, (i, source, status, stderr[:300]),
                          time.perf_counter() - began, "executable")
            path.unlink()
    return tally.report(cases, f"mutated {what}", time.perf_counter() - start)
