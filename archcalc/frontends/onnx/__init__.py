"""The ONNX front door: an exported model's graph translated into a spec.

The file is read by `model.py`, straight from ONNX's protobuf encoding (no `onnx` package,
no NumPy): the graph, the attributes, and each initializer's name, type and dims. A weight's
bytes are skipped by their length, never copied, and no file a model names is ever opened;
only small integer tensors (shapes, axes, indices) are read, to fold the arithmetic an
exporter writes around reshapes (`fold.py`). See docs/importing.md for what is covered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import SpecError
from ..imported import Imported, ImportOptions

if TYPE_CHECKING:
    from .model import Model
    from .wire import Buffer

SUFFIXES = (".onnx",)
MIN_OPSET = 13


def sniff(head: bytes) -> bool:
    # A ModelProto starts with its ir_version (field 1, varint) and names its producer early.
    return head[:1] == b"\x08" and (b"pytorch" in head[:512] or b"onnx" in head[:512].lower()
                                    or b"tf2onnx" in head[:512] or b"keras" in head[:512])


def list_ops() -> list[str]:
    from .ops import HANDLERS
    return sorted(HANDLERS)


def to_spec(data: Buffer, file: str, options: ImportOptions) -> Imported:
    """`data`: the file's bytes, or an mmap of it (only what the door keeps is copied out)."""
    from .model import read_model
    from .wire import Unreadable
    try:
        model = read_model(data)
    except Unreadable as exc:          # the wire reader's own refusal: the bytes are not an ONNX model
        raise SpecError(f"not a readable ONNX model ({exc})", file) from None
    return translate_model(model, file, options)


def translate_model(model: Model, file: str, options: ImportOptions) -> Imported:
    """A model's records (model.py's, or the onnx package's messages, which have the same
    field names, so the tests feed them in as an oracle; typed as model.py's) as a spec."""
    if not model.graph.node:
        raise SpecError("not a readable ONNX model (its graph has no nodes)", file)
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < MIN_OPSET:
        raise SpecError(f"opset {opset} is older than {MIN_OPSET}, the oldest archcalc reads "
                        "(export again with opset_version=13 or later)", file)
    from .ops import HANDLERS
    from .translate import Translator
    translator = Translator(model, file, options, HANDLERS)
    spec = translator.run()
    producer = f"{model.producer_name} {model.producer_version}".strip() or "an unnamed producer"
    notes = [f"ONNX model from {producer}, opset {opset}; params are the initializers that feed weights, "
             "each counted once.", *translator.notes]
    return Imported(spec=spec, notes=tuple(notes), where=translator.where)
