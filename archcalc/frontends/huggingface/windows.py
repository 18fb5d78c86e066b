"""Which decoder layers attend over a causal sliding window, as transformers builds them."""

from __future__ import annotations

from typing import Callable, NamedTuple

from ...args import describe
from ...errors import SpecError
from .config import Config
from .traits import Decoder


class Windows(NamedTuple):
    """Which decoder layers attend over a causal sliding window, without a list per layer
    (a config may claim 2^62 layers; the layer-count guard refuses it later)."""
    window: int | None                 # W; None: every layer attends over every position
    slides: Callable[[int], bool]      # does layer i slide
    uniform: bool                      # every layer alike
    note: str | None = None


def sliding_windows(c: Config, row: Decoder, n_layers: int) -> Windows:
    """Each decoder layer's causal sliding window: `layer_types` when the config has it, else
    the family's own rule (`row.windows`): every layer ("all": Mistral, Mixtral, Phi-3);
    from max_window_layers on, with use_sliding_window ("qwen2"); local first, every
    `sliding_window_pattern`-th layer global ("pattern": Gemma 2 alternates)."""
    full = Windows(None, lambda i: False, True)
    if row.windows == "none":
        return full                       # llama, gemma, …: every layer attends over every position
    window = c.data.get("sliding_window", row.window_default)
    if window is not None:
        window = c.checked("sliding_window", window, int, minimum=1)
    if row.windows == "qwen2" and not c.get("use_sliding_window", False):
        window = None                     # Qwen2Config drops the window unless use_sliding_window
    types = c.data.get("layer_types")
    if row.windows == "gpt_neo":
        window = c.checked("window_size", c.data.get("window_size", row.window_default), int, minimum=1)
        types = _gpt_neo_types(c, n_layers)
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
        return Windows(window, lambda i: types[i] == "sliding_attention", len(set(types)) == 1)
    if window is None:
        return full
    if row.windows == "qwen2":
        first = c.get("max_window_layers", 28)
        return Windows(window, lambda i: i >= first, first == 0 or first >= n_layers)
    every = c.data.get("sliding_window_pattern", row.window_every)
    if every is None:
        return Windows(window, lambda i: True, True)
    every = c.checked("sliding_window_pattern", every, int, minimum=1)
    return Windows(window, lambda i: (i + 1) % every != 0, every == 1 or every > n_layers)


def _gpt_neo_types(c: Config, n_layers: int) -> list[str]:
    """GPT-Neo's `attention_layers` ("global" or "local" per layer), written out from
    `attention_types` ([[pattern, times], …]) when absent, as GPTNeoConfig expands it."""
    layers = c.data.get("attention_layers")
    if layers is None:
        layers = _expanded(c.data.get("attention_types", [[["global", "local"], n_layers // 2]]), n_layers)
        if layers is None:
            raise SpecError(f"config key 'attention_types' must be [[[\"global\" or \"local\", …], times], …] "
                            f"covering {n_layers} (num_layers) layers, got {describe(c.data.get('attention_types'))}",
                            c.file)
    if not (isinstance(layers, list) and len(layers) == n_layers and all(t in ("global", "local") for t in layers)):
        raise SpecError(f"config key 'attention_layers' must be a list of {n_layers} (num_layers) 'global' or "
                        f"'local', got {describe(layers)}", c.file)
    return ["sliding_attention" if t == "local" else "full_attention" for t in layers]


def _expanded(groups: object, n_layers: int) -> list[str] | None:
    """[[pattern, times], …] written out, or None when it is not that or would exceed n_layers
    (checked before anything is repeated: a config may claim 2^62 times)."""
    if not isinstance(groups, list):
        return None
    out: list[str] = []
    for group in groups:
        if not (isinstance(group, list) and len(group) == 2 and isinstance(group[0], list) and group[0]
                and isinstance(group[1], int) and not isinstance(group[1], bool) and group[1] >= 0):
            return None
        pattern, times = group
        if len(out) + len(pattern) * times > n_layers:
            return None
        out += pattern * times
    return out
