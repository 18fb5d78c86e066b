"""The models of tests/fixtures/make_training_fixtures.py, written as archcalc specs from the
configuration the fixture records beside its figures."""


def gpt_spec(c: dict) -> dict:
    block = [{"type": "layernorm", "name": "ln_1"},
             {"type": "attention", "name": "attn", "heads": c["heads"], "dropout": c["dropout"]},
             {"type": "dropout", "name": "attn_drop", "rate": c["dropout"]},
             {"type": "add", "name": "attn_residual", "inputs": ["attn_drop", "in"]},
             {"type": "layernorm", "name": "ln_2"},
             {"type": "dense", "name": "fc", "units": 4 * c["dim"]},
             {"type": "gelu"},
             {"type": "dense", "name": "proj", "units": c["dim"]},
             {"type": "dropout", "name": "mlp_drop", "rate": c["dropout"]},
             {"type": "add", "inputs": ["mlp_drop", "attn_residual"]}]
    return {"name": "gpt", "input": [c["tokens"]], "batch": c["batch"], "blocks": {"block": block},
            "layers": [{"type": "embedding", "name": "wte", "vocab": c["vocab"], "dim": c["dim"]},
                       {"type": "position_embedding", "name": "wpe"},
                       {"type": "dropout", "name": "drop", "rate": c["dropout"]},
                       {"type": "block", "name": "h", "repeat": c["layers"]},
                       {"type": "layernorm", "name": "ln_f"},
                       {"type": "dense", "name": "head", "units": c["vocab"], "bias": False}]}


def mlp_spec(c: dict) -> dict:
    return {"name": "mlp", "input": [c["tokens"], c["dim"]], "batch": c["batch"],
            "layers": [{"type": "dense", "units": 4 * c["dim"]}, {"type": "gelu"},
                       {"type": "dense", "units": c["dim"]}, {"type": "dropout", "rate": c["dropout"]}]}


SPECS = {"gpt": gpt_spec, "mlp": mlp_spec}
