"""Each supported `model_type` as a row of traits over the builder of its architecture's shape.

Most text families differ from their neighbours in a handful of choices — which norm and
where, sequential or parallel attention and MLP, gated or plain MLP, which biases, tied
embeddings, how positions enter, how many key/value heads, experts — so a family is a row
of those choices, and one builder per shape (decoder-only, encoder-only, encoder-decoder,
vision) writes any row. A new family is a new row here."""

from __future__ import annotations

from typing import NamedTuple


class Flag(NamedTuple):
    """A yes/no trait: `key` is the config key that sets it (None: fixed), `default` its
    value when the key is absent (transformers' config class default)."""
    key: str | None
    default: bool


def fixed(value: bool) -> Flag:
    return Flag(None, value)


class Keys(NamedTuple):
    """The config keys a family names its sizes by (the first one set wins)."""
    hidden: tuple[str, ...] = ("hidden_size",)
    layers: tuple[str, ...] = ("num_hidden_layers",)
    heads: tuple[str, ...] = ("num_attention_heads",)
    inter: tuple[str, ...] = ("intermediate_size",)
    positions: tuple[str, ...] = ("max_position_embeddings",)
    act: tuple[str, ...] = ("hidden_act",)
    attn_dropout: tuple[str, ...] = ("attention_dropout",)
    resid_dropout: tuple[str, ...] = ()
    embed_dropout: tuple[str, ...] = ()


class Names(NamedTuple):
    """Layer names as transformers names the modules (so a report reads like the checkpoint)."""
    embed: str = "embed_tokens"
    positions: str = "embed_positions"
    embed_norm: str = "embed_layernorm"
    layers: str = "layers"
    block: str = "decoder_layer"
    attn: str = "self_attn"
    norm1: str = "input_layernorm"
    norm2: str = "post_attention_layernorm"
    up: str = "up_proj"
    down: str = "down_proj"
    final_norm: str = "norm"
    head: str = "lm_head"
    experts: str = "block_sparse_moe"


GPT2_KEYS = Keys(hidden=("n_embd",), layers=("n_layer",), heads=("n_head",), inter=("n_inner",),
                 positions=("n_positions",), act=("activation_function",), attn_dropout=("attn_pdrop",),
                 resid_dropout=("resid_pdrop",), embed_dropout=("embd_pdrop",))
GPT2_NAMES = Names(embed="wte", positions="wpe", layers="h", block="gpt2_block", attn="attn", norm1="ln_1",
                   norm2="ln_2", up="c_fc", down="c_proj", final_norm="ln_f")


class Decoder(NamedTuple):
    """A decoder-only family (the causal-lm head, or the bare model)."""
    keys: Keys = Keys()
    names: Names = Names()
    norm: str = "rmsnorm"           # rmsnorm | layernorm | layernorm_scale (no shift) | layernorm_fixed (nothing
                                    # learned: OLMo)
    layout: str = "sequential"      # sequential | sandwich (norms after each sublayer too) | post (norms after
                                    # each sublayer only, before its residual sum: OLMo 2) | parallel (one norm
                                    # feeds attention and MLP) | parallel2 (each its own norm)
    parallel: Flag | None = None    # a config key choosing parallel (its layout) over sequential
    resid_dropout_at: str = "each"  # the residual dropout: after each sublayer | after the MLP only | on the
                                    # parallel branches' sum (Falcon)
    mlp: str = "gated"              # gated (act(gate)·up, down) | plain (up, act, down)
    act: str = "silu"               # the activation when the config names none
    inter_ratio: int = 0            # MLP width = ratio·hidden when the config leaves it out (0: required)
    qkv_bias: Flag = fixed(False)
    out_bias: Flag = fixed(False)
    mlp_bias: Flag = fixed(False)
    head_bias: Flag = fixed(False)  # lm_head has a bias (GPT-J, Phi)
    tied: Flag = Flag("tie_word_embeddings", False)
    position: str = "rope"          # rope | learned | alibi
    position_offset: int = 0        # learned table rows beyond the context (OPT: 2)
    embed_norm: bool = False        # a norm right after the embedding (BLOOM)
    kv: str = "num_key_value_heads"   # the key of K/V heads; "multi_query": 1 when that flag is set; "falcon"
    windows: str = "none"           # none | all | qwen2 | pattern | gpt_neo (see windows.py)
    rope_sliding_only: bool = False     # only the sliding-window layers rotate; the global ones have no
                                        # positions (Command R7B)
    window_default: int | None = None
    window_every: int | None = None
    qk_norm: str = "none"           # a norm on queries and keys (attention's qk_norm): none | rmsnorm | layernorm
                                    # | layernorm_scale
    qk_norm_span: str = "head"      # what it spans (attention's qk_norm_span): head | each_head | all
    qk_norm_flag: Flag = fixed(True)    # the config key that turns the Q/K norms on (Phi's qk_layernorm)
    attention: str = "multi_head"   # multi_head | latent (DeepSeek's multi-head latent attention)
    experts: str = "none"           # none | routed | qwen3_moe (routed, every layer sparse) | qwen2_moe (+ a
                                    # gated shared expert) | deepseek (+ shared experts, the first layers dense)
    expert_keys: tuple[str, str, str] = ("num_local_experts", "intermediate_size", "num_experts_per_tok")
                                    # routed: the keys of the experts, their width and the experts a token runs
    nested: tuple[str, ...] = ()    # sub-mappings whose keys are read as the config's own (DBRX's attn_config)
    router_buffer: bool = False     # each router saves a bias per expert as a buffer (DeepSeek-V3)
    router_bias: bool = False       # each router has a learned bias (gpt-oss)
    sinks: bool = False             # a learned logit per head in every softmax (gpt-oss's attention sinks)
    note: str | None = None         # what the row counts differently from the family's code, said in a note
    refused: tuple[tuple[str, object], ...] = ()   # (config key, value) transformers builds another way
    narrow_embedding_key: str | None = None   # a key that, unequal to the hidden size, adds projections: refused


