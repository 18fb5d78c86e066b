"""Ops and patterns of users' exports (issue 25), each on a small graph built with onnx.helper
the way the exporter writes it; every expected figure is derived by hand in the test."""

import pytest

onnx = pytest.importorskip("onnx")
import numpy as np  # noqa: E402  (onnx brings NumPy)
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import archcalc  # noqa: E402
from archcalc.frontends.imported import ImportOptions  # noqa: E402
from archcalc.verify import verify  # noqa: E402
from archcalc.frontends.onnx import to_spec  # noqa: E402

F = TensorProto.FLOAT


def weight(name, *shape, value=0.5):
    return numpy_helper.from_array(np.full(shape, value, dtype=np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def floats(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def tensor(name, *shape):
    return helper.make_tensor_value_info(name, F, list(shape))


def save(tmp_path, nodes, inputs, outputs, initializers=(), name="model"):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="tests")
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, str(path))
    return path


def import_file(path):
    return to_spec(path.read_bytes(), str(path), ImportOptions())


def node(op, inputs, outputs, **attributes):
    return helper.make_node(op, inputs, outputs, name=outputs[0], **attributes)


# -- torch's decomposed scaled_dot_product_attention ------------------------------------------

def test_decomposed_sdpa_counts_its_products(tmp_path):
    # x [1, T=4, C=8], H=2 heads of D=4. Projections, then the exporter's decomposition of
    # F.scaled_dot_product_attention: K reshaped to [-1, T, D] (the batch of one folded into the
    # heads), transposed, reshaped back to [1, H, D, T]; Q and Kᵀ scaled by √(1/√D); two MatMuls.
    nodes = []
    for p in "qkv":
        nodes += [node("MatMul", ["x", f"w{p}"], [f"{p}0"]),
                  node("Reshape", [f"{p}0", "heads"], [f"{p}1"]),
                  node("Transpose", [f"{p}1"], [p], perm=[0, 2, 1, 3])]
    nodes += [node("Reshape", ["k", "squeezed"], ["k3"]),
              node("Transpose", ["k3"], ["k3t"], perm=[0, 2, 1]),
              node("Reshape", ["k3t", "kt_shape"], ["kt"]),
              node("Mul", ["q", "s"], ["qs"]), node("Mul", ["kt", "s"], ["kts"]),
              node("MatMul", ["qs", "kts"], ["scores"]),
              node("Softmax", ["scores"], ["probs"], axis=-1),
              node("MatMul", ["probs", "v"], ["o"]),
              node("Transpose", ["o"], ["o1"], perm=[0, 2, 1, 3]),
              node("Reshape", ["o1", "merged"], ["o2"]),
              node("MatMul", ["o2", "wo"], ["y"])]
    inits = [weight(f"w{p}", 8, 8) for p in "qkvo"] + [
        ints("heads", [1, 4, 2, 4]), ints("squeezed", [-1, 4, 4]), ints("kt_shape", [1, 2, 4, 4]),
        ints("merged", [1, 4, 8]), floats("s", 0.5 ** 0.5)]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 8)], [tensor("y", 1, 4, 8)], inits)
    report = archcalc.analyze(path)
    # params: four 8×8 projections = 256. MACs: projections 4·T·C·C = 4·4·64 = 1,024; scores
    # H·T·T·D = 2·4·4·4 = 128; weighted values the same 128.
    assert report.totals.params == 256
    assert report.totals.macs == 1024 + 128 + 128
    assert verify(archcalc.load(path)).agrees


# -- GatherND with a constant index: an attention-bias table -----------------------------------

def test_gather_nd_of_a_bias_table_counts_the_table_once(tmp_path):
    # LeViT's attention biases: a trained [H=2, K=5] table, its columns picked for each of the
    # N×N=4×4 query/key pairs by a constant index; the picked [H, N, N] added to the scores.
    index = [[[(i - j) % 5] for j in range(4)] for i in range(4)]
    nodes = [node("Transpose", ["table"], ["table_t"], perm=[1, 0]),
             node("GatherND", ["table_t", "index"], ["picked"]),
             node("Transpose", ["picked"], ["bias"], perm=[2, 0, 1]),
             node("Add", ["s", "bias"], ["biased"]),
             node("Softmax", ["biased"], ["y"], axis=-1)]
    path = save(tmp_path, nodes, [tensor("s", 1, 2, 4, 4)], [tensor("y", 1, 2, 4, 4)],
                [weight("table", 2, 5), ints("index", index)])
    report = archcalc.analyze(path)
    assert report.totals.params == 2 * 5           # the whole table, once
    assert report.totals.macs == 0


