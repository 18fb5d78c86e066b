"""Front doors: every supported file becomes a `Graph` here, and only here.

`load_graph` picks the door from the file name's extension, then from the
content; the YAML door reads specs, importers translate model files into a
spec mapping (see imported.py) that the YAML door's builder turns into the
graph. Adding a door is one module and one entry in `IMPORTERS`.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import SpecError
from ..graph import Graph
from .reading import MODEL_CAP, SPEC_CAP, decode_text, read_input

if TYPE_CHECKING:
    from .imported import Imported, ImportOptions

# name -> module: each has SUFFIXES, sniff(head) and to_spec(data, file, options).
IMPORTERS = {
    "onnx": "archcalc.frontends.onnx",
    "huggingface": "archcalc.frontends.huggingface",
    "keras": "archcalc.frontends.keras",
}

# door -> the ImportOptions fields it reads, and what it is called when one is refused
OPTIONS = {"yaml": ("inputs",), "onnx": ("inputs",), "huggingface": ("seq_len", "head"), "keras": ()}
DOOR_NAMES = {"yaml": "a YAML spec", "onnx": "an ONNX model", "huggingface": "a Hugging Face config",
              "keras": "a Keras model JSON"}
WHAT_IT_SETS = {"inputs": "the input shapes", "seq_len": "the sequence length", "head": "the head"}
INSTEAD = {("huggingface", "inputs"): "; a config's sequence length is --seq-len",
           ("yaml", "seq_len"): "; a spec's input shape is --input"}


def _importer(name: str):
    return importlib.import_module(IMPORTERS[name])


class ImportedOrigin:
    """Places errors in a translated model file: a path into the spec mapping becomes
    the file's own name for the layer (`node 'Conv_12'`)."""

    __slots__ = ("file", "spec", "where")

    def __init__(self, file: str, spec: Mapping[str, Any], where: Mapping[str, str]):
        self.file, self.spec, self.where = file, spec, where

    def error(self, message: str, where: Any = None) -> SpecError:
        place = self._place(where)
        return SpecError(f"{place}: {message}" if place else message, self.file)

    def _place(self, where: Any) -> str | None:
        if not where or where[0] != "layers" or len(where) < 2 or not isinstance(where[1], int):
            return None
        layers = self.spec.get("layers") or ()
        if not 0 <= where[1] < len(layers) or not isinstance(layers[where[1]], Mapping):
            return None
        name = layers[where[1]].get("name")
        return self.where.get(name) if isinstance(name, str) else None


def _suffix(file: str) -> str:
    if file.startswith("<"):
        return ""
    return os.path.splitext(file)[1].lower()


def choose_door(file: str, head: bytes) -> str:
    """'yaml' or an importer's name: by extension first, then by content."""
    suffix = _suffix(file)
    if suffix in (".yaml", ".yml"):
        return "yaml"
    claimed = [name for name in IMPORTERS if suffix and suffix in _suffixes(name)]
    for name in claimed or IMPORTERS:
        if _sniff(name, head):
            return name
    if claimed and suffix != ".json":
        return claimed[0]          # its own error will say what is wrong with the file
    if suffix == ".json" and _looks_like_spec(head):
        return "yaml"              # JSON is YAML: a spec written as JSON
    if suffix == ".json":
        raise SpecError("a JSON file that is neither a Hugging Face config.json (no 'model_type'), "
                        "a Keras model JSON (no 'class_name') nor a spec (no 'layers')", file)
    return "yaml"


def readable_suffixes() -> tuple[str, ...]:
    """File-name endings some front door claims (others are still read, told by content)."""
    return tuple(dict.fromkeys((".yaml", ".yml", *(s for name in IMPORTERS for s in _suffixes(name)))))


def _suffixes(name: str) -> tuple[str, ...]:
    try:
        return _importer(name).SUFFIXES
    except ImportError:
        return ()


def _sniff(name: str, head: bytes) -> bool:
    try:
        module = _importer(name)
    except ImportError:
        return False
    try:
        return bool(module.sniff(head))
    except Exception:   # a sniff is a guess; a door that cannot tell does not claim the file
        return False


def _looks_like_spec(head: bytes) -> bool:
    return b'"layers"' in head


def read_model(source: str, options: ImportOptions | None = None,
               max_layers: int | None = None, overrides: Mapping[str, str] | None = None,
               max_spec_bytes: int = SPEC_CAP) -> Graph:
    """A path (or `-`) of any supported kind -> `Graph`; `overrides` are `--set` pairs;
    `max_spec_bytes` caps a spec's (not a model file's) size."""
    from .yaml import MAX_LAYERS, graph_from_text
    max_layers = max_layers or MAX_LAYERS
    file, data = read_input(str(source), max(MODEL_CAP, max_spec_bytes))
    door = choose_door(file, data[:65536])
    if door == "yaml":
        refuse_options(door, options, file)
        if len(data) > max_spec_bytes:
            raise SpecError(f"file is larger than {max_spec_bytes // 2**20} MiB (raise it with --max-file-size)",
                            file)
        graph = graph_from_text(decode_text(data, file), file, max_layers, overrides)
        if options is not None and options.inputs:
            from .yaml.build import with_input_shapes
            graph = with_input_shapes(graph, options.inputs)
        return graph
    if options is None:
        from .imported import ImportOptions
        options = ImportOptions()
    imported = import_file(door, data, file, options)
    return graph_from_import(imported, file, max_layers, overrides)


def refuse_options(door: str, options: ImportOptions | None, file: str) -> None:
    """An option the door does not read is an error, never ignored."""
    for key in options.given() if options is not None else ():
        if key not in OPTIONS.get(door, ()):
            from .imported import OPTION_FLAGS
            readers = [DOOR_NAMES[d] for d, keys in OPTIONS.items() if key in keys]
            raise SpecError(f"{OPTION_FLAGS[key]} does not apply to {DOOR_NAMES.get(door, 'this file')}: it sets "
                            f"{WHAT_IT_SETS[key]} of {' or '.join(readers)}{INSTEAD.get((door, key), '')}", file)


def import_file(door: str, data: bytes, file: str, options: ImportOptions | None) -> Imported:
    if options is None:
        from .imported import ImportOptions
        options = ImportOptions()
    refuse_options(door, options, file)
    try:
        module = _importer(door)
    except ImportError as exc:
        raise SpecError(f"cannot read this file: {exc}", file) from None
    return module.to_spec(data, file, options)


def graph_from_import(imported: Imported, file: str, max_layers: int | None = None,
                      overrides: Mapping[str, str] | None = None) -> Graph:
    from .yaml import MAX_LAYERS, graph_from_mapping
    origin = ImportedOrigin(file, imported.spec, imported.where)
    graph = graph_from_mapping(imported.spec, file, max_layers or MAX_LAYERS, origin=origin, overrides=overrides)
    return graph._replace(notes=tuple(imported.notes))