LLAMA = Decoder(qkv_bias=Flag("attention_bias", False), out_bias=Flag("attention_bias", False),
                mlp_bias=Flag("mlp_bias", False))
GPT2 = Decoder(keys=GPT2_KEYS, names=GPT2_NAMES, norm="layernorm", mlp="plain", act="gelu_new", inter_ratio=4,
               qkv_bias=fixed(True), out_bias=fixed(True), mlp_bias=fixed(True),
               tied=Flag("tie_word_embeddings", True), position="learned")
_NEOX_NAMES = Names(embed="embed_in", layers="layers", attn="attention", up="dense_h_to_4h", down="dense_4h_to_h",
                    final_norm="final_layer_norm", head="embed_out")
_GPTJ_KEYS = GPT2_KEYS._replace(positions=("n_positions",), attn_dropout=("attn_pdrop",))
_GPTJ_NAMES = Names(embed="wte", layers="h", attn="attn", norm1="ln_1", up="fc_in", down="fc_out", final_norm="ln_f")
_GPTJ = Decoder(keys=_GPTJ_KEYS, names=_GPTJ_NAMES, norm="layernorm", layout="parallel", mlp="plain",
                act="gelu_new", inter_ratio=4, mlp_bias=fixed(True), head_bias=fixed(True))
_OPT_KEYS = Keys(inter=("ffn_dim",), act=("activation_function",), resid_dropout=("dropout",))
_BLOOM_KEYS = Keys(hidden=("hidden_size", "n_embed"), layers=("n_layer",), heads=("n_head",), inter=(),
                   positions=(), attn_dropout=("attention_dropout",), resid_dropout=("hidden_dropout",))
_BLOOM_NAMES = Names(embed="word_embeddings", embed_norm="word_embeddings_layernorm", layers="h",
                     attn="self_attention", up="dense_h_to_4h", down="dense_4h_to_h", final_norm="ln_f")
_FALCON_NAMES = _BLOOM_NAMES._replace(embed="word_embeddings", attn="self_attention")
_PHI_NAMES = Names(attn="self_attn", up="fc1", down="fc2", final_norm="final_layernorm")
_BIGCODE_NAMES = GPT2_NAMES
_NEO_KEYS = Keys(layers=("num_layers",), heads=("num_heads",), act=("activation_function",),
                 resid_dropout=("resid_dropout",), embed_dropout=("embed_dropout",))

