"""Hugging Face `config.json` -> a spec: the architecture from the config alone, no weights,
no network, no `transformers` import.

Each supported `model_type` is a row of traits (`traits.py`) over the builder of its shape
(`decoder.py`, `encoder.py`, `modernbert.py`, `seq2seq.py`, `vision.py`), which writes the model as
`transformers` builds it from that config — the same modules, so
`sum(p.numel() for p in model.parameters())` (tied weights once) equals the spec's params.
The head follows the config's `architectures` (GPT2LMHeadModel, LlamaForCausalLM,
BertForMaskedLM, ...) unless `--head` says otherwise.
"""

from __future__ import annotations

import difflib
from functools import partial
from typing import Callable, NoReturn

from ...errors import SpecError, option
from ..imported import Imported, ImportOptions
from ..reading import load_json
from .config import HEADS, Built, Config, architecture, pick_head, read_dtype

# A builder: the checked config, the head and the options -> the spec's body and notes.
Builder = Callable[[Config, str, ImportOptions], Built]

SUFFIXES = (".json",)

__all__ = ["HEADS", "SUFFIXES", "sniff", "to_spec", "supported"]


def sniff(head: bytes) -> bool:
    text = head.lstrip()
    return text.startswith(b"{") and b'"model_type"' in head


def _builders() -> dict[str, Builder]:
    """model_type -> its builder, each decoder row bound to the decoder builder."""
    from . import decoder, encoder, modernbert, seq2seq, traits, vision
    found: dict[str, Builder] = {kind: partial(decoder.build, row=row) for kind, row in traits.DECODERS.items()}
    found.update({kind: partial(encoder.build, row=row) for kind, row in traits.ENCODERS.items()})
    found.update({kind: seq2seq.t5 for kind in traits.T5_TYPES})
    found["bart"] = seq2seq.bart
    found["mbart"] = partial(seq2seq.bart, pre_norm=True)
    found["vit"] = vision.vit
    found["modernbert"] = modernbert.modernbert
    return found


def supported() -> list[str]:
    return sorted(_builders())


def _refuse_type(kind: object, builders: dict[str, Builder], file: str) -> NoReturn:
    from .traits import NEIGHBOURS
    known = NEIGHBOURS.get(kind) if isinstance(kind, str) else None
    if known is not None:       # a family we know: what differs, and the nearest in architecture
        hint = f"{known[1]}; " + (f"closest: {known[0]}; " if known[0] else "")
    else:                       # else the supported types nearest in spelling
        near = difflib.get_close_matches(kind, builders, n=3, cutoff=0.6) if isinstance(kind, str) else []
        hint = f"closest: {', '.join(near)}; " if near else ""
    # the whole list would be cut short on one line: docs/importing.md has it
    raise SpecError(f"model_type {kind!r} is not supported ({hint}docs/importing.md lists the {len(builders)} "
                    "supported)", file)


def to_spec(data: bytes, file: str, options: ImportOptions) -> Imported:
    config = load_json(data, file)
    if not isinstance(config, dict):
        raise SpecError("a config.json must be a JSON object", file)
    kind = config.get("model_type")
    builders = _builders()
    builder = builders.get(kind) if isinstance(kind, str) else None
    if builder is None:
        _refuse_type(kind, builders, file)
    assert builder is not None and isinstance(kind, str)
    c = Config(config, file)
    head = pick_head(c, options.head)
    spec, notes = builder(c, head, options)
    name = str(config.get("_name_or_path") or kind).rsplit("/", 1)[-1] or kind
    dtype, dtype_note = read_dtype(config)
    spec = {"name": name, **({"dtype": dtype} if dtype else {}), **spec}
    notes = [f"Hugging Face {kind} config with the {head} head "
             f"({option('head') + ' ' + options.head if options.head else architecture(config) or 'no architectures entry'}).",
             *([dtype_note] if dtype_note else []), *notes]
    return Imported(spec=spec, notes=tuple(notes))
