"""Properties that hold for every spec, checked on generated ones with hypothesis."""

from hypothesis import given, reject, settings
from hypothesis import strategies as st

import archcalc
from archcalc.errors import SpecError

conv = st.fixed_dictionaries({
    "type": st.just("conv2d"), "filters": st.integers(1, 8), "kernel": st.integers(1, 3),
    "stride": st.integers(1, 2), "padding": st.sampled_from([0, 1, "same"]), "bias": st.booleans()})
layer = st.one_of(conv, st.sampled_from(["relu", "batchnorm", "sigmoid"]),
                  st.fixed_dictionaries({"type": st.just("maxpool2d"), "kernel": st.just(1)}))
stacks = st.lists(layer, min_size=1, max_size=6)


def model(layers, size, batch=1, head=True):
    tail = [{"type": "flatten"}, {"type": "dense", "units": 3}] if head else []
    try:
        return archcalc.analyze({"input": [size, size, 3], "batch": batch, "layers": layers + tail})
    except SpecError:   # strides can shrink a small input below a later kernel: not a case
        reject()


@settings(max_examples=60, deadline=None)
@given(stacks, st.integers(8, 20), st.integers(1, 4))
def test_rows_add_up_to_totals(layers, size, batch):
    r = model(layers, size, batch)
    for key in ("params", "trainable_params", "buffers", "macs", "flops"):
        assert sum(getattr(row, key) for row in r.layers) == getattr(r.totals, key)


@settings(max_examples=60, deadline=None)
@given(stacks, st.integers(8, 20), st.integers(2, 5))
def test_macs_are_linear_in_batch(layers, size, batch):
    one, many = model(layers, size, 1), model(layers, size, batch)
    assert many.totals.macs == batch * one.totals.macs
    assert many.totals.flops == batch * one.totals.flops
    assert many.totals.params == one.totals.params


@settings(max_examples=60, deadline=None)
@given(stacks, st.integers(8, 20), st.integers(1, 12))
def test_conv_params_do_not_depend_on_input_size(layers, size, grow):
    assert model(layers, size, head=False).totals.params == model(layers, size + grow, head=False).totals.params


def test_large_generated_spec_matches_the_closed_form():
    # 25,000 uses of a 2-layer block (conv 3·3·8·8 + 8 params, then relu) = 50,000 layers
    spec = {"input": [8, 8, 8],
            "blocks": {"unit": [{"type": "conv2d", "filters": 8, "kernel": 3, "padding": 1}, "relu"],
                       "stage": [{"type": "unit", "repeat": 250}]},
            "layers": [{"type": "stage", "repeat": 100}]}
    r = archcalc.analyze(spec)
    assert len(r.layers) == 50_000
    assert r.totals.params == 25_000 * (3 * 3 * 8 * 8 + 8)
    assert r.totals.macs == 25_000 * (8 * 8 * 8 * 3 * 3 * 8)
    # peak: while a conv runs, its input and output (2 × 512 elements) are alive
    assert r.totals.memory.peak_activation_bytes == 2 * 512 * 4
