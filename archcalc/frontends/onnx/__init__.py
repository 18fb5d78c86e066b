"""The ONNX front door: an exported model's graph translated into a spec.

Reading needs the `onnx` package (`pip install 'archcalc[onnx]'`). The weights are never
turned into numbers: a weight's shape comes from its initializer's dimensions, and only
small integer tensors (shapes, axes, indices) are read, to fold the arithmetic an exporter
writes around reshapes. See docs/importing.md for what is covered and how.
"""

from __future__ import annotations

from ...errors import SpecError
from ..imported import Imported, ImportOptions

SUFFIXES = (".onnx",)
MIN_OPSET = 13


def sniff(head: bytes) -> bool:
    # A ModelProto starts with its ir_version (field 1, varint) and names its producer early.
    return head[:1] == b"\x08" and (b"pytorch" in head[:512] or b"onnx" in head[:512].lower()
                                    or b"tf2onnx" in head[:512] or b"keras" in head[:512])


def list_ops() -> list[str]:
    from .ops import HANDLERS
    return sorted(HANDLERS)


def to_spec(data: bytes, file: str, options: ImportOptions) -> Imported:
    try:
        import onnx
    except ImportError:
        raise SpecError("reading ONNX files needs the onnx package: pip install 'archcalc[onnx]'", file) from None
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:     # protobuf's DecodeError and friends: the file is not an ONNX model
        raise SpecError(f"not a readable ONNX model ({type(exc).__name__}: {str(exc)[:80]})", file) from None
    if not model.graph.node:
        raise SpecError("not a readable ONNX model (its graph has no nodes)", file)
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < MIN_OPSET:
        raise SpecError(f"opset {opset} is older than {MIN_OPSET}, the oldest archcalc reads "
                        "(export again with opset_version=13 or later)", file)
    from .translate import Translator
    translator = Translator(model, file, options)
    spec = translator.run()
    producer = f"{model.producer_name} {model.producer_version}".strip() or "an unnamed producer"
    notes = [f"ONNX model from {producer}, opset {opset}; params are the initializers that feed weights, "
             "each counted once.", *translator.notes]
    return Imported(spec=spec, notes=tuple(notes), where=translator.where)