def test_gather_nd_positions_outside_the_table_are_the_files_error(tmp_path):
    nodes = [node("GatherND", ["table", "index"], ["picked"]), node("Add", ["s", "picked"], ["y"])]
    path = save(tmp_path, nodes, [tensor("s", 1, 4)], [tensor("y", 1, 4)],
                [weight("table", 3, 4), ints("index", [[7]])])
    from archcalc.errors import SpecError
    with pytest.raises(SpecError, match="position 7 is outside an axis of 3"):
        import_file(path)


# -- Sin and Cos ------------------------------------------------------------------------------

def test_sinusoidal_positions_from_a_constant_grid_are_folded(tmp_path):
    # pe = concat(sin(p·f), cos(p·f)) over positions p = 0..3 and 3 frequencies: [4, 6], added
    # to x [1, 4, 6], then a 6×6 projection. The encoding is no parameter: params 36, MACs 4·36.
    nodes = [node("Range", ["zero", "four", "one"], ["positions"]),
             node("Unsqueeze", ["positions", "last"], ["column"]),
             node("Mul", ["column", "freqs"], ["angles"]),
             node("Sin", ["angles"], ["sines"]), node("Cos", ["angles"], ["cosines"]),
             node("Concat", ["sines", "cosines"], ["pe"], axis=1),
             node("Add", ["x", "pe"], ["h"]),
             node("MatMul", ["h", "w"], ["y"])]
    inits = [floats("zero", 0.0), floats("four", 4.0), floats("one", 1.0), ints("last", [1]),
             floats("freqs", [[1.0, 0.1, 0.01]]), weight("w", 6, 6)]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 6)], [tensor("y", 1, 4, 6)], inits)
    report = archcalc.analyze(path)
    assert report.totals.params == 36 and report.totals.macs == 4 * 36


@pytest.mark.parametrize("op", ["Sin", "Cos"])
def test_sin_and_cos_of_an_activation_are_elementwise_layers(tmp_path, op):
    path = save(tmp_path, [node(op, ["x"], ["y"])], [tensor("x", 1, 4, 6)], [tensor("y", 1, 4, 6)])
    report = archcalc.analyze(path)
    # One FLOP per element: 4·6 = 24; no weights, no MACs.
    assert [(layer.type, layer.flops) for layer in report.layers] == [("elementwise", 24)]
    assert report.totals.params == 0 and report.totals.macs == 0


# -- a Conv with asymmetric padding ---------------------------------------------------------------

@pytest.mark.parametrize("pads, strides, out_hw", [
    # TensorFlow's "same" written out: 8 at stride 2 → 4; total padding (4-1)·2 + 3 - 8 = 1, at the end
    ([0, 0, 1, 1], [2, 2], (4, 4)),
    # one row on top only: H (8 + 1 - 3) + 1 = 7, W (8 - 3) + 1 = 6
    ([1, 0, 0, 0], [1, 1], (7, 6)),
])
def test_conv_with_asymmetric_padding(tmp_path, pads, strides, out_hw):
    nodes = [node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], pads=pads, strides=strides)]
    path = save(tmp_path, nodes, [tensor("x", 1, 3, 8, 8)], [tensor("y", 1, 4, *out_hw)], [weight("w", 4, 3, 3, 3)])
    report = archcalc.analyze(path)
    h, w = out_hw
    assert report.layers[-1].output_shape == (h, w, 4)
    assert report.totals.params == 4 * 3 * 3 * 3                  # 108, no bias
    assert report.totals.macs == h * w * 4 * 3 * 3 * 3              # per output: 27 products
    assert verify(archcalc.load(path)).agrees                       # the reference pass runs it too


