"""Hugging Face config.json -> spec: published parameter counts reproduced from the configs alone.

The configs under tests/fixtures/hf/ are the models' own config.json files as published on
the Hugging Face hub (ViT's id2label list written out by count), except gemma-2-2b.json and
phi-3-mini-4k.json: transformers 5.24's Gemma2Config() and Phi3Config() written out with
`to_dict()` (their defaults are those two models' configs). Expected counts are the published
figures, each with its source; tests/fixtures/make_hf_fixtures.py recomputes them with
transformers (run by hand, never in CI; on 2026-11-25 with transformers 5.24 it printed
every count below).
"""

import json
import re

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.errors import SpecError
from archcalc.verify import verify

from helpers import ROOT

HF = ROOT / "tests" / "fixtures" / "hf"
# the model types the door reads (listed here, not asked of the door, so a type lost fails)
SUPPORTED = ("albert, bart, bert, biogpt, bloom, camembert, codegen, cohere, cohere2, data2vec-text, dbrx, "
             "deepseek_v2, deepseek_v3, distilbert, electra, ernie4_5, falcon, gemma, gemma2, gemma3_text, glm, "
             "glm4, gpt2, gpt_bigcode, gpt_neo, gpt_neox, gpt_oss, gptj, granite, granitemoe, helium, llama, "
             "mbart, ministral, ministral3, mistral, mixtral, modernbert, mt5, olmo, olmo2, olmoe, opt, phi, "
             "phi3, phimoe, qwen2, qwen2_moe, qwen3, qwen3_moe, roberta, seed_oss, smollm3, stablelm, starcoder2, "
             "t5, umt5, vit, xlm-roberta, xlm-roberta-xl")
COUNT = str(len(SUPPORTED.split(", ")))

PUBLISHED = [
    # file, head, params, active params, source
    ("gpt2.json", None, 124_439_808, None),                # GPT-2 small, GPT2LMHeadModel with the tied head
    ("bert-base-uncased.json", None, 109_514_298, None),   # BertForMaskedLM (the config's architecture)
    ("bert-base-uncased.json", "base", 109_482_240, None),  # BertModel with its pooler: "110M" in the BERT paper
    ("llama-3-8b.json", None, 8_030_261_248, None),        # Meta-Llama-3-8B model card: 8.03 B
    ("mistral-7b-v0.1.json", None, 7_241_732_096, None),   # Mistral-7B-v0.1: 7.24 B
    ("mixtral-8x7b-v0.1.json", None, 46_702_792_704, 12_879_925_248),   # Mixtral paper: 46.7 B total, 12.9 B active
    ("t5-small.json", None, 60_506_624, None),             # t5-small: "60 M" (T5 paper), the tied-head count
    ("gemma-2b.json", None, 2_506_172_416, None),          # Gemma 2B: 2.51 B (Gemma report, embeddings included)
    ("qwen2-0.5b.json", None, 494_032_768, None),          # Qwen2-0.5B: 0.49 B with tied embeddings
    ("vit-base-patch16-224.json", None, 86_567_656, None), # = torchvision's vit_b_16 num_params
    ("gemma-2-2b.json", None, 2_614_341_888, None),        # Gemma 2 2B: "2.6B" (Gemma 2 report); transformers' count
    ("phi-3-mini-4k.json", None, 3_821_079_552, None),     # Phi-3-mini: "3.8B" (Phi-3 report); transformers' count
]