DECODERS: dict[str, Decoder] = {
    "llama": LLAMA,
    "mistral": LLAMA._replace(windows="all", window_default=4096),
    "mixtral": LLAMA._replace(windows="all", experts="routed"),
    "qwen2": LLAMA._replace(qkv_bias=fixed(True), out_bias=fixed(False), windows="qwen2", window_default=4096),
    "qwen2_moe": LLAMA._replace(qkv_bias=fixed(True), out_bias=fixed(False), windows="qwen2", window_default=4096,
                                experts="qwen2_moe"),
    "gemma": LLAMA._replace(keys=Keys(act=("hidden_act", "hidden_activation")), act="gelu_pytorch_tanh",
                            tied=Flag("tie_word_embeddings", True)),
    "gemma2": LLAMA._replace(keys=Keys(act=("hidden_act", "hidden_activation")), act="gelu_pytorch_tanh",
                             layout="sandwich", tied=Flag("tie_word_embeddings", True), windows="pattern",
                             window_default=4096, window_every=2),
    "phi3": LLAMA._replace(windows="all"),
    "qwen3": LLAMA._replace(qk_norm="rmsnorm", windows="qwen2"),
    "qwen3_moe": LLAMA._replace(names=Names(experts="experts"), qk_norm="rmsnorm", windows="qwen2", experts="qwen3_moe",
                                expert_keys=("num_experts", "moe_intermediate_size", "num_experts_per_tok")),
    "olmoe": LLAMA._replace(names=Names(experts="experts"), qk_norm="rmsnorm", qk_norm_span="all", experts="routed",
                            expert_keys=("num_experts", "intermediate_size", "num_experts_per_tok")),
    "glm4": LLAMA._replace(qkv_bias=Flag("attention_bias", True), out_bias=fixed(False), layout="sandwich"),
    "ernie4_5": LLAMA._replace(qkv_bias=Flag("use_bias", False), out_bias=Flag("use_bias", False),
                               mlp_bias=Flag("use_bias", False), tied=Flag("tie_word_embeddings", True)),
    "gemma3_text": LLAMA._replace(keys=Keys(act=("hidden_act", "hidden_activation")), act="gelu_pytorch_tanh",
                                  layout="sandwich", tied=Flag("tie_word_embeddings", True), windows="pattern",
                                  window_default=4096, window_every=6, qk_norm="rmsnorm"),
    "olmo2": LLAMA._replace(layout="post", qk_norm="rmsnorm", qk_norm_span="all"),
    "deepseek_v2": LLAMA._replace(attention="latent", experts="deepseek"),
    "deepseek_v3": LLAMA._replace(attention="latent", experts="deepseek", mlp_bias=fixed(False), router_buffer=True),
    "granite": LLAMA,
    "helium": LLAMA,
    "olmo": LLAMA._replace(norm="layernorm_fixed"),
    "smollm3": LLAMA._replace(tied=Flag("tie_word_embeddings", True), windows="qwen2"),
    "ministral": LLAMA._replace(windows="all", window_default=4096),
    "glm": LLAMA._replace(qkv_bias=Flag("attention_bias", True), out_bias=fixed(False)),
    "granitemoe": LLAMA._replace(experts="routed"),
    "phimoe": LLAMA._replace(norm="layernorm", qkv_bias=Flag("attention_bias", False),
                             out_bias=Flag("attention_bias", False), head_bias=Flag("lm_head_bias", False),
                             windows="all", experts="routed"),
    "gpt_neo": GPT2._replace(keys=_NEO_KEYS, names=GPT2_NAMES._replace(block="gpt_neo_block"), qkv_bias=fixed(False),
                             windows="gpt_neo", window_default=256),
    "gpt2": GPT2,
    "gpt_bigcode": GPT2._replace(names=_BIGCODE_NAMES, kv="multi_query"),
    "gpt_neox": Decoder(keys=Keys(resid_dropout=("hidden_dropout",), embed_dropout=("hidden_dropout",)),
                        names=_NEOX_NAMES, norm="layernorm", layout="parallel2",
                        parallel=Flag("use_parallel_residual", True), mlp="plain", act="gelu", inter_ratio=0,
                        qkv_bias=Flag("attention_bias", True), out_bias=Flag("attention_bias", True),
                        mlp_bias=fixed(True)),
    "gptj": _GPTJ,
    "codegen": _GPTJ,
    "opt": Decoder(keys=_OPT_KEYS, names=Names(final_norm="final_layer_norm", up="fc1", down="fc2",
                                                 norm1="self_attn_layer_norm", norm2="final_layer_norm"),
                   norm="layernorm", mlp="plain", act="relu", qkv_bias=Flag("enable_bias", True),
                   out_bias=Flag("enable_bias", True), mlp_bias=Flag("enable_bias", True),
                   tied=Flag("tie_word_embeddings", True), position="learned", position_offset=2,
                   refused=(("do_layer_norm_before", False), ("_remove_final_layer_norm", True)),
                   narrow_embedding_key="word_embed_proj_dim"),
    "bloom": Decoder(keys=_BLOOM_KEYS, names=_BLOOM_NAMES, norm="layernorm", mlp="plain", act="gelu_tanh",
                     inter_ratio=4, qkv_bias=fixed(True), out_bias=fixed(True), mlp_bias=fixed(True),
                     tied=Flag("tie_word_embeddings", True), position="alibi", embed_norm=True,
                     refused=(("apply_residual_connection_post_layernorm", True),)),
    "falcon": Decoder(keys=Keys(inter=("ffn_hidden_size",), act=("activation",), resid_dropout=("hidden_dropout",)),
                      names=_FALCON_NAMES, norm="layernorm", layout="parallel", parallel=Flag("parallel_attn", True),
                      mlp="plain", act="gelu", inter_ratio=4, qkv_bias=Flag("bias", False),
                      out_bias=Flag("bias", False), mlp_bias=Flag("bias", False),
                      tied=Flag("tie_word_embeddings", True), kv="falcon", resid_dropout_at="sum",
                      refused=(("alibi", True),)),
    "phi": Decoder(keys=Keys(act=("hidden_act",), resid_dropout=("resid_pdrop",), embed_dropout=("embd_pdrop",)),
                   names=_PHI_NAMES, norm="layernorm", layout="parallel", mlp="plain", act="gelu_new",
                   qkv_bias=fixed(True), out_bias=fixed(True), mlp_bias=fixed(True), head_bias=fixed(True),
                   refused=(("qk_layernorm", True),)),
    "starcoder2": Decoder(keys=Keys(resid_dropout=("residual_dropout",), embed_dropout=("embedding_dropout",)),
                          names=Names(up="c_fc", down="c_proj"), norm="layernorm", mlp="plain",
                          act="gelu_pytorch_tanh", qkv_bias=Flag("use_bias", True), out_bias=Flag("use_bias", True),
                          mlp_bias=Flag("use_bias", True), tied=Flag("tie_word_embeddings", True), windows="all"),
    "biogpt": Decoder(keys=Keys(attn_dropout=("attention_probs_dropout_prob",),
                                resid_dropout=("hidden_dropout_prob",), embed_dropout=("hidden_dropout_prob",)),
                      names=Names(norm1="self_attn_layer_norm", norm2="final_layer_norm", up="fc1", down="fc2",
                                  final_norm="layer_norm", head="output_projection"),
                      norm="layernorm", mlp="plain", act="gelu", qkv_bias=fixed(True), out_bias=fixed(True),
                      mlp_bias=fixed(True), tied=Flag("tie_word_embeddings", True), position="learned",
                      position_offset=2),
    "stablelm": Decoder(norm="layernorm", layout="parallel", parallel=Flag("use_parallel_residual", False),
                        qkv_bias=Flag("use_qkv_bias", False), qk_norm="layernorm_scale", qk_norm_span="each_head",
                        qk_norm_flag=Flag("qk_layernorm", False),
                        resid_dropout_at="mlp",
                        keys=Keys(resid_dropout=("hidden_dropout",))),
    "cohere": Decoder(norm="layernorm_scale", layout="parallel", qkv_bias=Flag("attention_bias", False),
                      out_bias=Flag("attention_bias", False), tied=Flag("tie_word_embeddings", True),
                      qk_norm="layernorm_scale", qk_norm_span="each_head", qk_norm_flag=Flag("use_qk_norm", False)),
}
DECODERS["gpt_oss"] = LLAMA._replace(
    names=Names(experts="experts"), qkv_bias=Flag("attention_bias", True), out_bias=Flag("attention_bias", True),
    mlp_bias=fixed(True), windows="all", experts="routed", router_bias=True, sinks=True,
    note="the experts' activation, a SwiGLU whose gate and up projection are clamped (swiglu_limit), whose gate is "
         "scaled (swiglu_alpha) and whose up projection has 1 added, is counted as SiLU-gated: the same parameters "
         "and MACs; its FLOPs per element are SiLU's, fewer than the clamps and the scaling take.")