def test_conv_of_a_constant_is_refused_naming_what_it_would_take(tmp_path):
    # A conv over a learned [1, 3, 4, 4] grid: the same every run; counting it per sample would
    # need a layer with no input, and folding it would drop its weights. Refused in one line.
    nodes = [node("Conv", ["grid", "w"], ["g"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             node("Add", ["x", "g"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 3, 4, 4)], [tensor("y", 1, 3, 4, 4)],
                [weight("grid", 1, 3, 4, 4), weight("w", 3, 3, 3, 3)])
    from archcalc.errors import SpecError
    with pytest.raises(SpecError) as refused:
        import_file(path)
    assert str(refused.value).endswith(
        "node 'g' (op Conv): its input 'grid' is a constant, computed from weights alone: a Conv of a constant "
        "has no rule (archcalc counts layers over the model's inputs; make that tensor a model input, or export "
        "with it precomputed)")


@pytest.mark.parametrize("op, attributes, phrase", [
    ("Softmax", {"axis": -1}, "a Softmax"),
    ("Elu", {}, "an Elu"),
])
def test_any_op_over_a_constant_is_refused_the_same_way(tmp_path, op, attributes, phrase):
    # EVA's rotary table split as the model runs, MViT-v2's einsum over a constant: here an op
    # over a learned [1, 4] row.
    nodes = [node(op, ["row"], ["s"], **attributes), node("Add", ["x", "s"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4)], [tensor("y", 1, 4)], [weight("row", 1, 4)])
    from archcalc.errors import SpecError
    with pytest.raises(SpecError) as refused:
        import_file(path)
    assert str(refused.value).endswith(
        f"node 's' (op {op}): its input 'row' is a constant, computed from weights alone: {phrase} of a "
        "constant has no rule (archcalc counts layers over the model's inputs; make that tensor a model input, "
        "or export with it precomputed)")


# -- one initializer read by two nodes of different kinds -----------------------------------------

def test_class_token_also_added_later_counts_once(tmp_path):
    # ViT-style: a [1, 1, 8] class token put in front of 4 tokens, the same initializer added to
    # every token afterwards, then an 8×8 projection. Params: 8 (the token, once) + 64.
    nodes = [node("Concat", ["cls", "x"], ["tokens"], axis=1),
             node("Add", ["tokens", "cls"], ["h"]),
             node("MatMul", ["h", "w"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 8)], [tensor("y", 1, 5, 8)],
                [weight("cls", 1, 1, 8), weight("w", 8, 8)])
    assert archcalc.analyze(path).totals.params == 8 + 64
    assert verify(archcalc.load(path)).agrees       # the reference pass replays the one token


def test_part_of_another_layers_weights_read_again_is_refused(tmp_path):
    # A dense layer's bias (its MatMul + Add) also added later on its own: sharing it would hand
    # the second layer the whole dense layer's weights, and counting it again would count it
    # twice. Refused at the node, naming both.
    nodes = [node("MatMul", ["x", "w"], ["m"]), node("Add", ["m", "b"], ["h"]), node("Add", ["h", "b"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 8)], [tensor("y", 1, 4, 8)], [weight("w", 8, 8), weight("b", 8)])
    from archcalc.errors import SpecError
    with pytest.raises(SpecError) as refused:
        import_file(path)
    assert str(refused.value).endswith("node 'y' (op Add): initializer 'b' is also part of layer 'm''s weights; a "
                                       "layer reading part of another's weights has no rule")


# -- GroupNorm(1) as exported: InstanceNormalization over one group -------------------------------

@pytest.mark.parametrize("constants", ["nodes", "shared initializers"])
def test_group_norm_as_exported_counts_its_affine_once(tmp_path, constants):
    # torch exports GroupNorm(1, C=4) as Reshape [N, 1, -1] → InstanceNormalization with a
    # constant scale of ones and shift of zeros → Reshape back → Mul γ[C,1,1] → Add β[C,1,1].
    # Those ones and zeros are not weights: two such norms hold 2 · (4 + 4) = 16 params.
    nodes, inits = [], [ints("grouped", [1, 1, -1]), ints("back", [1, 4, 3, 3])]
    for i in (1, 2):
        source = "x" if i == 1 else "n1"
        if constants == "nodes":
            ones, zeros = f"ones{i}", f"zeros{i}"
            nodes += [helper.make_node("Constant", [], [ones], value=floats(ones, [1.0])),
                      helper.make_node("Constant", [], [zeros], value=floats(zeros, [0.0]))]
        else:
            ones, zeros = "ones", "zeros"
        nodes += [node("Reshape", [source, "grouped"], [f"g{i}"]),
                  node("InstanceNormalization", [f"g{i}", ones, zeros], [f"i{i}"]),
                  node("Reshape", [f"i{i}", "back"], [f"r{i}"]),
                  node("Mul", [f"r{i}", f"gamma{i}"], [f"m{i}"]),
                  node("Add", [f"m{i}", f"beta{i}"], [f"n{i}"])]
        inits += [weight(f"gamma{i}", 4, 1, 1, value=1.5), weight(f"beta{i}", 4, 1, 1, value=0.25)]
    if constants != "nodes":
        inits += [floats("ones", [1.0]), floats("zeros", [0.0])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 3, 3)], [tensor("n2", 1, 4, 3, 3)], inits)
    assert archcalc.analyze(path).totals.params == 16