# transformers' own counts, recorded by tests/fixtures/make_hf_fixtures.py (run by hand in an
# environment of its own; each entry names the checkpoint, the class and transformers' version)
EXPECTED = json.loads((ROOT / "tests" / "fixtures" / "hf_expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_equal_transformers(name):
    expected = EXPECTED[name]
    report = archcalc.analyze(HF / name)
    assert (report.totals.params, report.totals.active_params) == \
        (expected["params"], expected.get("active_params", expected["params"]))
    # no persistent buffer in any of these models as their architectures build them but DeepSeek-V3's and
    # mBART's (each named in a note, below): archcalc counts none
    assert expected["buffers"] == NOTED_BUFFERS.get(name, 0)


@pytest.mark.parametrize("name, head", [(name, head) for name in sorted(EXPECTED)
                                        for head in EXPECTED[name].get("heads", {})])
def test_other_heads_equal_transformers(name, head):
    expected = EXPECTED[name]["heads"][head]
    assert archcalc.analyze(HF / name, head=head).totals.params == expected["params"]


# DeepSeek-V3's routers each save e_score_correction_bias, one value per routed expert (256), in
# the 61 - 3 MoE layers: a buffer, not a parameter; the note names it and archcalc leaves it out
# mBART's generation head saves final_logits_bias, one value per vocabulary entry, as BART's does
NOTED_BUFFERS = {"deepseek-v3.json": 256 * 58, "mbart-large-50.json": 250_054}


def test_bart_names_the_buffer_it_leaves_out():
    # BartForConditionalGeneration saves final_logits_bias (one value per token of the vocabulary):
    # a buffer, not a parameter; archcalc says so rather than counting it
    assert EXPECTED["bart-base.json"]["heads"]["seq2seq"]["buffers"] == 50265
    notes = archcalc.load(HF / "bart-base.json", head="seq2seq").notes
    assert any("final_logits_bias, a saved buffer of 50,265 values" in note for note in notes)


def test_every_fixture_has_transformers_figures():
    assert sorted(EXPECTED) == sorted(path.name for path in HF.glob("*.json"))


def test_every_model_type_has_a_fixture():
    types = {json.loads(path.read_text())["model_type"] for path in HF.glob("*.json")}
    assert sorted(types) == SUPPORTED.split(", ")


@pytest.mark.parametrize("name, head, params, active", PUBLISHED)
def test_published_counts(name, head, params, active):
    report = archcalc.analyze(HF / name, **({"head": head} if head else {}))
    assert report.totals.params == params
    assert report.totals.active_params == (params if active is None else active)


def test_vit_macs_match_torchvision():
    # torchvision publishes 17.56 GFLOPS (MACs) for vit_b_16, the same network at 224×224
    assert round(archcalc.analyze(HF / "vit-base-patch16-224.json").totals.macs / 1e9, 2) == 17.56


def test_seq_len_sets_t_and_leaves_params():
    short = archcalc.analyze(HF / "gpt2.json", seq_len=8)
    long = archcalc.analyze(HF / "gpt2.json", seq_len=16)
    assert short.layers[0].output_shape == (8, 768) and short.totals.params == long.totals.params
    # per token the weighted layers cost the same; the attention products grow with T²:
    # 12 layers × 2·T²·768 more at T = 16 than twice T = 8: 12·2·768·(256 - 2·64)
    assert long.totals.macs - 2 * short.totals.macs == 12 * 2 * 768 * (256 - 2 * 64)


TINY_LLAMA = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 16,
              "intermediate_size": 24, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2,
              "vocab_size": 50, "max_position_embeddings": 64, "tie_word_embeddings": True}


def test_tiny_llama_by_hand_and_verified(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(TINY_LLAMA))
    graph = archcalc.load(path, seq_len=6)
    report = archcalc.analyze(graph)
    # embed 50·16 = 800; per layer: q 16·16, k 16·8, v 16·8, o 16·16 = 768; MLP 3·16·24 = 1,152;
    # 2 norms of 16: 1,952; two layers 3,904; final norm 16; tied head 0: 4,720
    assert report.totals.params == 4720
    assert verify(graph).agrees


def test_tiny_mixtral_active_params(tmp_path):
    config = {**TINY_LLAMA, "model_type": "mixtral", "architectures": ["MixtralForCausalLM"],
              "num_local_experts": 4, "num_experts_per_tok": 2, "tie_word_embeddings": False}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    totals = archcalc.analyze(path, seq_len=4).totals
    # per layer: attention 768, norms 32, router 16·4 = 64, 4 experts of 1,152: 5,472 (active: 2 experts: 3,168)
    # embed 800 + head 800 + final norm 16 = 1,616
    assert (totals.params, totals.active_params) == (1616 + 2 * 5472, 1616 + 2 * 3168)
    assert verify(archcalc.load(path, seq_len=4)).agrees


def test_tiny_t5_verified(tmp_path):
    config = {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"], "d_model": 8, "d_kv": 4,
              "num_heads": 2, "d_ff": 16, "num_layers": 2, "vocab_size": 20, "relative_attention_num_buckets": 4}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert verify(archcalc.load(path, seq_len=3)).agrees


@pytest.mark.parametrize("text, message", [
    # an unknown type names the supported ones nearest in spelling, then all of them
    ('{"model_type": "bloomz"}', "model_type 'bloomz' is not supported (closest: bloom; docs/importing.md lists the " + COUNT + " supported)"),
    # a family known to differ says how, and names the supported type closest in architecture
    ('{"model_type": "deberta-v2"}', "model_type 'deberta-v2' is not supported (disentangled relative-position "
     "attention has no rule here; closest: bert; docs/importing.md lists the " + COUNT + " supported)"),
    ('{"model_type": "mamba"}', "model_type 'mamba' is not supported (state-space layers have no rule here; "
     "docs/importing.md lists the " + COUNT + " supported)"),
    ('{"model_type": "lama"}', "model_type 'lama' is not supported (closest: llama; docs/importing.md lists the " + COUNT + " supported)"),
    ('{"model_type": "gpt2", "n_embd": 8}', "config has no 'vocab_size' (needed for model_type 'gpt2')"),
    ('{"model_type": "gpt2",\n  "n_embd": 8,,}', "2:15: not valid JSON: Expecting property name enclosed in double quotes"),
    # mistyped values (each was an internal error, exit 3, before; found by fuzzing the fixtures)
    ('{"model_type": ["llama"]}', "model_type ['llama'] is not supported (docs/importing.md lists the " + COUNT + " supported)"),
    ('{"model_type": "llama", "hidden_size": "4096", "vocab_size": 8}',
     "config key 'hidden_size' must be an integer from 1 to 2^62, got string '4096'"),
    ('{"model_type": "llama", "hidden_size": 8, "vocab_size": 8, "num_attention_heads": 2, "hidden_act": 1,'
     ' "intermediate_size": 8, "num_hidden_layers": 1}', "config key 'hidden_act' must be a string, got integer 1"),
    ('{"model_type": "llama", "hidden_size": 8, "vocab_size": 8, "num_attention_heads": 2, "head_dim": true,'
     ' "intermediate_size": 8, "num_hidden_layers": 1}',
     "config key 'head_dim' must be an integer from 0 to 2^62, got boolean true"),
])
def test_bad_configs(tmp_path, text, message):
    path = tmp_path / "config.json"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    sep = ":" if message[0].isdigit() else ": "
    assert (result.exit_code, result.stderr) == (2, f"error: {path}{sep}{message}\n")


def test_unknown_head(tmp_path):
    result = CliRunner().invoke(cli, ["analyze", str(HF / "gpt2.json"), "--head", "pooler"])
    assert result.exit_code == 2
    assert "--head 'pooler' is not one of base, causal-lm, masked-lm, seq2seq, classification" in result.stderr


def test_import_writes_a_spec_that_analyses_to_the_same_figures(tmp_path):
    out = tmp_path / "llama.yaml"
    result = CliRunner().invoke(cli, ["import", str(HF / "llama-3-8b.json"), "-o", str(out), "--seq-len", "128"])
    assert result.exit_code == 0
    text = out.read_text()
    assert text.startswith(f"# Imported from {HF / 'llama-3-8b.json'} by archcalc ")
    assert archcalc.analyze(out).totals.params == 8_030_261_248


@pytest.mark.parametrize("config, rates", [
    # GPT-2: attn_pdrop on the probabilities; resid_pdrop after both sublayers, embd_pdrop after the embeddings
    ("gpt2.json", {"attention": [0.1] * 12, "dropout": [0.1] * 25}),
    # BERT: attention_probs_dropout_prob; hidden_dropout_prob after both sublayers and the embeddings
    ("bert-base-uncased.json", {"attention": [0.1] * 12, "dropout": [0.1] * 25}),
    # T5: dropout_rate on the probabilities (6 encoder self, 6 decoder self and 6 cross), after
    # every sublayer and the feed-forward's hidden units, and after both embeddings
    ("t5-small.json", {"attention": [0.1] * 18, "dropout": [0.1] * (6 * 3 + 6 * 4 + 2)}),
    # rate 0 (Llama, ViT as published): no dropout anywhere
    ("llama-3-8b.json", {"attention": [0.0] * 32, "dropout": []}),
    ("vit-base-patch16-224.json", {"attention": [0.0] * 12, "dropout": []}),
])
def test_dropout_rates_come_from_the_config(config, rates):
    graph = archcalc.load(HF / config)
    found = {"attention": [n.args["dropout"] for n in graph.nodes if n.type == "attention"],
             "dropout": [n.args["rate"] for n in graph.nodes if n.type == "dropout"]}
    assert found == rates


def test_a_dropout_rate_out_of_range_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads((HF / "gpt2.json").read_text()), "resid_pdrop": 1.5}))
    with pytest.raises(SpecError, match="config key 'resid_pdrop' must be a dropout rate from 0 to below 1, got number 1.5"):
        archcalc.load(path)


