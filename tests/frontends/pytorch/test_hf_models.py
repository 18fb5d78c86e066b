"""Hugging Face models as PyTorch code: built by transformers from small configs of each family
(two layers, width 64) and read through the PyTorch door, their token ids given as
`SHAPE:int64`. Each is checked against PyTorch's own figures, computed here by torch_oracle.py
(params over the Parameters the forward uses, saved floating-point buffers, MACs =
FlopCounterMode's FLOPs / 2). The models are built on the CPU, small as they are: their
forward builds its attention mask from values, which the meta device does not hold.

transformers is not a test dependency: where it is missing these tests are skipped (CI does not
install it); run them by hand in an environment that has it (`pip install transformers`)."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="the PyTorch door needs torch"),
    pytest.mark.skipif(importlib.util.find_spec("transformers") is None,
                       reason="building Hugging Face models needs transformers (not a test dependency)"),
]

TEXT = dict(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=128, vocab_size=100,
            max_position_embeddings=32)
GROUPED = dict(TEXT, num_key_value_heads=2)
IMAGE = dict(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=128, image_size=32,
             patch_size=8)

# model_type -> the config's values (transformers' names); families with grouped-query attention
# (num_key_value_heads < heads: repeat_kv's copies), learned and rotary positions, factorised
# embeddings (albert, electra), a projection of the embeddings (opt), an image model (vit).
EXACT = {
    "gpt2": dict(n_layer=2, n_embd=64, n_head=4, vocab_size=100, n_positions=32),
    "bert": TEXT,
    "distilbert": dict(n_layers=2, dim=64, n_heads=4, hidden_dim=128, vocab_size=100, max_position_embeddings=32),
    "albert": dict(TEXT, embedding_size=32),
    "electra": dict(TEXT, embedding_size=32),
    "llama": GROUPED,
    "mistral": GROUPED,
    "qwen2": GROUPED,
    "qwen3": dict(GROUPED, head_dim=16),
    "starcoder2": GROUPED,
    "olmo": GROUPED,
    "stablelm": GROUPED,
    "gpt_neox": TEXT,
    "opt": dict(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, ffn_dim=128, vocab_size=100,
                max_position_embeddings=32, word_embed_proj_dim=64),
    "vit": IMAGE,
    "deit": IMAGE,                                   # two learned tokens in front: class and distillation
    "bloom": dict(n_layer=2, hidden_size=64, n_head=4, vocab_size=100),           # ALiBi: baddbmm
    "falcon": dict(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, vocab_size=100),   # x @ W.T
}

SEQ2SEQ = dict(encoder_layers=2, decoder_layers=2, d_model=64, encoder_attention_heads=4, decoder_attention_heads=4,
               encoder_ffn_dim=128, decoder_ffn_dim=128, vocab_size=100, max_position_embeddings=32)
# encoder-decoders: input_ids (16 tokens) and decoder_input_ids (8), given by name (the optional
# attention_mask between them left out)
ENCODER_DECODERS = {"bart": SEQ2SEQ, "mbart": SEQ2SEQ, "marian": dict(SEQ2SEQ, decoder_vocab_size=100, pad_token_id=0)}

# model_type -> (config, what the refusal names): each refused with one line naming module and op
REFUSED = {
    "mixtral": (dict(GROUPED, num_local_experts=4, num_experts_per_tok=2), "op aten.topk"),
    "gemma": (dict(GROUPED, head_dim=16), "computes with the parameter 'layers.0.input_layernorm.weight' alone"),
    "roberta": (dict(TEXT, pad_token_id=1), "op aten.ne"),
    "t5": (dict(num_layers=2, d_model=64, num_heads=4, d_ff=128, d_kv=16, vocab_size=100),
           "computes with the parameter 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'"),
}


def build(model_type: str, values: dict):
    from transformers import AutoConfig, AutoModel
    config = AutoConfig.for_model(model_type, use_cache=False, **values)   # no cache object in the output
    return AutoModel.from_config(config).eval()


def shape_of(model_type: str) -> tuple[tuple[int, ...], str | None]:
    return ((1, 3, 32, 32), None) if model_type in ("vit", "deit") else ((1, 16), "int64")


@pytest.mark.parametrize("model_type", sorted(EXACT))
def test_hugging_face_model_equals_pytorch(model_type):
    import archcalc
    from torch_oracle import Figures, torch_figures
    model = build(model_type, EXACT[model_type])
    shape, dtype = shape_of(model_type)
    report = archcalc.analyze(model, input=",".join(map(str, shape)) + (f":{dtype}" if dtype else ""))
    assert Figures(report.totals.params, report.totals.buffers, report.totals.macs) == \
        torch_figures(model, shape, dtype)


@pytest.mark.parametrize("model_type", sorted(set(EXACT) - {"vit", "deit"}))
def test_the_config_door_and_the_code_door_agree(model_type, tmp_path):
    # the same config read by the Hugging Face door (its own traits, no torch) and built by
    # transformers for the PyTorch door: two independent readings of one model
    import archcalc
    model = build(model_type, EXACT[model_type])
    model.config.to_json_file(tmp_path / "config.json")
    from_config = archcalc.analyze(tmp_path / "config.json", seq_len=16, head="base")
    from_code = archcalc.analyze(model, input="1,16:int64")
    assert (from_config.totals.params, from_config.totals.macs) == (from_code.totals.params, from_code.totals.macs)


@pytest.mark.parametrize("model_type", sorted(ENCODER_DECODERS))
def test_encoder_decoder_equals_pytorch(model_type):
    import archcalc
    from torch_oracle import Figures, torch_figures
    model = build(model_type, ENCODER_DECODERS[model_type])
    report = archcalc.analyze(model, input={"input_ids": "1,16:int64", "decoder_input_ids": "1,8:int64"})
    assert Figures(report.totals.params, report.totals.buffers, report.totals.macs) == \
        torch_figures(model, {"input_ids": (1, 16), "decoder_input_ids": (1, 8)}, "int64")


@pytest.mark.parametrize("model_type", sorted(REFUSED))
def test_what_the_door_cannot_hold_is_refused_in_one_line(model_type):
    import archcalc
    from archcalc.errors import SpecError
    values, said = REFUSED[model_type]
    with pytest.raises(SpecError) as refused:
        inputs = {"input_ids": "1,16:int64", "decoder_input_ids": "1,8:int64"} if model_type == "t5" else "1,16:int64"
        archcalc.analyze(build(model_type, values), input=inputs)
    assert said in str(refused.value) and "\n" not in str(refused.value)