# -- the batchnorm-folding note fires only on evidence -------------------------------------------

FOLDED = "probably folded batchnorm"


def test_vit_patch_conv_with_a_bias_gives_no_folding_note(tmp_path):
    # ViT: one patch conv with a bias of its own, then LayerNorm; no batchnorm was ever there.
    nodes = [node("Conv", ["x", "w", "b"], ["patches"], kernel_shape=[4, 4], strides=[4, 4]),
             node("Reshape", ["patches", "flat"], ["p1"]),
             node("Transpose", ["p1"], ["tokens"], perm=[0, 2, 1]),
             node("LayerNormalization", ["tokens", "g", "be"], ["y"], axis=-1)]
    path = save(tmp_path, nodes, [tensor("x", 1, 3, 8, 8)], [tensor("y", 1, 4, 8)],
                [weight("w", 8, 3, 4, 4), weight("b", 8), ints("flat", [1, 8, 4]), weight("g", 8), weight("be", 8)])
    assert not any(FOLDED in note for note in import_file(path).notes)


def test_convs_with_biases_each_followed_by_an_activation_give_the_note(tmp_path):
    nodes = [node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             node("Relu", ["c1"], ["r1"]),
             node("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             node("Relu", ["c2"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 3, 8, 8)], [tensor("y", 1, 4, 8, 8)],
                [weight("w1", 4, 3, 3, 3), weight("b1", 4), weight("w2", 4, 4, 3, 3), weight("b2", 4)])
    assert any(FOLDED in note for note in import_file(path).notes)


# -- one layer (weight and bias) applied twice: CoaT's shared position convolution ------------

SHARED_LAYERS = {
    # op, its nodes applying w (and b) to x then to the result, inits, input, output;
    # params by hand: the layer's weight and bias, once.
    "depthwise Conv": ([node("Conv", ["x", "w", "b"], ["h"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=4),
                        node("Conv", ["h", "w", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=4)],
                       [weight("w", 4, 1, 3, 3), weight("b", 4)], (1, 4, 5, 5), 4 * 9 + 4),
    "ConvTranspose": ([node("ConvTranspose", ["x", "w", "b"], ["h"], kernel_shape=[1, 1]),
                       node("ConvTranspose", ["h", "w", "b"], ["y"], kernel_shape=[1, 1])],
                      [weight("w", 4, 4, 1, 1), weight("b", 4)], (1, 4, 5, 5), 16 + 4),
    "Gemm": ([node("Gemm", ["x", "w", "b"], ["h"], transB=1), node("Gemm", ["h", "w", "b"], ["y"], transB=1)],
             [weight("w", 4, 4), weight("b", 4)], (1, 4), 16 + 4),
    "MatMul + bias Add": ([node("MatMul", ["x", "w"], ["m1"]), node("Add", ["m1", "b"], ["h"]),
                           node("MatMul", ["h", "w"], ["m2"]), node("Add", ["m2", "b"], ["y"])],
                          [weight("w", 4, 4), weight("b", 4)], (1, 3, 4), 16 + 4),
}


@pytest.mark.parametrize("case", SHARED_LAYERS)
def test_a_layer_applied_twice_counts_its_weight_and_bias_once(tmp_path, case):
    nodes, inits, shape, params = SHARED_LAYERS[case]
    path = save(tmp_path, nodes, [tensor("x", *shape)], [tensor("y", *shape)], inits)
    report = archcalc.analyze(path)
    assert report.totals.params == params
    assert report.totals.macs == 2 * report.layers[0].macs       # each application computes
    assert verify(archcalc.load(path)).agrees


# -- several learned tokens in front: DeiT's distillation token, register tokens ----------------

@pytest.mark.parametrize("tokens", [[1, 1], [1, 4]], ids=["class + distillation", "class + 4 registers"])
def test_learned_tokens_in_front_each_count_their_elements(tmp_path, tokens):
    # Concat([cls [1, 1, 8], t2 [1, k, 8], x [1, 4, 8]]) then an 8×8 projection. Params by hand:
    # the tokens' elements (8 each) + 64; MACs: (4 + tokens) · 64.
    names = [f"token{i}" for i in range(len(tokens))]
    nodes = [node("Concat", [*names, "x"], ["h"], axis=1), node("MatMul", ["h", "w"], ["y"])]
    steps = 4 + sum(tokens)
    inits = [weight(name, 1, k, 8, value=0.5 + i) for i, (name, k) in enumerate(zip(names, tokens))]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 8)], [tensor("y", 1, steps, 8)], [*inits, weight("w", 8, 8)])
    report = archcalc.analyze(path)
    assert report.totals.params == 8 * sum(tokens) + 64
    assert report.totals.macs == steps * 64
    assert report.layers[-1].output_shape == (steps, 8)
    assert verify(archcalc.load(path)).agrees