def _windows(path):
    return [node.args["sliding_window"] for node in archcalc.load(path).nodes if node.type == "attention"]


def test_qwen2_use_sliding_window(tmp_path):
    config = json.loads((HF / "qwen2-0.5b.json").read_text())
    # the published config: sliding_window 131072 but use_sliding_window false: full attention
    assert config["use_sliding_window"] is False and _windows(HF / "qwen2-0.5b.json") == [None] * 24
    # switched on: the layers from max_window_layers on slide (transformers' Qwen2Config)
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**config, "use_sliding_window": True, "sliding_window": 512, "max_window_layers": 20}))
    assert _windows(path) == [None] * 20 + [512] * 4


TINY_MISTRAL = {**TINY_LLAMA, "model_type": "mistral", "architectures": ["MistralForCausalLM"], "num_hidden_layers": 4}


@pytest.mark.parametrize("extra, windows", [
    ({"sliding_window": None}, [None] * 4),          # Mistral-7B v0.2 / v0.3: full attention
    ({}, [4096] * 4),                                 # MistralConfig's default when the key is absent
    ({"sliding_window": 16}, [16] * 4),               # v0.1: every layer
    ({"sliding_window": 16, "layer_types": ["full_attention", "sliding_attention"] * 2}, [None, 16] * 2),
    ({"sliding_window": 16, "sliding_window_pattern": 2}, [16, None] * 2),   # every 2nd layer global
    ({"model_type": "llama", "sliding_window": 16}, [None] * 4),   # LlamaAttention has no window
    # sliding layers without a window: transformers builds them with full attention (and a note says so)
    ({"sliding_window": None, "layer_types": ["sliding_attention"] * 4}, [None] * 4),
    ({"model_type": "qwen2", "sliding_window": 8, "layer_types": ["sliding_attention"] * 4}, [None] * 4),
])
def test_config_windows(tmp_path, extra, windows):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**TINY_MISTRAL, **extra}))
    assert _windows(path) == windows


