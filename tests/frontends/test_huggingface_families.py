"""Hugging Face families read by traits: the Q/K norms, latent attention, the experts, the layouts and
heads each family adds (every figure against transformers' recorded counts or a hand derivation),
the docs' table kept to the recorded figures, and the refusals of families not read."""

import json
import re

import pytest

import archcalc
from archcalc.errors import SpecError
from archcalc.verify import verify

from helpers import ROOT

HF = ROOT / "tests" / "fixtures" / "hf"
# transformers' counts, recorded by tests/fixtures/make_hf_fixtures.py (see test_huggingface.py)
EXPECTED = json.loads((ROOT / "tests" / "fixtures" / "hf_expected.json").read_text())
TINY_LLAMA = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 16,
              "intermediate_size": 24, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2,
              "vocab_size": 50, "max_position_embeddings": 64, "tie_word_embeddings": True}


def test_mbart_names_the_buffer_it_leaves_out():
    notes = archcalc.load(HF / "mbart-large-50.json").notes
    assert any("final_logits_bias, a saved buffer of 250,054 values" in note for note in notes)


def test_deepseek_v3_names_the_buffer_it_leaves_out():
    assert EXPECTED["deepseek-v3.json"]["buffers"] == 14_848
    notes = archcalc.load(HF / "deepseek-v3.json").notes
    assert any("e_score_correction_bias, a saved buffer of 256 values in each of the 58 MoE layers' routers "
               "(14,848 in all)" in note for note in notes)


def test_umt5_has_a_position_table_in_every_self_attention():
    # transformers 5.25's UMT5LayerSelfAttention builds each with has_relative_attention_bias=True: 8 encoder
    # and 8 decoder layers, 32 buckets × 6 heads each; cross-attention has none
    nodes = archcalc.load(HF / "umt5-small.json").nodes
    tables = [n.args["relative_position_bias"] for n in nodes if n.type == "attention"]
    assert tables.count(("buckets", 32)) == 16 and len(tables) == 24


def test_mt5_head_as_loaded():
    # mT5's config says tie_word_embeddings false; transformers 5's MT5Config ties it anyway when it
    # builds from the config, and `from_pretrained` unties it again because mt5-small's checkpoint holds
    # a head of its own: the loaded model has one 250,112 × 512 table more (the published 300 M), which is
    # what the fixture records and what archcalc counts
    expected = EXPECTED["mt5-small.json"]
    assert expected["params"] - expected["params_from_config"] == 250_112 * 512
    assert archcalc.analyze(HF / "mt5-small.json").totals.params == 300_176_768


def test_command_r7b_rotates_on_its_local_layers_only():
    # transformers 5.25's Cohere2Attention applies RoPE only when the layer has a sliding window: every
    # 4th of the 32 layers (sliding_window_pattern 4) is global and has no positions at all
    nodes = [n for n in archcalc.load(HF / "command-r7b-12-2024.json").nodes if n.type == "attention"]
    assert [n.args["position"] for n in nodes] == ["rope", "rope", "rope", "none"] * 8
    assert [n.args["sliding_window"] for n in nodes] == [4096, 4096, 4096, None] * 8


TINY_DEEPSEEK = {**TINY_LLAMA, "model_type": "deepseek_v2", "architectures": ["DeepseekV2ForCausalLM"],
                 "tie_word_embeddings": False, "kv_lora_rank": 8, "q_lora_rank": None, "qk_nope_head_dim": 4,
                 "qk_rope_head_dim": 2, "v_head_dim": 4, "n_routed_experts": 4, "num_experts_per_tok": 2,
                 "moe_intermediate_size": 6, "n_shared_experts": 2, "first_k_dense_replace": 1}


def test_tiny_deepseek_by_hand(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(TINY_DEEPSEEK))
    totals = archcalc.analyze(path, seq_len=4, context=10).totals
    # latent attention: Q 16·4·(4+2) = 384, latent and shared key 16·(8+2) = 160, its norm 8,
    # up-projection 8·4·(4+4) = 256, output 4·4·16 = 256: 1,064; two norms of 16: 32
    # layer 0 dense (first_k_dense_replace 1): MLP 3·16·24 = 1,152 -> 2,248
    # layer 1 MoE: router 16·4 = 64, 4 experts of 3·16·6 = 288, 2 shared experts as one MLP of
    # 3·16·12 = 576: 1,792 -> 2,888 (active: 2 experts: 64 + 576 + 576 = 1,216 -> 2,312)
    # embed 800 + head 800 + final norm 16 = 1,616
    assert (totals.params, totals.active_params) == (1616 + 2248 + 2888, 1616 + 2248 + 2312)
    # the KV cache keeps the latent and the shared rotated key: 2 layers × (8 + 2) × 4 bytes (float32)
    assert totals.decoding.kv_cache_bytes_per_token == 2 * 10 * 4
    assert verify(archcalc.load(path, seq_len=4)).agrees


TINY = {"hidden_size": 16, "intermediate_size": 24, "num_attention_heads": 4, "num_hidden_layers": 2,
        "vocab_size": 50, "max_position_embeddings": 64}


