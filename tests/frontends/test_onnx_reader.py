"""The ONNX wire reader (frontends/onnx/model.py, wire.py) against its oracle, the onnx
package: every fixture read both ways gives the same records and the same figures. And the
reader on broken bytes: truncated numbers, lengths past the end, wrong wire types, deep
nesting, huge lengths — each one error line, never an internal error."""

import random

import pytest

onnx = pytest.importorskip("onnx")
from click.testing import CliRunner  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

from archcalc.cli import cli  # noqa: E402
from archcalc.frontends.imported import ImportOptions  # noqa: E402
from archcalc.frontends.onnx import to_spec, translate_model  # noqa: E402
from archcalc.frontends.onnx.model import read_model  # noqa: E402
from archcalc.frontends.onnx.tensors import checked_dims  # noqa: E402

from fuzzing import outcome_is_clean  # noqa: E402
from fuzzing_models import mutate_bytes, onnx_fixtures  # noqa: E402

FIXTURES = onnx_fixtures()


def records(model):
    """What the door reads of a model, from either reader, as plain values."""
    graph = model.graph

    def attribute(a):
        return (a.name, a.type, round(a.f, 6), a.i, bytes(a.s), list(a.ints), [round(f, 6) for f in a.floats],
                [bytes(s) for s in a.strings], None if a.type != 4 else (a.t.name, list(a.t.dims), a.t.data_type,
                                                                        len(a.t.raw_data)))
    return {
        "producer": (model.producer_name, model.producer_version),
        "opsets": sorted((o.domain, o.version) for o in model.opset_import),
        "name": graph.name,
        "nodes": [(n.name, n.op_type, n.domain, list(n.input), list(n.output), [attribute(a) for a in n.attribute])
                  for n in graph.node],
        "initializers": [(i.name, list(i.dims), i.data_type, len(i.raw_data), len(i.float_data), len(i.int64_data),
                          len(i.int32_data), i.data_location) for i in graph.initializer],
        "inputs": [(v.name, v.type.tensor_type.elem_type,
                    [(d.dim_value, d.dim_param) for d in v.type.tensor_type.shape.dim]) for v in graph.input],
        "outputs": [v.name for v in graph.output],
    }


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_the_wire_reader_reads_what_the_onnx_package_reads(path):
    data = path.read_bytes()
    ours, oracle = read_model(data), onnx.load_model_from_string(data)
    assert records(ours) == records(oracle)
    for init in ours.graph.initializer:
        assert checked_dims(init, "initializer") == tuple(init.dims)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_both_readers_give_the_same_spec(path):
    data = path.read_bytes()
    ours = to_spec(data, str(path), ImportOptions())
    oracle = translate_model(onnx.load_model_from_string(data), str(path), ImportOptions())
    assert ours == oracle


def test_the_reader_reads_an_mmap_without_copying_the_weights(tmp_path):
    # A 4 MiB weight (1024 × 1024 float32) read through an mmap: the records take a few KiB.
    import mmap
    import tracemalloc

    import numpy as np
    from onnx import numpy_helper
    weight = numpy_helper.from_array(np.ones((1024, 1024), dtype=np.float32), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1024])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1024])], [weight])
    path = tmp_path / "big.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    with open(path, "rb") as handle:
        view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        tracemalloc.start()
        spec = to_spec(view, str(path), ImportOptions()).spec
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert spec["layers"][0]["units"] == 1024
    assert peak < 2**20, peak          # the weight is 4 MiB


def small_model() -> bytes:
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Reshape", ["r", "shape"], ["y"], name="reshape")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor("shape", TensorProto.INT64, [2], [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="tests")
    return model.SerializeToString()


def nested(depth: int) -> bytes:
    """A graph whose one node has a graph attribute (an If's branch) whose one node has one…
    `depth` deep: GraphProto.node is field 1, NodeProto.attribute field 5, and the attribute
    is named 'g' (field 1), of type GRAPH (field 20, value 5), its graph in field 6."""
    graph = b""
    for _ in range(depth):
        attribute = b"\x0a\x01g" + b"\xa0\x01\x05" + b"\x32" + _length(graph) + graph
        node = b"\x2a" + _length(attribute) + attribute
        graph = b"\x0a" + _length(node) + node
    return graph


def _length(data: bytes) -> bytes:
    n, out = len(data), b""
    while True:
        byte = n & 0x7F
        n >>= 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


BROKEN = {
    "truncated varint": b"\x08\xff\xff",
    "varint of eleven bytes": b"\x08" + b"\xff" * 10 + b"\x01",
    "length past the end": b"\x3a\xff\xff\xff\x0f\x0a\x00",
    "huge length": b"\x3a" + b"\xff" * 9 + b"\x01",
    "wrong wire type for the graph": b"\x38\x01",
    "group wire type": b"\x3b\x3c",
    "field number 0": b"\x00\x00",
    "no graph": b"\x08\x07\x12\x05tests",
    "graph of junk": b"\x3a\x03\x0a\x01\xff",
    "node name not UTF-8": b"\x3a\x06\x0a\x04\x1a\x02\xff\xfe",
}
# The onnx package's parser stops at 100 levels; the wire reader never follows a subgraph.
NESTED = b"\x08\x07\x3a" + _length(nested(5000)) + nested(5000) + b"\x42\x02\x10\x11"     # + opset 17


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_bytes_are_one_error_line(tmp_path, case):
    path = tmp_path / "broken.onnx"
    path.write_bytes(BROKEN[case])
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: not a readable ONNX model (") and result.stderr.count("\n") == 1


def test_a_nesting_bomb_is_skipped_by_length(tmp_path):
    path = tmp_path / "nested.onnx"
    path.write_bytes(NESTED)
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert (result.exit_code, result.stderr) == (2, f"error: {path}: node '?' (op ): a node without outputs\n")


@pytest.mark.parametrize("seed", range(200))
def test_mutated_bytes_never_crash_the_reader(tmp_path, seed):
    rng = random.Random(seed)
    source = small_model() if seed % 2 else rng.choice(FIXTURES).read_bytes()
    path = tmp_path / "fuzzed.onnx"
    path.write_bytes(mutate_bytes(source, rng))
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
    assert outcome_is_clean(result.exit_code, result.stdout, result.stderr), (seed, result.stderr)


def test_the_door_needs_neither_onnx_nor_numpy():
    # On main, without the onnx package this was "reading ONNX files needs the onnx package".
    import json
    import subprocess
    import sys
    from helpers import ROOT
    path = ROOT / "tests" / "fixtures" / "onnx" / "tiny_resnet_bn.onnx"
    expected = json.loads((path.parent / "expected.json").read_text())["tiny_resnet"]     # PyTorch's count
    code = ("import sys; sys.modules.update(onnx=None, numpy=None, google=None)\n"
            "from archcalc.__main__ import main\n"
            f"sys.argv = ['archcalc', 'analyze', {str(path)!r}, '--format', 'json']\n"
            "main()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["params"] == expected["params"]