@pytest.mark.parametrize("extra, windows", [
    ({}, [None, 256] * 12),       # GPTNeoConfig's attention_layers: global, local, … (window_size 256)
    ({"attention_layers": None, "attention_types": [[["local"], 4], [["global", "local"], 10]]},
     [256] * 4 + [None, 256] * 10),
])
def test_gpt_neo_windows(tmp_path, extra, windows):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads((HF / "gpt-neo-1.3b.json").read_text()), **extra}))
    assert _windows(path) == windows


@pytest.mark.parametrize("extra, message", [
    ({"attention_layers": None, "attention_types": [[["global"], 2**62]]},
     "config key 'attention_types' must be [[[\"global\" or \"local\", …], times], …] covering 24 (num_layers)"),
    ({"attention_layers": ["global"] * 23 + ["nearby"]}, "config key 'attention_layers' must be a list of 24"),
])
def test_bad_gpt_neo_windows(tmp_path, extra, message):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads((HF / "gpt-neo-1.3b.json").read_text()), **extra}))
    with pytest.raises(SpecError, match=re.escape(message)):
        archcalc.load(path)


@pytest.mark.parametrize("name, extra, message", [
    # a config that makes transformers build another model than the family's row: refused, never counted as the row
    ("opt-125m.json", {"do_layer_norm_before": False}, "config key 'do_layer_norm_before' is false: model_type 'opt'"),
    ("falcon-7b.json", {"alibi": True}, "config key 'alibi' is true"),
    ("opt-125m.json", {"word_embed_proj_dim": 512}, "config key 'word_embed_proj_dim' differs from the hidden size 768"),
    ("phi-2.json", {"qk_layernorm": True}, "config key 'qk_layernorm' is true"),
    ("albert-base-v2.json", {"num_hidden_groups": 2}, "config key 'num_hidden_groups' is 2: model_type 'albert' is read "
                                                      "with 1 only"),
    ("bert-base-uncased.json", {"position_embedding_type": "relative_key"},
     "config key 'position_embedding_type' is \"relative_key\""),
    ("distilbert-base-uncased.json", {"sinusoidal_pos_embds": True}, "config key 'sinusoidal_pos_embds' is true"),
    ("qwen1.5-moe-a2.7b.json", {"mlp_only_layers": [3]}, "config keys 'decoder_sparse_step' and 'mlp_only_layers'"),
])
def test_other_builds_are_refused(tmp_path, name, extra, message):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads((HF / name).read_text()), **extra}))
    with pytest.raises(SpecError, match=re.escape(message)):
        archcalc.load(path)


