import archcalc
from archcalc.memory import peak_live_elements


def test_chain_keeps_input_and_output_of_the_running_layer():
    # input 10 -> a 20 -> b 5: peaks while a runs (10 + 20)
    steps = [("a", ["input"], 20), ("b", ["a"], 5)]
    assert peak_live_elements(steps, "input", 10) == 30


def test_residual_keeps_the_skip_alive():
    # input 8 -> a 8 -> b 8 -> add(b, input) 8: while b runs: input, a, b = 24; while add runs: input, b, add = 24
    steps = [("a", ["input"], 8), ("b", ["a"], 8), ("add", ["b", "input"], 8)]
    assert peak_live_elements(steps, "input", 8) == 24


def test_unconsumed_side_output_is_freed_at_once():
    # side (100) is consumed by nobody and is not last: alive only while it runs
    steps = [("side", ["input"], 100), ("a", ["input"], 1)]
    assert peak_live_elements(steps, "input", 1) == 101
    steps = [("side", ["input"], 100), ("a", ["input"], 1), ("b", ["a"], 1)]
    assert peak_live_elements(steps, "input", 1) == 101


def test_memory_bytes_scale_with_batch_and_dtype():
    spec = {"input": [16], "layers": [{"type": "dense", "units": 8}]}
    one = archcalc.analyze(spec).totals.memory
    big = archcalc.analyze(spec, batch=4, dtype="float16").totals.memory
    # params 136 × 4 B; activations 8 elements; peak 16 + 8
    assert (one.params_bytes, one.activations_bytes, one.peak_activation_bytes) == (544, 32, 96)
    assert (big.params_bytes, big.activations_bytes, big.peak_activation_bytes) == (272, 64, 192)
