"""Fuzzing: mutated valid specs and random text end in a result or one error line, never a crash."""

import random

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzing import dump, mutate, outcome_is_clean, random_text, run
from helpers import SPECS

SEEDS = [yaml.safe_load((SPECS / name).read_text())
         for name in ("seed/cnn_4x4.yaml", "seed/all_layers.yaml", "resnet18.yaml", "lenet5.yaml",
                      "seed/all_layers_v2.yaml", "mobilenet_v3_large.yaml")]


@settings(max_examples=250, deadline=None)
@given(st.sampled_from(range(len(SEEDS))), st.integers(0, 2**32), st.integers(1, 4))
def test_mutated_specs(which, seed, steps):
    status, stdout, stderr = run(dump(mutate(SEEDS[which], random.Random(seed), steps)))
    assert outcome_is_clean(status, stdout, stderr), (status, stderr)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32))
def test_random_text(seed):
    status, stdout, stderr = run(random_text(random.Random(seed)))
    assert outcome_is_clean(status, stdout, stderr), (status, stderr)