def test_mixed_windows_verified(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**TINY_MISTRAL, "sliding_window": 3, "sliding_window_pattern": 2}))
    graph = archcalc.load(path, seq_len=6)
    assert [node.name for node in graph.nodes if node.type == "attention"] == \
        [f"layers_{i}.self_attn" for i in range(4)]
    assert verify(graph).agrees


@pytest.mark.parametrize("extra, message", [
    ({"sliding_window": 0}, "config key 'sliding_window' must be an integer from 1 to 2^62, got integer 0"),
    ({"layer_types": ["full_attention"]}, "config key 'layer_types' must be a list of 4 (num_hidden_layers) "
                                          "'sliding_attention' or 'full_attention'"),
    # interleaved windows are one use per layer: a huge count is refused before any list is built (a
    # MemoryError, exit 3, found by fuzzing)
    ({"sliding_window_pattern": 2, "num_hidden_layers": 2**40},
     "num_hidden_layers 1,099,511,627,776 with local and global layers interleaved: more than the 1,000,000"),
])
def test_bad_windows(tmp_path, extra, message):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**TINY_MISTRAL, **extra}))
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {path}: {message}")


@pytest.mark.parametrize("name, dtype, params", [
    # each file's own torch_dtype; params as in PUBLISHED; weights' bytes = params × 2 in bfloat16
    ("llama-3-8b.json", "bfloat16", 8_030_261_248),
    ("mistral-7b-v0.1.json", "bfloat16", 7_241_732_096),
    ("qwen2-0.5b.json", "bfloat16", 494_032_768),
    ("gemma-2b.json", "bfloat16", 2_506_172_416),
    ("gpt2.json", "float32", 124_439_808),           # no torch_dtype: float32, 4 bytes a param
])
def test_torch_dtype_is_the_models_dtype(name, dtype, params):
    report = archcalc.analyze(HF / name)
    assert (report.dtype.weights, report.totals.memory.params_bytes) == \
        (dtype, params * (2 if dtype == "bfloat16" else 4))
    # --dtype overrides it
    assert archcalc.analyze(HF / name, dtype="float32").totals.memory.params_bytes == params * 4


def test_torch_dtype_note(tmp_path):
    result = CliRunner().invoke(cli, ["analyze", str(HF / "llama-3-8b.json"), "--format", "json"])
    assert f"note: {HF / 'llama-3-8b.json'}: dtype bfloat16 from the config's torch_dtype (--dtype overrides it)." \
        in result.stderr
    assert json.loads(result.stdout)["dtype"] == "bfloat16"
    # transformers since 4.56 writes `dtype`, which wins over a stale torch_dtype
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**TINY_LLAMA, "dtype": "float16", "torch_dtype": "bfloat16"}))
    assert archcalc.analyze(path).dtype.weights == "float16"
    path.write_text(json.dumps({**TINY_LLAMA, "torch_dtype": "uint8"}))
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["dtype"] == "float32"
    assert "config's torch_dtype string 'uint8' is not a dtype archcalc sizes" in result.stderr


