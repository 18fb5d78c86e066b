"""Fuzzing the model-file doors: mutated ONNX graphs and JSON configs end in a result or
`error:` lines, never a crash (exit 3). Longer runs: benchmarks/fuzz_onnx.py, fuzz_configs.py."""

import json
import random

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.cli import cli

from fuzzing import outcome_is_clean
from fuzzing_models import config_fixtures, mutate_config, mutate_onnx, onnx_fixtures

CONFIGS = {path.name: json.loads(path.read_text()) for path in config_fixtures()}


def analyze(path):
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
    return result.exit_code, result.stdout, result.stderr


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CONFIGS)), st.integers(0, 2**32))
def test_mutated_configs(tmp_path_factory, name, seed):
    data, rng = json.loads(json.dumps(CONFIGS[name])), random.Random(seed)
    for _ in range(1 + seed % 3):
        mutate_config(data, rng)
    path = tmp_path_factory.mktemp("config") / "config.json"
    path.write_text(json.dumps(data))
    status, stdout, stderr = analyze(path)
    assert outcome_is_clean(status, stdout, stderr), (name, seed, status, stderr)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32))
def test_mutated_onnx_graphs(tmp_path_factory, seed):
    onnx = pytest.importorskip("onnx")
    rng = random.Random(seed)
    model = onnx.load(str(rng.choice(onnx_fixtures())))
    mutate_onnx(model, rng)
    path = tmp_path_factory.mktemp("onnx") / "model.onnx"
    onnx.save(model, str(path))
    status, stdout, stderr = analyze(path)
    assert outcome_is_clean(status, stdout, stderr), (seed, status, stderr)
