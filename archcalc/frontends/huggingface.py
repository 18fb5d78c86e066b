"""Hugging Face `config.json` -> a spec: the architecture from the config alone, no weights,
no network, no `transformers` import.

Each supported `model_type` has a builder that writes the model as `transformers` builds it
from that config — the same modules, so `sum(p.numel() for p in model.parameters())` (tied
weights once) equals the spec's params. The head follows the config's `architectures`
(GPT2LMHeadModel, LlamaForCausalLM, BertForMaskedLM, ...) unless `--head` says otherwise.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from ..args import MAX_INTEGER, describe
from ..errors import SpecError
from .imported import Imported, ImportOptions
from .reading import load_json

SUFFIXES = (".json",)
DEFAULT_MAX_SEQ_LEN = 2048      # T when --seq-len is not given: the context, capped to keep MACs readable

HEADS = ("base", "causal-lm", "masked-lm", "seq2seq", "classification")


def sniff(head: bytes) -> bool:
    text = head.lstrip()
    return text.startswith(b"{") and b'"model_type"' in head


class _Config:
    """The config mapping, with errors that name the missing key or the mistyped value."""

    def __init__(self, data: dict, file: str):
        self.data, self.file = data, file

    def need(self, *keys: str) -> int:
        """A size the model cannot be built without (every one is a positive integer)."""
        for key in keys:
            if self.data.get(key) is not None:
                return self._checked(key, self.data[key], int, minimum=1)
        raise SpecError(f"config has no '{keys[0]}' (needed for model_type '{self.data.get('model_type')}')",
                        self.file)

    def get(self, key: str, default: Any) -> Any:
        """A setting, `default` when absent; present, it must be of the default's kind (an
        integer where the default is None: such keys are counts)."""
        value = self.data.get(key)
        if value is None:
            return default
        return self._checked(key, value, int if default is None else type(default), minimum=0)

    def _checked(self, key: str, value: Any, kind: type, minimum: int) -> Any:
        if kind is bool:
            ok, wanted = isinstance(value, bool), "true or false"
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_INTEGER
            wanted = f"an integer from {minimum} to 2^62"
        elif kind is str:
            ok, wanted = isinstance(value, str), "a string"
        else:
            ok, wanted = True, ""
        if not ok:
            raise SpecError(f"config key '{key}' must be {wanted}, got {describe(value)}", self.file)
        return value


def to_spec(data: bytes, file: str, options: ImportOptions) -> Imported:
    config = load_json(data, file)
    if not isinstance(config, dict):
        raise SpecError("a config.json must be a JSON object", file)
    kind = config.get("model_type")
    builder = BUILDERS.get(kind) if isinstance(kind, str) else None
    if builder is None:
        raise SpecError(f"model_type {kind!r} is not supported (supported: {', '.join(sorted(BUILDERS))})", file)
    c = _Config(config, file)
    head = _head(c, options.head, kind)
    spec, notes = builder(c, head, options)
    name = str(config.get("_name_or_path") or kind).rsplit("/", 1)[-1] or kind
    dtype, dtype_note = _dtype(config)
    spec = {"name": name, **({"dtype": dtype} if dtype else {}), **spec}
    notes = [f"Hugging Face {kind} config with the {head} head "
             f"({'--head ' + options.head if options.head else _architecture(config) or 'no architectures entry'}).",
             *([dtype_note] if dtype_note else []), *notes]
    return Imported(spec=spec, notes=tuple(notes))


_TORCH_DTYPES = {"float32": "float32", "float": "float32", "float16": "float16", "half": "float16",
                 "bfloat16": "bfloat16", "float64": "float64", "double": "float64",
                 "float8_e4m3fn": "float8", "float8_e5m2": "float8"}


def _dtype(config: dict) -> tuple[str | None, str | None]:
    """The dtype the weights are published in (`dtype`, or `torch_dtype` as transformers
    before v4.56 wrote it), and a note saying so; None when the config names none."""
    key = "dtype" if config.get("dtype") is not None else "torch_dtype"
    value = config.get(key)
    if value is None:
        return None, None
    text = value.removeprefix("torch.") if isinstance(value, str) else None
    if text not in _TORCH_DTYPES:
        return None, (f"config's {key} {describe(value)} is not a dtype archcalc sizes; "
                      "memory is in float32 unless --dtype says otherwise.")
    dtype = _TORCH_DTYPES[text]
    return dtype, f"dtype {dtype} from the config's {key} (--dtype overrides it)."


def _architecture(config: dict) -> str | None:
    names = config.get("architectures")
    return names[0] if isinstance(names, list) and names and isinstance(names[0], str) else None


def _head(c: _Config, requested: str | None, kind: str) -> str:
    if requested is not None:
        if requested not in HEADS:
            raise SpecError(f"--head {requested!r} is not one of {', '.join(HEADS)}", c.file)
        return requested
    name = _architecture(c.data) or ""
    for suffix, head in (("ForCausalLM", "causal-lm"), ("LMHeadModel", "causal-lm"), ("ForMaskedLM", "masked-lm"),
                         ("ForConditionalGeneration", "seq2seq"), ("ForImageClassification", "classification"),
                         ("ForSequenceClassification", "classification")):
        if name.endswith(suffix):
            return head
    return "base"


def _seq_len(c: _Config, options: ImportOptions, *limit_keys: str) -> int:
    if options.seq_len is not None:
        return options.seq_len
    for key in limit_keys:      # the context the config allows bounds T: checked as the count it is
        if c.data.get(key) is not None:
            return min(c._checked(key, c.data[key], int, minimum=1), DEFAULT_MAX_SEQ_LEN)
    return DEFAULT_MAX_SEQ_LEN


# transformers' activation names (ACT2FN) that archcalc counts, as layers.
ACTIVATIONS = {
    **dict.fromkeys(("gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_tanh"), {"type": "gelu", "approximate": "tanh"}),
    **dict.fromkeys(("silu", "swish"), {"type": "silu"}),
    **{name: {"type": name} for name in ("relu", "tanh", "sigmoid", "gelu")},
}


def _act(c: _Config, key: str, name: str) -> dict:
    """The activation `name` (read from the config's `key`) as a layer; a name archcalc does
    not know is refused, never counted as some other activation."""
    layer = ACTIVATIONS.get(name.lower())
    if layer is None:
        raise SpecError(f"config key '{key}' names the activation {name!r}, which archcalc does not count "
                        f"(known: {', '.join(sorted(ACTIVATIONS))})", c.file)
    return dict(layer)


def _rate(c: _Config, *keys: str) -> float:
    """A dropout rate: the first of `keys` the config sets (0 when none: no dropout)."""
    for key in keys:
        value = c.data.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise SpecError(f"config key '{key}' must be a dropout rate from 0 to below 1, got {describe(value)}",
                            c.file)
        return float(value)
    return 0.0


def _dropout(name: str, rate: float) -> list[dict]:
    """A dropout layer where the model trains with one (it keeps a mask for the backward
    pass); none at rate 0, where it changes nothing."""
    return [{"type": "dropout", "name": name, "rate": rate}] if rate else []


def _labels(c: _Config) -> int:
    labels = c.data.get("id2label")
    if isinstance(labels, dict) and labels:
        return len(labels)
    return c.get("num_labels", 2)      # transformers' default


# -- GPT-2 ---------------------------------------------------------------------------

def gpt2(c: _Config, head: str, options: ImportOptions):
    d, vocab = c.need("n_embd"), c.need("vocab_size")
    positions = c.need("n_positions")
    inner = c.get("n_inner", 4 * d)
    steps = _seq_len(c, options, "n_positions")
    resid = _rate(c, "resid_pdrop")
    attn_dropout = _dropout("attn_dropout", resid)
    mlp_dropout = _dropout("mlp_dropout", resid)
    block = {"layers": [
        {"type": "layernorm", "name": "ln_1"},
        {"type": "attention", "name": "attn", "heads": c.need("n_head"), "causal": True,
         **({"dropout": rate} if (rate := _rate(c, "attn_pdrop")) else {})},
        *attn_dropout,
        {"type": "add", "name": "attn_residual", "inputs": [attn_dropout[0]["name"] if attn_dropout else "attn", "in"]},
        {"type": "layernorm", "name": "ln_2"},
        {"type": "dense", "name": "c_fc", "units": inner},
        {**_act(c, "activation_function", c.get("activation_function", "gelu_new")), "name": "act"},
        {"type": "dense", "name": "c_proj", "units": d},
        *mlp_dropout,
        {"type": "add", "inputs": [mlp_dropout[0]["name"] if mlp_dropout else "c_proj", "attn_residual"]},
    ]}
    layers = [
        {"type": "embedding", "name": "wte", "vocab": vocab, "dim": d},
        {"type": "position_embedding", "name": "wpe", "max_positions": positions},
        *_dropout("drop", _rate(c, "embd_pdrop")),
        {"type": "gpt2_block", "name": "h", "repeat": c.need("n_layer")},
        {"type": "layernorm", "name": "ln_f"},
    ]
    if head == "causal-lm":
        layers.append({"type": "dense", "name": "lm_head", "units": vocab, "bias": False,
                       **({"tied_to": "wte"} if c.get("tie_word_embeddings", True) else {})})
    elif head != "base":
        _unsupported(c, head)
    return {"input": [steps], "blocks": {"gpt2_block": block}, "layers": layers}, []


# -- BERT ----------------------------------------------------------------------------

def bert(c: _Config, head: str, options: ImportOptions):
    d, vocab = c.need("hidden_size"), c.need("vocab_size")
    positions = c.need("max_position_embeddings")
    steps = _seq_len(c, options, "max_position_embeddings")
    hidden = _rate(c, "hidden_dropout_prob")
    attention_dropout = _dropout("attention_dropout", hidden)
    output_dropout = _dropout("output_dropout", hidden)
    block = {"layers": [
        {"type": "attention", "name": "attention", "heads": c.need("num_attention_heads"),
         **({"dropout": rate} if (rate := _rate(c, "attention_probs_dropout_prob")) else {})},
        *attention_dropout,
        {"type": "add", "name": "attention_residual",
         "inputs": [attention_dropout[0]["name"] if attention_dropout else "attention", "in"]},
        {"type": "layernorm", "name": "attention_norm"},
        {"type": "dense", "name": "intermediate", "units": c.need("intermediate_size")},
        {**_act(c, "hidden_act", c.get("hidden_act", "gelu")), "name": "act"},
        {"type": "dense", "name": "output", "units": d},
        *output_dropout,
        {"type": "add", "name": "output_residual",
         "inputs": [output_dropout[0]["name"] if output_dropout else "output", "attention_norm"]},
        {"type": "layernorm", "name": "output_norm"},
    ]}
    layers = [
        {"type": "embedding", "name": "word_embeddings", "vocab": vocab, "dim": d, "inputs": ["input_ids"]},
        {"type": "position_embedding", "name": "position_embeddings", "max_positions": positions},
        {"type": "embedding", "name": "token_type_embeddings", "vocab": c.get("type_vocab_size", 2), "dim": d,
         "inputs": ["token_type_ids"]},
        {"type": "add", "name": "embeddings", "inputs": ["position_embeddings", "token_type_embeddings"]},
        {"type": "layernorm", "name": "embeddings_norm"},
        *_dropout("embeddings_dropout", hidden),
        {"type": "bert_layer", "name": "encoder", "repeat": c.need("num_hidden_layers")},
    ]
    notes = []
    if head in ("base", "classification"):
        layers += [{"type": "take", "name": "first_token", "index": 0},
                   {"type": "dense", "name": "pooler", "units": d}, {"type": "tanh", "name": "pooler_act"}]
        if head == "classification":
            layers.append({"type": "dense", "name": "classifier", "units": _labels(c)})
    elif head == "masked-lm":    # BertForMaskedLM has no pooler; its decoder shares the word embeddings
        layers += [{"type": "dense", "name": "transform", "units": d},
                   {**_act(c, "hidden_act", c.get("hidden_act", "gelu")), "name": "transform_act"},
                   {"type": "layernorm", "name": "transform_norm"},
                   {"type": "dense", "name": "decoder", "units": vocab, "tied_to": "word_embeddings"}]
    else:
        _unsupported(c, head)
    spec = {"inputs": {"input_ids": [steps], "token_type_ids": [steps]},
            "blocks": {"bert_layer": block}, "layers": layers}
    return spec, notes


# -- Llama and its relatives ---------------------------------------------------------

_DECODERS = {
    # model_type: (attention biases on Q, K, V; on the output; MLP bias; norms per layer; tied by default)
    "llama": (False, False, False, 2, False),
    "mistral": (False, False, False, 2, False),
    "mixtral": (False, False, False, 2, False),
    "qwen2": (True, False, False, 2, False),
    "gemma": (False, False, False, 2, True),
    "gemma2": (False, False, False, 4, True),
    "phi3": (False, False, False, 2, False),
}


def decoder(c: _Config, head: str, options: ImportOptions):
    kind = c.data["model_type"]
    qkv_bias, out_bias, mlp_bias, norms, tied_default = _DECODERS[kind]
    d, vocab = c.need("hidden_size"), c.need("vocab_size")
    heads = c.need("num_attention_heads")
    kv_heads = c.get("num_key_value_heads", heads)
    head_dim = c.get("head_dim", d // heads)
    inter = c.need("intermediate_size")
    steps = _seq_len(c, options, "max_position_embeddings")
    if kind != "qwen2":             # Qwen2 always has Q, K, V biases and none on the output
        qkv_bias = out_bias = c.get("attention_bias", qkv_bias)
    mlp_bias = c.get("mlp_bias", mlp_bias)
    key = "hidden_act" if c.data.get("hidden_act") is not None or c.data.get("hidden_activation") is None \
        else "hidden_activation"
    act = _act(c, key, c.get(key, "silu"))
    mlp = {"layers": [
        {"type": "dense", "name": "gate_proj", "units": inter, "bias": mlp_bias},
        {**act, "name": "act"},
        {"type": "dense", "name": "up_proj", "units": inter, "bias": mlp_bias, "inputs": ["in"]},
        {"type": "multiply", "name": "gated", "inputs": ["act", "up_proj"]},
        {"type": "dense", "name": "down_proj", "units": d, "bias": mlp_bias},
    ]}
    blocks = {"mlp": mlp}
    experts = c.get("num_local_experts", None)
    if experts:      # Mixtral: a router without bias sends each token to top_k of the experts
        mlp_use = {"type": "mlp", "name": "block_sparse_moe", "experts": experts,
                   "top_k": c.need("num_experts_per_tok")}
    else:
        mlp_use = {"type": "mlp", "name": "mlp"}
    attention = {"type": "attention", "name": "self_attn", "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim,
                 "dim": d, "qkv_bias": qkv_bias, "out_bias": out_bias, "causal": True, "position": "rope",
                 **({"dropout": rate} if (rate := _rate(c, "attention_dropout")) else {})}
    trained = c.get("max_position_embeddings", None)
    if trained:         # the positions RoPE was trained for: a longer --context warns
        attention["max_positions"] = trained
    layer = [{"type": "rmsnorm", "name": "input_layernorm"}, attention]
    if norms == 4:
        layer.append({"type": "rmsnorm", "name": "post_attention_layernorm"})
    layer.append({"type": "add", "name": "attn_residual", "inputs": [layer[-1]["name"], "in"]})
    layer.append({"type": "rmsnorm", "name": "pre_feedforward_layernorm" if norms == 4 else "post_attention_layernorm"})
    layer.append(mlp_use)
    if norms == 4:
        layer.append({"type": "rmsnorm", "name": "post_feedforward_layernorm"})
    layer.append({"type": "add", "inputs": [layer[-1]["name"], "attn_residual"]})
    n_layers = c.need("num_hidden_layers")
    windows = _sliding_windows(c, kind, n_layers)
    blocks["decoder_layer"] = {"layers": layer}
    if windows.uniform:
        stack = [{"type": "decoder_layer", "name": "layers", "repeat": n_layers}]
        if windows.slides(0):
            attention["sliding_window"] = windows.window
    else:           # local and global layers interleave (Gemma 2): one use per layer
        if n_layers > MAX_DECODER_LAYERS:
            raise SpecError(f"num_hidden_layers {n_layers:,} with local and global layers interleaved: more "
                            f"than the {MAX_DECODER_LAYERS:,} layers archcalc writes one by one", c.file)
        blocks["decoder_layer"] = {"args": {"sliding_window": None}, "layers": layer}
        attention["sliding_window"] = "$sliding_window"
        stack = [{"type": "decoder_layer", "name": f"layers_{i}",
                  "sliding_window": windows.window if windows.slides(i) else None} for i in range(n_layers)]
    layers = [
        {"type": "embedding", "name": "embed_tokens", "vocab": vocab, "dim": d},
        *stack,
        {"type": "rmsnorm", "name": "norm"},
    ]
    if head == "causal-lm":
        tied = c.get("tie_word_embeddings", tied_default)
        layers.append({"type": "dense", "name": "lm_head", "units": vocab, "bias": False,
                       **({"tied_to": "embed_tokens"} if tied else {})})
    elif head != "base":
        _unsupported(c, head)
    notes = ["RoPE's inverse-frequency table is a buffer transformers does not save; it is not counted."]
    if windows.note:
        notes.append(windows.note)
    local = (n_layers if windows.slides(0) else 0) if windows.uniform else sum(map(windows.slides, range(n_layers)))
    if local:
        notes.append(f"sliding window of {windows.window} positions on {local} of {n_layers} layers"
                     + (" (layer_types)" if local < n_layers else "")
                     + f": their KV cache keeps at most {windows.window} positions; forward MACs count the full "
                     "products.")
    return {"input": [steps], "blocks": blocks, "layers": layers}, notes


# transformers' defaults where a config leaves a key out (MistralConfig, Qwen2Config, Gemma2Config)
_WINDOW_DEFAULTS = {"mistral": 4096, "mixtral": None, "qwen2": 4096, "phi3": None, "gemma2": 4096}
_WINDOWED_EVERY = {"gemma2": 2}     # Gemma 2: local at layers 0, 2, 4, …, global at 1, 3, 5, …


MAX_DECODER_LAYERS = 1_000_000    # decoder layers written one use each (interleaved windows)


class _Windows(NamedTuple):
    """Which decoder layers attend over a causal sliding window, without a list per layer
    (a config may claim 2^62 layers; the layer-count guard refuses it later)."""
    window: int | None                 # W; None: every layer attends over every position
    slides: Callable[[int], bool]      # does layer i slide
    uniform: bool                      # every layer alike
    note: str | None = None


def _sliding_windows(c: _Config, kind: str, n_layers: int) -> _Windows:
    """Each decoder layer's causal sliding window, as transformers builds the model:
    `layer_types` when the config has it, else the model type's own rule (every layer for
    Mistral, Mixtral and Phi-3; Qwen2 only with use_sliding_window, from max_window_layers
    on; Gemma 2 alternating, local first; `sliding_window_pattern` P: every P-th layer
    global)."""
    full = _Windows(None, lambda i: False, True)
    if kind not in _WINDOW_DEFAULTS:
        return full                       # llama and gemma attend over every position
    window = c.data.get("sliding_window", _WINDOW_DEFAULTS[kind])
    if window is not None:
        window = c._checked("sliding_window", window, int, minimum=1)
    if kind == "qwen2" and not c.get("use_sliding_window", False):
        window = None                     # Qwen2Config drops the window unless use_sliding_window
    types = c.data.get("layer_types")
    if types is not None:
        if not (isinstance(types, list) and len(types) == n_layers
                and all(t in ("sliding_attention", "full_attention") for t in types)):
            raise SpecError(f"config key 'layer_types' must be a list of {n_layers} (num_hidden_layers) "
                            f"'sliding_attention' or 'full_attention', got {describe(types)}", c.file)
        if window is None and "sliding_attention" in types:
            return full._replace(note="layer_types names sliding_attention layers but there is no window "
                                      "(sliding_window null, or Qwen2's use_sliding_window false): transformers "
                                      "gives them full attention, and so does archcalc.")
        if window is None:
            return full
        return _Windows(window, lambda i: types[i] == "sliding_attention", len(set(types)) == 1)
    if window is None:
        return full
    if kind == "qwen2":
        first = c.get("max_window_layers", 28)
        return _Windows(window, lambda i: i >= first, first == 0 or first >= n_layers)
    every = c.data.get("sliding_window_pattern", _WINDOWED_EVERY.get(kind))
    if every is None:
        return _Windows(window, lambda i: True, True)
    every = c._checked("sliding_window_pattern", every, int, minimum=1)
    return _Windows(window, lambda i: (i + 1) % every != 0, every == 1 or every > n_layers)


# -- T5 ------------------------------------------------------------------------------

def t5(c: _Config, head: str, options: ImportOptions):
    d, vocab = c.need("d_model"), c.need("vocab_size")
    heads, d_kv, d_ff = c.need("num_heads"), c.need("d_kv"), c.need("d_ff")
    buckets = c.get("relative_attention_num_buckets", 32)
    steps = options.seq_len or 512
    projection = c.get("feed_forward_proj", "relu")
    gated = projection.startswith("gated-")
    act = _act(c, "feed_forward_proj", projection.replace("gated-", "", 1))
    rate = _rate(c, "dropout_rate")     # T5 drops out the probabilities, each sublayer's output
    # before its residual sum, and the feed-forward's hidden units
    if gated:
        ff = [{"type": "dense", "name": "wi_0", "units": d_ff, "bias": False}, {**act, "name": "act"},
              {"type": "dense", "name": "wi_1", "units": d_ff, "bias": False, "inputs": ["ff_norm"]},
              {"type": "multiply", "name": "gated", "inputs": ["act", "wi_1"]},
              *_dropout("ff_dropout", rate), {"type": "dense", "name": "wo", "units": d, "bias": False}]
    else:
        ff = [{"type": "dense", "name": "wi", "units": d_ff, "bias": False}, {**act, "name": "act"},
              *_dropout("ff_dropout", rate), {"type": "dense", "name": "wo", "units": d, "bias": False}]
    attention = {"type": "attention", "heads": heads, "head_dim": d_kv, "dim": d, "bias": False,
                 **({"dropout": rate} if rate else {})}

    def dropped(name: str) -> tuple[list[dict], str]:
        """A sublayer's output dropout, and the name its residual sum reads."""
        return _dropout(f"{name}_dropout", rate), f"{name}_dropout" if rate else name

    self_drop, self_out = dropped("self_attn")
    cross_drop, cross_out = dropped("cross_attn")
    ff_drop, ff_out = dropped("wo")
    encoder_block = {"args": {"table": None}, "layers": [
        {"type": "rmsnorm", "name": "attn_norm"},
        {**attention, "name": "self_attn", "relative_position_bias": "$table"}, *self_drop,
        {"type": "add", "name": "attn_residual", "inputs": [self_out, "in"]},
        {"type": "rmsnorm", "name": "ff_norm"}, *ff, *ff_drop,
        {"type": "add", "inputs": [ff_out, "attn_residual"]},
    ]}
    decoder_block = {"args": {"table": None}, "layers": [
        {"type": "rmsnorm", "name": "attn_norm"},
        {**attention, "name": "self_attn", "relative_position_bias": "$table", "causal": True}, *self_drop,
        {"type": "add", "name": "attn_residual", "inputs": [self_out, "in"]},
        {"type": "rmsnorm", "name": "cross_norm"},
        {**attention, "name": "cross_attn", "inputs": ["cross_norm", "encoder_out"]}, *cross_drop,
        {"type": "add", "name": "cross_residual", "inputs": [cross_out, "attn_residual"]},
        {"type": "rmsnorm", "name": "ff_norm"}, *ff, *ff_drop,
        {"type": "add", "inputs": [ff_out, "cross_residual"]},
    ]}
    n_enc = c.need("num_layers")
    n_dec = c.get("num_decoder_layers", n_enc)
    table = {"buckets": buckets}
    layers = [
        {"type": "embedding", "name": "shared", "vocab": vocab, "dim": d, "inputs": ["input_ids"]},
        *_dropout("encoder_dropout", rate),
        {"type": "encoder_block", "name": "encoder_first", "table": table},
        *([{"type": "encoder_block", "name": "encoder", "table": False, "repeat": n_enc - 1}] if n_enc > 1 else []),
        {"type": "rmsnorm", "name": "encoder_out"},
    ]
    if head in ("seq2seq", "base"):
        layers += [
            {"type": "embedding", "name": "decoder_embed", "vocab": vocab, "dim": d, "inputs": ["decoder_input_ids"],
             "tied_to": "shared"},
            *_dropout("decoder_dropout", rate),
            {"type": "decoder_block", "name": "decoder_first", "table": table},
            *([{"type": "decoder_block", "name": "decoder", "table": False, "repeat": n_dec - 1}] if n_dec > 1 else []),
            {"type": "rmsnorm", "name": "decoder_out"},
        ]
        if head == "seq2seq":
            layers.append({"type": "dense", "name": "lm_head", "units": vocab, "bias": False,
                           **({"tied_to": "shared"} if c.get("tie_word_embeddings", True) else {})})
    else:
        _unsupported(c, head)
    spec = {"inputs": {"input_ids": [steps], "decoder_input_ids": [steps]},
            "blocks": {"encoder_block": encoder_block, "decoder_block": decoder_block}, "layers": layers}
    return spec, ["The relative position table sits on the first block of each stack, as transformers keeps it."]