@pytest.mark.parametrize("config", [
    # one tiny model per layout and trait the rows combine: the reference pass agrees with the rules
    {**TINY, "model_type": "gpt_neox", "architectures": ["GPTNeoXForCausalLM"]},            # parallel, two norms
    {**TINY, "model_type": "phi", "architectures": ["PhiForCausalLM"]},                     # parallel, one norm
    {**TINY, "model_type": "falcon", "hidden_dropout": 0.1, "architectures": ["FalconForCausalLM"]},   # multi-query
    {**TINY, "model_type": "bloom", "n_layer": 2, "n_head": 4, "architectures": ["BloomForCausalLM"]},   # ALiBi
    {**TINY, "model_type": "opt", "ffn_dim": 24, "architectures": ["OPTForCausalLM"]},      # learned positions + 2
    {**TINY, "model_type": "cohere", "architectures": ["CohereForCausalLM"]},               # norms without shift
    {**TINY, "model_type": "olmo", "architectures": ["OlmoForCausalLM"]},                   # norms learning nothing
    {**TINY, "model_type": "qwen2_moe", "architectures": ["Qwen2MoeForCausalLM"], "num_experts": 4,
     "num_experts_per_tok": 2, "moe_intermediate_size": 8, "shared_expert_intermediate_size": 12},
    {**TINY, "model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"], "num_key_value_heads": 2},   # Q/K norms
    {**TINY, "model_type": "qwen3_moe", "architectures": ["Qwen3MoeForCausalLM"], "num_experts": 4,
     "num_experts_per_tok": 2, "moe_intermediate_size": 8},
    {**TINY, "model_type": "olmo2", "architectures": ["Olmo2ForCausalLM"], "num_key_value_heads": 2},   # post-norm
    {**TINY, "model_type": "gemma3_text", "architectures": ["Gemma3ForCausalLM"], "sliding_window": 2,
     "sliding_window_pattern": 2},                                                      # sandwich, Q/K norms, windows
    {**TINY, "model_type": "deepseek_v3", "architectures": ["DeepseekV3ForCausalLM"], "kv_lora_rank": 6,
     "q_lora_rank": 5, "qk_nope_head_dim": 2, "qk_rope_head_dim": 2, "v_head_dim": 3, "n_routed_experts": 4,
     "num_experts_per_tok": 2, "moe_intermediate_size": 6, "n_shared_experts": 1, "first_k_dense_replace": 1},
    {**TINY, "model_type": "cohere", "architectures": ["CohereForCausalLM"], "use_qk_norm": True},   # per-head Q/K norms
    {**TINY, "model_type": "stablelm", "architectures": ["StableLmForCausalLM"], "qk_layernorm": True,
     "use_parallel_residual": True},
    {**TINY, "model_type": "cohere2", "architectures": ["Cohere2ForCausalLM"], "sliding_window": 2},  # global: no RoPE
    {**TINY, "model_type": "olmoe", "architectures": ["OlmoeForCausalLM"], "num_experts": 4, "num_experts_per_tok": 2},
    {**TINY, "model_type": "glm4", "architectures": ["Glm4ForCausalLM"], "num_key_value_heads": 2},
    {"model_type": "mbart", "d_model": 16, "encoder_ffn_dim": 24, "decoder_ffn_dim": 24, "encoder_attention_heads": 4,
     "decoder_attention_heads": 4, "encoder_layers": 2, "decoder_layers": 2, "vocab_size": 30,
     "max_position_embeddings": 16, "dropout": 0.1, "architectures": ["MBartForConditionalGeneration"]},   # pre-norm
    {**TINY, "model_type": "gpt_oss", "architectures": ["GptOssForCausalLM"], "num_key_value_heads": 2,
     "num_local_experts": 4, "num_experts_per_tok": 2, "sliding_window": 2,
     "layer_types": ["sliding_attention", "full_attention"]},                           # sinks, biased experts
    {**TINY, "model_type": "modernbert", "architectures": ["ModernBertForMaskedLM"], "norm_bias": True,
     "attention_dropout": 0.1},                                                         # pre-norm, first layer bare
    {**TINY, "model_type": "falcon", "architectures": ["FalconForCausalLM"], "new_decoder_architecture": True,
     "num_kv_heads": 2},                                                                # grouped, two norms
    {**TINY, "model_type": "xlm-roberta-xl", "architectures": ["XLMRobertaXLForMaskedLM"],
     "hidden_dropout_prob": 0.1},                                                       # pre-norm encoder
    {"model_type": "dbrx", "architectures": ["DbrxForCausalLM"], "d_model": 16, "n_heads": 4, "n_layers": 2,
     "max_seq_len": 64, "vocab_size": 50, "attn_config": {"kv_n_heads": 2, "clip_qkv": 8},
     "ffn_config": {"ffn_hidden_size": 24, "moe_num_experts": 4, "moe_top_k": 2}},        # settings nested
    {**TINY, "model_type": "biogpt", "architectures": ["BioGptForCausalLM"]},            # learned positions + 2
    {"model_type": "umt5", "architectures": ["UMT5ForConditionalGeneration"], "d_model": 8, "d_kv": 4, "num_heads": 2,
     "d_ff": 16, "num_layers": 2, "vocab_size": 20, "relative_attention_num_buckets": 4,
     "feed_forward_proj": "gated-gelu"},                                                 # a table in every layer
    {**TINY, "model_type": "albert", "embedding_size": 8, "architectures": ["AlbertForMaskedLM"]},   # shared layers
    {**TINY, "model_type": "electra", "embedding_size": 8, "architectures": ["ElectraForMaskedLM"]},
    {**TINY, "model_type": "distilbert", "dim": 16, "hidden_dim": 24, "n_heads": 4, "n_layers": 2,
     "architectures": ["DistilBertForMaskedLM"]},
    {"model_type": "bart", "d_model": 16, "encoder_ffn_dim": 24, "decoder_ffn_dim": 24, "encoder_attention_heads": 4,
     "decoder_attention_heads": 4, "encoder_layers": 2, "decoder_layers": 2, "vocab_size": 30,
     "max_position_embeddings": 16, "dropout": 0.1, "architectures": ["BartForConditionalGeneration"]},
], ids=lambda config: config["model_type"])
def test_tiny_rows_verified(tmp_path, config):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert verify(archcalc.load(path, seq_len=5)).agrees


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_docs_table_gives_the_recorded_figures(name):
    # each fixture's row: its model_type, the checkpoint and transformers' count as recorded
    kind = json.loads((HF / name).read_text())["model_type"]
    expected = EXPECTED[name]
    row = f"| `{kind}` | {expected['checkpoint']} | {expected['params']:,}"
    assert row + (f" ({expected['active_params']:,} active)" if "active_params" in expected else "") \
        in (ROOT / "docs" / "importing.md").read_text()


