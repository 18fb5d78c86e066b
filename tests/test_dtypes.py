"""Dtypes: bits per element, mappings for weights/activations/KV cache, bytes rounded per tensor."""

import pytest

import archcalc
from archcalc.dtypes import Dtypes, nbytes, parse_dtype
from archcalc.errors import ArgumentError, SpecError


@pytest.mark.parametrize("elements, dtype, expected", [
    (10, "float32", 40), (10, "bfloat16", 20), (10, "float8", 10), (10, "int4", 5), (3, "int4", 2), (1, "int4", 1),
])
def test_nbytes_rounds_up_per_tensor(elements, dtype, expected):
    assert nbytes(elements, dtype) == expected


@pytest.mark.parametrize("value, expected", [
    ("bfloat16", Dtypes("bfloat16", "bfloat16", "bfloat16")),
    ({"weights": "int4", "activations": "bfloat16", "kv_cache": "float8"}, Dtypes("int4", "bfloat16", "float8", False)),
    ({"weights": "int4"}, Dtypes("int4", "float32", "float32", False)),          # KV cache follows activations
    ("weights=int4,activations=bfloat16", Dtypes("int4", "bfloat16", "bfloat16", False)),
    # the short names of PyTorch configs and training scripts read as the full name
    ("bf16", Dtypes("bfloat16", "bfloat16", "bfloat16")),
    ("FP16", Dtypes("float16", "float16", "float16")),
    ("half", Dtypes("float16", "float16", "float16")),
    ("fp32", Dtypes("float32", "float32", "float32")),
    ("double", Dtypes("float64", "float64", "float64")),
    ("fp8", Dtypes("float8", "float8", "float8")),
    ("weights=int4,activations=bf16", Dtypes("int4", "bfloat16", "bfloat16", False)),
    ({"weights": "fp16", "kv_cache": "fp8"}, Dtypes("float16", "float32", "float8", False)),
])
def test_parse(value, expected):
    assert parse_dtype(value) == expected


@pytest.mark.parametrize("value, message", [
    ("int3", "unknown dtype string 'int3'"),
    ({"weight": "int4"}, "unknown dtype part 'weight'"),
    ("weights:int4,x", "unknown dtype string 'weights:int4,x'"),
])
def test_parse_errors(value, message):
    with pytest.raises(ArgumentError, match=message):
        parse_dtype(value)


def test_memory_uses_each_part():
    spec = {"input": [8], "dtype": {"weights": "int4", "activations": "bfloat16"},
            "layers": [{"type": "dense", "units": 3}]}
    report = archcalc.analyze_mapping(spec)
    memory = report.totals.memory
    # weights: 8·3 + 3 = 27 int4 values -> 14 bytes; activations: output 3 bfloat16 -> 6 bytes;
    # peak: input 8 + output 3 alive together: 11 bfloat16 -> 22 bytes
    assert (memory.params_bytes, memory.activations_bytes, memory.peak_activation_bytes) == (14, 6, 22)
    data = report.to_dict()
    assert data["dtype"] == {"weights": "int4", "activations": "bfloat16", "kv_cache": "bfloat16"}
    assert (data["layers"][0]["params_bytes"], data["layers"][0]["activation_bytes"]) == (14, 6)


def test_a_plain_dtype_stays_a_string_in_json():
    data = archcalc.analyze_mapping({"input": [4], "dtype": "float8", "layers": ["relu"]}).to_dict()
    assert data["dtype"] == "float8"


def test_dtype_option_overrides(tmp_path):
    report = archcalc.analyze_mapping({"input": [4], "layers": [{"type": "dense", "units": 2}]}, dtype="int4")
    assert report.totals.memory.params_bytes == 5          # 10 int4 values
    with pytest.raises(SpecError, match="unknown dtype"):
        archcalc.analyze_mapping({"input": [4], "dtype": "fp4", "layers": ["relu"]})
