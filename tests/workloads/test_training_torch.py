"""A training step of small models built from standard PyTorch modules, against what PyTorch
itself keeps and computes. Expected values: tests/fixtures/training.json, recorded by
tests/fixtures/make_training_fixtures.py in a separate environment with torch 2.13
(torch.autograd.graph.saved_tensors_hooks for the bytes kept, FlopCounterMode for the FLOPs)."""

import json

import pytest

import archcalc
from archcalc.workloads.training import train_figures

from helpers import ROOT
from torch_models import SPECS

FIXTURE = json.loads((ROOT / "tests/fixtures/training.json").read_text(encoding="utf-8"))["models"]
GPT = [name for name, entry in FIXTURE.items() if "flops" in entry]


def step(name: str, **options):
    config = FIXTURE[name]["config"]
    graph = archcalc.load(SPECS[config["kind"]](config))
    return train_figures(graph, archcalc.analyze(graph), **options)


@pytest.mark.parametrize("name", FIXTURE)
def test_activation_bytes_are_what_autograd_saves(name):
    assert step(name).memory.activation_bytes == FIXTURE[name]["saved_bytes"]


@pytest.mark.parametrize("name", GPT)
def test_selective_recompute_keeps_what_a_checkpointed_attention_core_keeps(name):
    assert step(name, recompute="attention").memory.activation_bytes == FIXTURE[name]["selective_saved_bytes"]


@pytest.mark.parametrize("name", GPT)
def test_full_recompute_holds_the_checkpoints_and_rebuilds_one_block(name):
    plan = step(name, recompute="full").recompute
    assert plan.held_bytes == FIXTURE[name]["checkpointed_saved_bytes"]
    assert plan.rebuilt_bytes == FIXTURE[name]["block_saved_bytes"]


@pytest.mark.parametrize("name", GPT)
def test_step_flops_are_torchs(name):
    # FlopCounterMode counts matrix products only: 2 FLOPs per MAC.
    assert 2 * step(name).macs_per_step == FIXTURE[name]["flops"]


@pytest.mark.parametrize("name", GPT)
def test_selective_recompute_reruns_the_score_product(name):
    # PyTorch's checkpoint of the attention core stops once the probabilities and the mask
    # exist again: the score product runs twice, the value product once (its output is kept).
    assert 2 * step(name, recompute="attention").macs_per_step == FIXTURE[name]["selective_flops"]


@pytest.mark.parametrize("name", GPT)
def test_checkpointed_step_reruns_the_blocks(name):
    # gpt_2x128 is the step: 486,539,264 FLOPs. Without dropout PyTorch's checkpoint
    # stops before each block's last projection (nothing after it keeps a tensor): 452,984,832.
    training = step(name, recompute="full")
    assert 2 * training.macs_per_step == FIXTURE[name]["checkpointed_flops"]
    assert training.recompute.recomputed == tuple(f"h.{i}" for i in range(FIXTURE[name]["config"]["layers"]))