def test_known_neighbours_are_refused_types_pointing_at_read_ones():
    # a family listed as known-but-refused must not be read, and its closest type must be one that is
    from archcalc.frontends.huggingface import supported
    from archcalc.frontends.huggingface.traits import NEIGHBOURS
    assert set(NEIGHBOURS) & set(supported()) == set()
    assert {near for near, _ in NEIGHBOURS.values() if near} <= set(supported())


def test_falcon_new_decoder_architecture(tmp_path):
    # Falcon-40B (new_decoder_architecture): 8 grouped K/V heads, attention and MLP side by side on two
    # LayerNorms (ln_attn, ln_mlp); exact against transformers' count, recorded
    assert archcalc.analyze(HF / "falcon-40b.json").totals.params == EXPECTED["falcon-40b.json"]["params"]
    # with num_ln_in_parallel_attn 1 both read one norm: one LayerNorm of 8,192 scales and shifts fewer in
    # each of the 60 layers
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads((HF / "falcon-40b.json").read_text()), "num_ln_in_parallel_attn": 1}))
    assert archcalc.analyze(path).totals.params == EXPECTED["falcon-40b.json"]["params"] - 60 * 2 * 8192
    path.write_text(json.dumps({**json.loads((HF / "falcon-40b.json").read_text()), "num_ln_in_parallel_attn": 3}))
    with pytest.raises(SpecError, match="config key 'num_ln_in_parallel_attn' must be 1 or 2, got 3"):
        archcalc.load(path)


def test_a_zero_query_rank_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**TINY_DEEPSEEK, "q_lora_rank": 0}))
    with pytest.raises(SpecError, match="config key 'q_lora_rank' must be an integer from 1 to 2"):
        archcalc.load(path)


def test_gemma_3_windows_and_query_key_norms():
    # gemma-3-1b-pt: sliding_window 512 and sliding_window_pattern 6: of its 26 layers every 6th is global
    # (Gemma3TextConfig's layer_types), and every attention normalises Q and K with an RMSNorm of the head's
    # width, 256 (q_norm, k_norm in transformers 5.25's Gemma3Attention)
    nodes = [n for n in archcalc.load(HF / "gemma-3-1b-pt.json").nodes if n.type == "attention"]
    assert [n.args["sliding_window"] for n in nodes] == ([512] * 5 + [None]) * 4 + [512] * 2
    assert {(n.args["qk_norm"], n.args["qk_norm_span"] or "head") for n in nodes} == {("rmsnorm", "head")}
    notes = archcalc.load(HF / "gemma-3-1b-pt.json").notes
    assert any("sliding window of 512 positions on 22 of 26 layers" in note for note in notes)


@pytest.mark.parametrize("change, message", [
    ({"attn_config": [8]}, "config key 'attn_config' must be a mapping, got list [8]"),
    ({"ffn_config": {"ffn_hidden_size": 10752, "moe_num_experts": 16, "moe_top_k": 4,
                     "ffn_act_fn": {"name": "gelu"}}},
     "config key 'ffn_act_fn' names the activation string 'gelu': model_type 'dbrx' is read with silu only"),
])
def test_dbrx_nested_settings_checked(tmp_path, change, message):
    # DBRX keeps its attention's and experts' settings in attn_config and ffn_config, read as the config's own
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads((HF / "dbrx-base.json").read_text()), **change}))
    with pytest.raises(SpecError, match=re.escape(message)):
        archcalc.load(path)
