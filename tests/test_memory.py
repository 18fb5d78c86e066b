import archcalc
from archcalc.memory import peak_live_elements

INPUT = -1   # the model input's position


def test_chain_keeps_input_and_output_of_the_running_layer():
    # input 10 -> a 20 -> b 5: peaks while a runs (10 + 20)
    assert peak_live_elements([(INPUT,), (0,)], [20, 5], [10]) == 30


def test_residual_keeps_the_skip_alive():
    # input 8 -> a 8 -> b 8 -> add(b, input) 8: while b runs: input, a, b = 24; while add runs: input, b, add = 24
    assert peak_live_elements([(INPUT,), (0,), (1, INPUT)], [8, 8, 8], [8]) == 24


def test_unconsumed_side_output_is_freed_at_once():
    # side (100) is consumed by nobody and is not last: alive only while it runs
    assert peak_live_elements([(INPUT,), (INPUT,)], [100, 1], [1]) == 101
    assert peak_live_elements([(INPUT,), (INPUT,), (1,)], [100, 1, 1], [1]) == 101


def test_input_freed_after_its_last_consumer():
    # input 50 -> a 1 -> b 1 -> c 60: the input is gone when c runs (1 + 60)
    assert peak_live_elements([(INPUT,), (0,), (1,)], [1, 1, 60], [50]) == 61


def test_memory_bytes_scale_with_batch_and_dtype():
    spec = {"input": [16], "layers": [{"type": "dense", "units": 8}]}
    one = archcalc.analyze(spec).totals.memory
    big = archcalc.analyze(spec, batch=4, dtype="float16").totals.memory
    # params 136 × 4 B; activations 8 elements; peak 16 + 8
    assert (one.params_bytes, one.activations_bytes, one.peak_activation_bytes) == (544, 32, 96)
    assert (big.params_bytes, big.activations_bytes, big.peak_activation_bytes) == (272, 64, 192)