# -- a stack of per-sample results averaged: CrossViT's heads -----------------------------------

def test_stacked_heads_averaged_over_the_stack_axis_not_the_batch(tmp_path):
    # torch.stack([head1(x), head2(x)]).mean(0): each [1, 3] result unsqueezed at axis 0
    # (the batch moves to axis 1), concatenated along axis 0 and reduced over it. By hand:
    # params 2 · 3·4 = 24, MACs 2 · 3·4 = 24, output [3] per sample.
    nodes = [node("Gemm", ["x", "w1"], ["a"], transB=1), node("Gemm", ["x", "w2"], ["b"], transB=1),
             node("Unsqueeze", ["a", "zero"], ["a1"]), node("Unsqueeze", ["b", "zero"], ["b1"]),
             node("Concat", ["a1", "b1"], ["s"], axis=0),
             node("ReduceMean", ["s", "zero"], ["y"], keepdims=0)]
    path = save(tmp_path, nodes, [tensor("x", 1, 4)], [tensor("y", 1, 3)],
                [weight("w1", 3, 4), weight("w2", 3, 4, value=0.25), ints("zero", [0])])
    report = archcalc.analyze(path)
    assert (report.totals.params, report.totals.macs) == (24, 24)
    assert report.layers[-1].output_shape == (3,)
    assert verify(archcalc.load(path)).agrees


# -- a weight computed from a weight as the model runs: weight standardization ------------------

def test_a_standardized_weight_is_refused_naming_its_initializer(tmp_path):
    # BiT's and NFNet's convolutions standardize their weight on every call: ReduceMean of the
    # [64, 8, 3, 3] initializer (4,608 elements, more than the door reads as values), Sub, Conv.
    nodes = [node("ReduceMean", ["w", "axes"], ["mean"], keepdims=1), node("Sub", ["w", "mean"], ["ws"]),
             node("Conv", ["x", "ws"], ["y"], kernel_shape=[3, 3])]
    path = save(tmp_path, nodes, [tensor("x", 1, 8, 5, 5)], [tensor("y", 1, 64, 3, 3)],
                [weight("w", 64, 8, 3, 3), ints("axes", [1, 2, 3])])
    from archcalc.errors import SpecError
    with pytest.raises(SpecError) as refused:
        import_file(path)
    assert str(refused.value) == (f"{path}: node 'mean' (op ReduceMean): its input 'w' comes from initializer 'w', "
                                  "whose values archcalc does not read (it reads initializers of up to 4,096 "
                                  "elements): a tensor computed from it as the model runs (a standardized weight, "
                                  "a large position index) has no rule")


