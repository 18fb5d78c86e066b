"""What a model-file importer hands over: a spec mapping plus notes.

Importers (ONNX, Hugging Face config.json, Keras JSON) translate a file into
the spec language itself — the same mapping a YAML file parses to — so that
`archcalc import` can write it out as a readable spec and every other command
analyses exactly what that spec says. The YAML door's builder then turns the
mapping into the layer graph; an error found there is placed through `where`.

Each importer module offers:
    SUFFIXES: tuple[str, ...]          file-name endings it claims (".onnx")
    OPTIONS: tuple[str, ...]           the ImportOptions fields it reads ("inputs", "seq_len", "head");
                                       a file given another one is refused, never read without it
    def sniff(head: bytes) -> bool     does the file's start look like this format
    def to_spec(data: bytes, file: str, options: ImportOptions) -> Imported
and raises `archcalc.errors.SpecError(message, file, line, column)` on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


FIRST_INPUT = ""     # the key of `--input SHAPE` in `ImportOptions.inputs`: the first (or only) input

# option field -> how the command line spells it, and what it is for (said when it is refused)
OPTION_FLAGS = {"inputs": "--input", "seq_len": "--seq-len", "head": "--head", "kwargs": "--kwargs",
                "allow_uncounted": "--allow-uncounted", "input_dtypes": "--input"}
# The element types an input of PyTorch code may be given (`--input ids=1,128:int64`); float32 otherwise.
INPUT_DTYPES = ("int64", "int32")


def split_input_type(text: str) -> tuple[str, str | None]:
    """`"1,128:int64"` -> ("1,128", "int64"); `"1,128"` -> ("1,128", None). A type other than
    INPUT_DTYPES is a ValueError saying so (the caller words it as its reader's error)."""
    shape, colon, dtype = text.partition(":")
    if colon and dtype not in INPUT_DTYPES:
        raise ValueError(f"an input's type is {' or '.join(INPUT_DTYPES)}, got {dtype[:20]!r}")
    return shape, dtype if colon else None


@dataclass(frozen=True)
class ImportOptions:
    seq_len: int | None = None                  # --seq-len: T for sequence models
    head: str | None = None                     # --head: which head a config's model carries
    inputs: Mapping[str, tuple[int, ...]] = field(default_factory=dict)   # --input [NAME=]SHAPE
    batch: int | None = None
    kwargs: Mapping[str, str] = field(default_factory=dict)              # --kwargs NAME=VALUE: factory arguments
    allow_uncounted: bool = False                # --allow-uncounted: an op without a rule is listed, not refused
    input_dtypes: Mapping[str, str] = field(default_factory=dict)         # --input NAME=SHAPE:int64: token ids

    def given(self) -> tuple[str, ...]:
        """The option fields set (those a front door must read or refuse)."""
        return tuple(key for key in OPTION_FLAGS if getattr(self, key))


@dataclass(frozen=True)
class Imported:
    spec: dict[str, Any]                        # a spec mapping in the YAML spec language
    notes: tuple[str, ...] = ()                 # said on stderr, and as comments by `import`
    where: Mapping[str, str] = field(default_factory=dict)   # layer name -> "node 'Conv_12'"
