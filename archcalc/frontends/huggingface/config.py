"""Reading a config.json: checked sizes and settings, the dtype, the head, T, activations and
dropout rates — what every builder of the door shares."""

from __future__ import annotations

from typing import Any

from ...args import MAX_INTEGER, describe
from ...errors import SpecError, option
from ..imported import ImportOptions

DEFAULT_MAX_SEQ_LEN = 2048      # T when --seq-len is not given: the context, capped to keep MACs readable

HEADS = ("base", "causal-lm", "masked-lm", "seq2seq", "classification")

# What every builder returns: the spec's body (the mapping the YAML door reads) and its notes.
Built = tuple[dict[str, Any], list[str]]


class Config:
    """The config mapping, with errors that name the missing key or the mistyped value."""

    def __init__(self, data: dict[str, Any], file: str):
        self.data, self.file = data, file

    @property
    def kind(self) -> str:
        return self.data["model_type"]

    def need(self, *keys: str) -> int:
        """A size the model cannot be built without (every one is a positive integer)."""
        for key in keys:
            if self.data.get(key) is not None:
                return self.checked(key, self.data[key], int, minimum=1)
        raise SpecError(f"config has no '{keys[0]}' (needed for model_type '{self.data.get('model_type')}')",
                        self.file)

    def get(self, key: str, default: Any) -> Any:
        """A setting, `default` when absent; present, it must be of the default's kind (an
        integer where the default is None: such keys are counts)."""
        value = self.data.get(key)
        if value is None:
            return default
        return self.checked(key, value, int if default is None else type(default), minimum=0)

    def first(self, keys: tuple[str, ...], default: Any) -> Any:
        """The first of `keys` the config sets (as `get`), `default` when none is."""
        for key in keys:
            if self.data.get(key) is not None:
                return self.get(key, default)
        return default

    def checked(self, key: str, value: Any, kind: type, minimum: int) -> Any:
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


_TORCH_DTYPES = {"float32": "float32", "float": "float32", "float16": "float16", "half": "float16",
                 "bfloat16": "bfloat16", "float64": "float64", "double": "float64",
                 "float8_e4m3fn": "float8", "float8_e5m2": "float8"}


def read_dtype(config: dict[str, Any]) -> tuple[str | None, str | None]:
    """The dtype the weights are published in (`dtype`, or `torch_dtype` as transformers
    before v4.56 wrote it), and a note saying so; None when the config names none."""
    key = "dtype" if config.get("dtype") is not None else "torch_dtype"
    value = config.get(key)
    if value is None:
        return None, None
    text = value.removeprefix("torch.") if isinstance(value, str) else None
    if text not in _TORCH_DTYPES:
        return None, (f"config's {key} {describe(value)} is not a dtype archcalc sizes; "
                      f"memory is in float32 unless {option('dtype')} says otherwise.")
    dtype = _TORCH_DTYPES[text]
    return dtype, f"dtype {dtype} from the config's {key} ({option('dtype')} overrides it)."


def architecture(config: dict[str, Any]) -> str | None:
    names = config.get("architectures")
    return names[0] if isinstance(names, list) and names and isinstance(names[0], str) else None


_HEAD_SUFFIXES = (("ForCausalLM", "causal-lm"), ("LMHeadModel", "causal-lm"), ("ForMaskedLM", "masked-lm"),
                  ("ForConditionalGeneration", "seq2seq"), ("ForImageClassification", "classification"),
                  ("ForSequenceClassification", "classification"))


def pick_head(c: Config, requested: str | None) -> str:
    if requested is not None:
        if requested not in HEADS:
            raise SpecError(f"{option('head')} {requested!r} is not one of {', '.join(HEADS)}", c.file)
        return requested
    name = architecture(c.data) or ""
    for suffix, head in _HEAD_SUFFIXES:
        if name.endswith(suffix):
            return head
    return "base"


def seq_len(c: Config, options: ImportOptions, *limit_keys: str) -> int:
    if options.seq_len is not None:
        return options.seq_len
    for key in limit_keys:      # the context the config allows bounds T: checked as the count it is
        if c.data.get(key) is not None:
            return min(c.checked(key, c.data[key], int, minimum=1), DEFAULT_MAX_SEQ_LEN)
    return DEFAULT_MAX_SEQ_LEN


# transformers' activation names (ACT2FN) that archcalc counts, as layers.
ACTIVATIONS = {
    **dict.fromkeys(("gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_tanh"), {"type": "gelu", "approximate": "tanh"}),
    **dict.fromkeys(("silu", "swish"), {"type": "silu"}),
    **{name: {"type": name} for name in ("relu", "tanh", "sigmoid", "gelu")},
}


def activation(c: Config, key: str, name: str) -> dict[str, Any]:
    """The activation `name` (read from the config's `key`) as a layer; a name archcalc does
    not know is refused, never counted as some other activation."""
    layer = ACTIVATIONS.get(name.lower())
    if layer is None:
        raise SpecError(f"config key '{key}' names the activation {name!r}, which archcalc does not count "
                        f"(known: {', '.join(sorted(ACTIVATIONS))})", c.file)
    return dict(layer)


def rate(c: Config, *keys: str) -> float:
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


def dropout(name: str, rate: float) -> list[dict[str, Any]]:
    """A dropout layer where the model trains with one (it keeps a mask for the backward
    pass); none at rate 0, where it changes nothing."""
    return [{"type": "dropout", "name": name, "rate": rate}] if rate else []


def labels(c: Config) -> int:
    found = c.data.get("id2label")
    if isinstance(found, dict) and found:
        return len(found)
    return c.get("num_labels", 2)      # transformers' default


def unsupported(c: Config, head: str) -> None:
    raise SpecError(f"model_type '{c.data['model_type']}' has no {head} head here "
                    f"(heads: {', '.join(HEADS)}; see docs/importing.md)", c.file)