DECODERS["ministral3"] = LLAMA._replace(
    windows="all", note="the queries are multiplied by a factor of their position (llama_4_scaling_beta): one "
                        "FLOP per query element, not counted.")
DECODERS["seed_oss"] = LLAMA._replace(keys=Keys(resid_dropout=("residual_dropout",)),
                                      qkv_bias=Flag("attention_bias", True), out_bias=Flag("attention_out_bias", False))
DECODERS["dbrx"] = LLAMA._replace(
    keys=Keys(hidden=("d_model",), layers=("n_layers",), heads=("n_heads",), inter=("ffn_hidden_size",),
              positions=("max_seq_len",), attn_dropout=("attn_pdrop",), resid_dropout=("resid_pdrop",),
              embed_dropout=("emb_pdrop",)),
    norm="layernorm_scale", kv="kv_n_heads", experts="routed", nested=("attn_config", "ffn_config"),
    expert_keys=("moe_num_experts", "ffn_hidden_size", "moe_top_k"), refused=(("ffn_act_fn", "not silu"),))
DECODERS["cohere2"] = DECODERS["cohere"]._replace(windows="pattern", window_default=4096, window_every=4,
                                                  rope_sliding_only=True)


class Encoder(NamedTuple):
    """An encoder-only family of BERT's shape: learned positions, post-norm layers (attention,
    add, norm; MLP, add, norm), every projection with a bias."""
    keys: Keys = Keys(act=("hidden_act",), attn_dropout=("attention_probs_dropout_prob",),
                      resid_dropout=("hidden_dropout_prob",), embed_dropout=("hidden_dropout_prob",))
    act: str = "gelu"
    token_types: bool = True        # a token-type table (BERT); none (DistilBERT)
    factorised: bool = False        # embeddings of `embedding_size`, projected to the hidden size (ALBERT, ELECTRA)
    shared: bool = False            # one layer's weights used by every layer (ALBERT)
    attn_out_dropout: bool = True   # dropout on the attention's output (BERT), or only on its probabilities
    pooler: bool = True             # the bare model ends in a pooler (first token, dense, tanh)
    pre_norm: bool = False          # norms before each sublayer and after the stack, none on the embeddings
                                    # (XLM-R XL)
    # relative position tables (BERT's relative_key variants) are weights archcalc does not write
    refused: tuple[tuple[str, object], ...] = (("position_embedding_type", "relative_key"),
                                               ("position_embedding_type", "relative_key_query"))