# -- TensorFlow's "same" max pool: a Pad with -inf in front of the MaxPool (NASNet, timm's -----
# MaxPool2dSame) -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [-np.inf, np.inf, 0.0])
def test_padding_with_an_infinite_value_before_a_max_pool(tmp_path, value):
    # x [1, 4, 7, 7]: one row and column of -inf at the end (pads [0, 0, 0, 0, 0, 0, 1, 1]),
    # 8×8, then MaxPool 3×3 stride 2: (8 - 3) // 2 + 1 = 3; a 1×1 conv of 4 → 2 channels after
    # it. By hand: params 2·4 = 8, MACs 3·3·2·4 = 72 (padding and pooling multiply nothing).
    nodes = [node("Pad", ["x", "pads", "value"], ["p"]),
             node("MaxPool", ["p"], ["m"], kernel_shape=[3, 3], strides=[2, 2]),
             node("Conv", ["m", "w"], ["y"], kernel_shape=[1, 1])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 7, 7)], [tensor("y", 1, 2, 3, 3)],
                [ints("pads", [0, 0, 0, 0, 0, 0, 1, 1]), floats("value", value), weight("w", 2, 4, 1, 1)])
    report = archcalc.analyze(path)
    assert report.layers[0].output_shape == (4, 8, 8)         # padded as the file lays it out
    assert report.layers[-1].output_shape == (3, 3, 2)
    assert (report.totals.params, report.totals.macs) == (8, 72)
    assert verify(archcalc.load(path)).agrees


# -- a position table added after the batch of one was folded away (CaiT's class attention) ----

def test_position_table_after_a_folded_batch_is_a_per_sample_table(tmp_path):
    # x [1, 4, 8] reshaped to [-1, 8] (the batch of one merged into the rows), a MatMul by an
    # 8×8 weight, reshaped back to [1, 4, 8], a [1, 4, 8] table added. By hand: params
    # 8·8 + 4·8 = 96; MACs 4·8·8 = 256 (the table is added, not multiplied); output [4, 8].
    nodes = [node("Reshape", ["x", "flat"], ["f"]), node("MatMul", ["f", "w"], ["g"]),
             node("Reshape", ["g", "back"], ["h"]), node("Add", ["h", "table"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 8)], [tensor("y", 1, 4, 8)],
                [ints("flat", [-1, 8]), ints("back", [1, 4, 8]), weight("w", 8, 8), weight("table", 1, 4, 8)])
    report = archcalc.analyze(path)
    assert (report.totals.params, report.totals.macs) == (96, 256)
    assert report.layers[-1].type == "position_embedding"
    assert report.layers[-1].output_shape == (4, 8)
    assert verify(archcalc.load(path)).agrees


# -- negative padding crops: NASNet's and PNASNet's ZeroPad2d((-1, 1, -1, 1)) ------------------

@pytest.mark.parametrize("pads, padded_hw", [
    ([0, 0, -1, -1, 0, 0, 1, 1], (6, 6)),       # the shift by one: crop the first row and column, pad the last
    ([0, 0, -1, 0, 0, 0, 0, -2], (5, 4)),       # cropping only: 6 - 1 rows, 6 - 2 columns
])
def test_negative_padding_crops_before_it_pads(tmp_path, pads, padded_hw):
    # x [1, 2, 6, 6]; after the Pad a 1×1 conv of 2 → 3 channels. By hand: params 3·2 = 6;
    # MACs h·w·3·2 over the padded size.
    nodes = [node("Pad", ["x", "pads"], ["p"]), node("Conv", ["p", "w"], ["y"], kernel_shape=[1, 1])]
    h, w = padded_hw
    path = save(tmp_path, nodes, [tensor("x", 1, 2, 6, 6)], [tensor("y", 1, 3, h, w)],
                [ints("pads", pads), weight("w", 3, 2, 1, 1)])
    report = archcalc.analyze(path)
    assert report.layers[-1].output_shape == (h, w, 3)
    assert (report.totals.params, report.totals.macs) == (6, h * w * 3 * 2)
    assert verify(archcalc.load(path)).agrees