def test_imported_gemma_2_keeps_its_windows(tmp_path):
    out = tmp_path / "gemma2.yaml"
    assert CliRunner().invoke(cli, ["import", str(HF / "gemma-2-2b.json"), "-o", str(out)]).exit_code == 0
    spec = archcalc.analyze(out, context=32768).totals
    config = archcalc.analyze(HF / "gemma-2-2b.json", context=32768).totals
    assert spec == config and spec.decoding.kv_cache_bytes == 13 * 2 * 4 * 256 * 4 * (32768 + 4096)


# -- Reading the JSON: the whole document, any RFC 8259 encoding, hostile values refused ------

def _gpt2_text():
    return (HF / "gpt2.json").read_text()


def _with_key(text, key_and_value):
    """The config text with one more key written at its end (raw JSON, so it can be hostile)."""
    return text.rstrip().rstrip("}") + ", " + key_and_value + "}"


def _sorted_vit_with_long_labels():
    # Written as save_pretrained writes a config (indent 2, keys sorted): 1,000 labels of 30
    # characters push 'model_type' past the first 64 KiB.
    config = json.loads((HF / "vit-base-patch16-224.json").read_text())
    config["id2label"] = {str(i): f"class_{i:04d}_" + "x" * 20 for i in range(1000)}
    config["label2id"] = {name: int(i) for i, name in config["id2label"].items()}
    text = json.dumps(config, indent=2, sort_keys=True)
    assert text.index('"model_type"') > 65536
    return text.encode()


ENCODED = [
    # (bytes of the file, params): each is gpt2.json or the ViT config, read as RFC 8259 readers do
    pytest.param(_sorted_vit_with_long_labels, 86_567_656, id="model_type after 64 KiB"),  # PUBLISHED's ViT
    pytest.param(lambda: b"\xef\xbb\xbf" + _gpt2_text().encode(), 124_439_808, id="UTF-8 with BOM"),
    pytest.param(lambda: _gpt2_text().encode("utf-16"), 124_439_808, id="UTF-16 with BOM"),
    pytest.param(lambda: _gpt2_text().encode("utf-16-be"), 124_439_808, id="UTF-16-BE"),
    pytest.param(lambda: _gpt2_text().encode("utf-32-le"), 124_439_808, id="UTF-32-LE"),
]


@pytest.mark.parametrize("make, params", ENCODED)
def test_configs_are_read_whole_in_any_json_encoding(tmp_path, make, params):
    path = tmp_path / "config.json"
    path.write_bytes(make())
    for source, stdin in ((str(path), None), ("-", path.read_bytes())):
        result = CliRunner().invoke(cli, ["analyze", source, "--format", "json"], input=stdin)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["totals"]["params"] == params


HOSTILE = [
    # (the config text, the error after "error: FILE") — each was exit 3, a false reason or a quiet
    # guess before
    pytest.param(lambda: _with_key(_gpt2_text(), '"unused": ' + "9" * 5000),
                 ":{line}:{col}: an integer of 5,000 digits (at most 4,300 are read)", id="5000-digit integer"),
    pytest.param(lambda: _with_key(_gpt2_text(), '"unused": ' + "[" * 50_000 + "]" * 50_000),
                 ":{line}:{col}: JSON nested more than 256 deep", id="nested 50000 deep"),
    pytest.param(lambda: _with_key(_gpt2_text(), '"n_positions": 0'),
                 ": config key 'n_positions' must be an integer from 1 to 2^62, got integer 0", id="n_positions 0"),
    pytest.param(lambda: json.dumps({**json.loads((HF / "mistral-7b-v0.1.json").read_text()),
                                     "max_position_embeddings": 0}),
                 ": config key 'max_position_embeddings' must be an integer from 1 to 2^62, got integer 0",
                 id="max_position_embeddings 0"),
    pytest.param(lambda: json.dumps({**json.loads((HF / "mistral-7b-v0.1.json").read_text()),
                                     "hidden_act": "quick_gelu"}),
                 ": config key 'hidden_act' names the activation 'quick_gelu', which archcalc does not count "
                 "(known: gelu, gelu_fast, gelu_new, gelu_pytorch_tanh, gelu_tanh, relu, sigmoid, silu, swish, tanh)",
                 id="unknown hidden_act"),
    pytest.param(lambda: json.dumps({**json.loads((HF / "t5-small.json").read_text()),
                                     "feed_forward_proj": "gated-swiglu"}),
                 ": config key 'feed_forward_proj' names the activation 'swiglu', which archcalc does not count "
                 "(known: gelu, gelu_fast, gelu_new, gelu_pytorch_tanh, gelu_tanh, relu, sigmoid, silu, swish, tanh)",
                 id="unknown T5 activation"),
    pytest.param(lambda: "\ufeff" + '{"model_type": "gpt2",\n "n_embd": 8,,}',
                 ":2:14: not valid JSON: Expecting property name enclosed in double quotes", id="BOM and a typo"),
]