_DISTIL_KEYS = Keys(hidden=("dim",), layers=("n_layers",), heads=("n_heads",), inter=("hidden_dim",),
                    act=("activation",), attn_dropout=("attention_dropout",), resid_dropout=("dropout",),
                    embed_dropout=("dropout",))

ENCODERS: dict[str, Encoder] = {
    "bert": Encoder(),
    "roberta": Encoder(),
    "xlm-roberta": Encoder(),
    "xlm-roberta-xl": Encoder(pre_norm=True),
    "camembert": Encoder(),
    "data2vec-text": Encoder(),
    "distilbert": Encoder(keys=_DISTIL_KEYS, token_types=False, attn_out_dropout=False, pooler=False,
                          refused=(("sinusoidal_pos_embds", True),)),  # sin/cos rows, frozen
    "electra": Encoder(factorised=True, pooler=False),
    "albert": Encoder(act="gelu_new", factorised=True, shared=True,
                      refused=(("num_hidden_groups", "not 1"), ("inner_group_num", "not 1"),
                               *Encoder().refused)),
}

T5_TYPES = ("t5", "mt5", "umt5")
T5_TABLE_IN_EVERY_LAYER = ("umt5",)     # each self-attention has its own relative position table


# Popular model types the door does not read yet, each with the supported type closest to it ("":
# none is) and what differs (from transformers 5.25's modeling code), so a refusal says more than a spelling match.
NEIGHBOURS: dict[str, tuple[str, str]] = {
    "llama4_text": ("qwen2_moe", "chunked local attention and experts on interleaved layers are not written"),
    "llama4": ("qwen2_moe", "a vision encoder beside chunked attention and interleaved experts"),
    "deberta-v2": ("bert", "disentangled relative-position attention has no rule here"),
    "persimmon": ("stablelm", "the squared-ReLU activation is not counted here"),
    "nemotron": ("stablelm", "LayerNorm1P and the squared-ReLU activation are not counted here"),
    "arcee": ("llama", "the squared-ReLU, ungated MLP is not counted here"),
    "jetmoe": ("mixtral", "experts in the attention as well as the MLP"),
    "mamba": ("", "state-space layers have no rule here"),
    "mamba2": ("", "state-space layers have no rule here"),
    "falcon_mamba": ("", "state-space layers have no rule here"),
    "jamba": ("mixtral", "its state-space layers have no rule here"),
    "rwkv": ("", "RWKV's recurrent time mixing has no rule here"),
    "recurrent_gemma": ("gemma", "its recurrent blocks have no rule here"),
    "mpt": ("bloom", "not yet a row: ALiBi, LayerNorm without shift, an attn_config of its own"),
    "olmo3": ("olmo2", "not yet a row: OLMo 2 with sliding-window layers"),
    "exaone4": ("olmo2", "not yet a row: norms after each sublayer, Q/K norms, sliding windows"),
    "vaultgemma": ("gemma2", "not yet a row"),
    "xglm": ("opt", "sinusoidal positions computed on the fly are not written"),
}