def test_padding_in_reflect_mode_is_refused_naming_the_mode(tmp_path):
    nodes = [node("Pad", ["x", "pads"], ["p"], mode="reflect")]
    path = save(tmp_path, nodes, [tensor("x", 1, 2, 6, 6)], [tensor("p", 1, 2, 8, 8)],
                [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])])
    from archcalc.errors import SpecError
    with pytest.raises(SpecError) as refused:
        import_file(path)
    assert str(refused.value) == (f"{path}: node 'p' (op Pad): padding in mode 'reflect' has no rule (only constant "
                                  "padding has; its counts would be the same, the receptive fields at the border not)")


# -- norms over an axis: cosine attention's F.normalize (Swin-V2 CR) ----------------------------

@pytest.mark.parametrize("op, steps", [
    ("ReduceL2", ["elementwise", "reduce", "elementwise"]),       # square, sum, square root
    ("ReduceSumSquare", ["elementwise", "reduce"]),
    ("ReduceL1", ["elementwise", "reduce"]),                      # absolute value, sum
])
def test_norm_reductions_are_the_steps_around_a_sum(tmp_path, op, steps):
    # x [1, 4, 8]: the norm over the last axis (keepdims), x divided by it, a MatMul by an 8×8
    # weight. By hand: params 8·8 = 64; MACs 4·8·8 = 256 (the norm multiplies no weight); the
    # norm's own FLOPs: 32 for the step before the sum, 32 for the sum, 4 for a square root.
    nodes = [node(op, ["x", "last"], ["n"], keepdims=1), node("Div", ["x", "n"], ["u"]),
             node("MatMul", ["u", "w"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 8)], [tensor("y", 1, 4, 8)],
                [ints("last", [-1]), weight("w", 8, 8)])
    report = archcalc.analyze(path)
    assert (report.totals.params, report.totals.macs) == (64, 256)
    norm = report.layers[:len(steps)]
    assert [layer.type for layer in norm] == steps
    assert [layer.flops for layer in norm] == [32, 32, 4][:len(steps)]
    assert norm[-1].output_shape == (4, 1)
    assert verify(archcalc.load(path)).agrees


# -- patches run as a batch of their own (TNT's inner blocks, EfficientViT-MSRA's windows) ------

def test_a_conv_over_a_merged_batch_is_refused_saying_so(tmp_path):
    # [1, 4, 8, 8] reshaped to [-1, 2, 8, 8]: the batch of one merged into an axis of 2, then a
    # Conv, which needs a batch axis of its own.
    nodes = [node("Reshape", ["x", "split"], ["r"]), node("Conv", ["r", "w"], ["y"], kernel_shape=[3, 3])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 8, 8)], [tensor("y", 2, 3, 6, 6)],
                [ints("split", [-1, 2, 8, 8]), weight("w", 3, 2, 3, 3)])
    from archcalc.errors import SpecError
    with pytest.raises(SpecError) as refused:
        import_file(path)
    assert str(refused.value) == (f"{path}: node 'y' (op Conv): its input [2, 2, 8, 8] holds the batch of one "
                                  "merged into an axis of 2 (patches or windows run as a batch of their own): a "
                                  "per-sample layer over a merged batch has no rule")


def test_a_per_head_scale_over_windows_run_as_a_batch(tmp_path):
    # Swin-V2's learned logit scale: scores of windows run as a batch ([1, 4, 2, 4] reshaped to
    # [2, 2, 2, 4]: 2 windows × 2 heads, the batch of one merged into the windows) multiplied by
    # a [2, 1, 1] scale per head, then a MatMul by a 4×4 weight. By hand: params 2 + 4·4 = 18;
    # MACs 2·2·2 rows · 4·4 = 128 (the scale multiplies no weight product).
    nodes = [node("Reshape", ["x", "windows"], ["w0"]), node("Mul", ["w0", "scale"], ["s"]),
             node("MatMul", ["s", "w"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 2, 4)], [tensor("y", 2, 2, 2, 4)],
                [ints("windows", [2, 2, 2, 4]), floats("scale", [[[0.5]], [[1.5]]]), weight("w", 4, 4)])
    report = archcalc.analyze(path)
    assert (report.totals.params, report.totals.macs) == (18, 128)
    assert "layer_scale" in [layer.type for layer in report.layers]
    assert verify(archcalc.load(path)).agrees