@pytest.mark.parametrize("make, message", HOSTILE)
def test_hostile_configs_are_refused_with_the_true_reason(tmp_path, make, message):
    text = make()
    path = tmp_path / "config.json"
    path.write_text(text, encoding="utf-8")
    if "{line}" in message:       # where the hostile value starts: after the last key's ", "
        at = text.rindex('"unused": ') + len('"unused": ')
        if "nested" in message:
            at += 255         # inside the config's own object (level 1), the 256th '[' is level 257
        message = message.format(line=text.count("\n", 0, at) + 1, col=at - (text.rfind("\n", 0, at) + 1) + 1)
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {path}{message}\n")


def test_a_config_is_held_to_the_spec_cap(tmp_path):
    # 17 MiB of padding in an unused key: refused unread (a 100 MB config took 1.2 GB before)
    path = tmp_path / "config.json"
    path.write_text(_with_key(_gpt2_text(), '"pad": "' + "x" * (17 * 2**20) + '"'))
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert (result.exit_code, result.stderr) == (
        2, f"error: {path}: file is larger than 16 MiB (raise it with --max-file-size)\n")
    result = CliRunner().invoke(cli, ["--max-file-size", "18", "analyze", str(path), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["totals"]["params"] == 124_439_808


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "markdown"])
def test_a_lone_surrogate_in_a_name_is_printed_as_its_escape(tmp_path, fmt):
    # JSON can write U+D800 alone; no UTF can encode it, so the name keeps the escape as text
    path = tmp_path / "config.json"
    path.write_text(_with_key(_gpt2_text(), '"_name_or_path": "org/a\\ud800b"'))
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", fmt])
    assert result.exit_code == 0, result.stderr
    assert "a\\ud800b" in result.stdout.replace("\\\\", "\\")


def test_the_docs_list_every_model_type():
    # the refusal of an unknown type points to docs/importing.md for the list
    text = (ROOT / "docs" / "importing.md").read_text()
    assert all(f"| `{kind}` |" in text for kind in SUPPORTED.split(", "))
    assert all(f"`{kind}`" in text[:text.index("Another `model_type` is refused")] for kind in SUPPORTED.split(", "))


@pytest.mark.parametrize("config, extra, rates", [
    # where each family's modeling code applies its residual dropout (read from transformers 5.25's sources)
    ("pythia-160m.json", {"hidden_dropout": 0.1}, [0.1] * (12 * 2 + 1)),   # after attention, after MLP, embeddings
    ("stablelm-2-1_6b.json", {"hidden_dropout": 0.1}, [0.1] * 24),         # after the MLP only
    ("falcon-7b.json", {"hidden_dropout": 0.1}, [0.1] * 32),               # on the parallel branches' sum
    ("falcon-7b.json", {"hidden_dropout": 0.1, "parallel_attn": False}, [0.1] * 64),   # sequential: after each
    ("opt-125m.json", {}, [0.1] * 24),                                     # dropout 0.1: after each, none on embeddings
    ("phi-2.json", {}, [0.1] * 64),                                        # resid_pdrop on both branches
])
def test_residual_dropout_placement(tmp_path, config, extra, rates):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads((HF / config).read_text()), **extra}))
    assert [n.args["rate"] for n in archcalc.load(path).nodes if n.type == "dropout"] == rates