# -- ViT -----------------------------------------------------------------------------

def vit(c: _Config, head: str, options: ImportOptions):
    d, size, patch = c.need("hidden_size"), c.need("image_size"), c.need("patch_size")
    channels = c.get("num_channels", 3)
    side = size // patch
    hidden = _rate(c, "hidden_dropout_prob")
    block = {"layers": [
        {"type": "layernorm", "name": "layernorm_before"},
        {"type": "attention", "name": "attention", "heads": c.need("num_attention_heads"),
         "bias": c.get("qkv_bias", True),
         **({"dropout": rate} if (rate := _rate(c, "attention_probs_dropout_prob")) else {})},
        *_dropout("attention_dropout", hidden),
        {"type": "add", "name": "attention_residual",
         "inputs": ["attention_dropout" if hidden else "attention", "in"]},
        {"type": "layernorm", "name": "layernorm_after"},
        {"type": "dense", "name": "intermediate", "units": c.need("intermediate_size")},
        {**_act(c, "hidden_act", c.get("hidden_act", "gelu")), "name": "act"},
        {"type": "dense", "name": "output", "units": d},
        *_dropout("output_dropout", hidden),
        {"type": "add", "inputs": ["output_dropout" if hidden else "output", "attention_residual"]},
    ]}
    layers = [
        {"type": "conv2d", "name": "patch_embeddings", "filters": d, "kernel": patch, "stride": patch},
        {"type": "reshape", "name": "patches", "shape": [side * side, d]},
        {"type": "class_token", "name": "cls_token"},
        {"type": "position_embedding", "name": "position_embeddings"},
        {"type": "vit_layer", "name": "encoder", "repeat": c.need("num_hidden_layers")},
        {"type": "layernorm", "name": "layernorm"},
        {"type": "take", "name": "first_token", "index": 0},
    ]
    if head == "classification":
        layers.append({"type": "dense", "name": "classifier", "units": _labels(c)})
    elif head == "base":
        layers += [{"type": "dense", "name": "pooler", "units": d}, {"type": "tanh", "name": "pooler_act"}]
    else:
        _unsupported(c, head)
    return {"input": [size, size, channels], "blocks": {"vit_layer": block}, "layers": layers}, []


def _unsupported(c: _Config, head: str) -> None:
    raise SpecError(f"model_type '{c.data['model_type']}' has no {head} head here "
                    f"(heads: {', '.join(HEADS)}; see docs/importing.md)", c.file)


BUILDERS: dict[str, Callable] = {"gpt2": gpt2, "bert": bert, "roberta": bert, "t5": t5, "vit": vit,
                                 **{kind: decoder for kind in _DECODERS}}