def test_normalize_divides_by_the_expanded_norm(tmp_path):
    # F.normalize(x, dim=-1) as exported: ReduceL2 (keepdims), Clip at ε, Expand to x's shape,
    # Div; then a MatMul by a 300×2 weight. x [1, 2, 300]: the Expand makes 300 copies, more
    # than a concat of copies is written for, and the Div would broadcast the norm anyway.
    # By hand: params 300·2 = 600; MACs 2 rows · 300·2 = 1,200.
    nodes = [node("ReduceL2", ["x", "last"], ["n"], keepdims=1), node("Clip", ["n", "eps"], ["c"]),
             node("Expand", ["c", "full"], ["e"]), node("Div", ["x", "e"], ["u"]), node("MatMul", ["u", "w"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 2, 300)], [tensor("y", 1, 2, 2)],
                [ints("last", [-1]), floats("eps", 1e-12), ints("full", [1, 2, 300]), weight("w", 300, 2)])
    report = archcalc.analyze(path)
    assert (report.totals.params, report.totals.macs) == (600, 1200)
    assert report.layers[-1].output_shape == (2, 2)
    assert verify(archcalc.load(path)).agrees


# -- a mask built as the model runs from a constant too large to compute (torchvision's Swin) ---

def test_a_shifted_window_mask_too_large_to_compute_is_kept_as_a_shape(tmp_path):
    # Swin's mask: window ids [64, 49] compared pairwise (Sub of [64, 1, 49] and [64, 49, 1]:
    # 153,664 elements, more than the door computes), Equal 0, Where to 0 / -100, added to the
    # scores x [1, 64, 49, 49]; then a MatMul by a 49×2 weight. By hand: params 49·2 = 98;
    # MACs 64·49 rows · 49·2 = 307,328; the mask is no weight.
    nodes = [node("Unsqueeze", ["ids", "one"], ["a"]), node("Unsqueeze", ["ids", "two"], ["b"]),
             node("Sub", ["a", "b"], ["d"]), node("Equal", ["d", "zero"], ["same"]),
             node("Where", ["same", "zero_f", "minus"], ["m"]), node("Unsqueeze", ["m", "first"], ["m1"]),
             node("Add", ["x", "m1"], ["s"]), node("MatMul", ["s", "w"], ["y"])]
    ids = numpy_helper.from_array(np.arange(64 * 49, dtype=np.int64).reshape(64, 49) % 4, "ids")
    path = save(tmp_path, nodes, [tensor("x", 1, 64, 49, 49)], [tensor("y", 1, 64, 49, 2)],
                [ids, ints("one", [1]), ints("two", [2]), ints("first", [0]), ints("zero", 0),
                 floats("zero_f", 0.0), floats("minus", -100.0), weight("w", 49, 2)])
    report = archcalc.analyze(path)
    assert (report.totals.params, report.totals.macs) == (98, 307_328)
    assert report.layers[-1].output_shape == (64, 49, 2)


def test_a_matmul_of_a_constant_grid_by_a_weight_is_refused_not_folded(tmp_path):
    # Swin-V2's continuous position bias: an MLP over a constant [4, 2] grid of coordinates
    # (a MatMul by a [2, 3] weight), its result added to the activation. Folding the product
    # would drop the weight's 6 parameters from the count; refused instead.
    nodes = [node("MatMul", ["grid", "w"], ["bias"]), node("Add", ["x", "bias"], ["y"])]
    path = save(tmp_path, nodes, [tensor("x", 1, 4, 3)], [tensor("y", 1, 4, 3)],
                [floats("grid", [[0.0, 0.5], [0.5, 0.0], [1.0, 0.5], [0.5, 1.0]]), weight("w", 2, 3)])
    from archcalc.errors import SpecError
    with pytest.raises(SpecError) as refused:
        import_file(path)
    assert str(refused.value).endswith(
        "node 'bias' (op MatMul): its input 'grid' is a constant, computed from weights alone: a MatMul of a "
        "constant has no rule (archcalc counts layers over the model's inputs; make that tensor a model input, "
        "or export with it precomputed)")
