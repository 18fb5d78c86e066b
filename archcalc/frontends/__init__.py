"""Front doors: every supported file becomes a `Graph` here, and only here.

`load_graph` picks the door from the file name's extension, then from the
content; the YAML door reads specs, importers translate model files into a
spec mapping (see imported.py) that the YAML door's builder turns into the
graph. Adding a door is one module and one entry in `IMPORTERS`.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import SpecError, option
from ..graph import Graph
from .reading import HEAD, SPEC_CAP, Buffer, NotJSON, ParsedJSON, decode_text, json_text, load_json, looks_like_json, read_input

if TYPE_CHECKING:
    from .imported import Imported, ImportOptions

# name -> module: each has SUFFIXES, sniff(head) and to_spec(data, file, options).
IMPORTERS = {
    "onnx": "archcalc.frontends.onnx",
    "huggingface": "archcalc.frontends.huggingface",
    "keras": "archcalc.frontends.keras",
}

# door -> the ImportOptions fields it reads, and what it is called when one is refused
OPTIONS = {"yaml": ("inputs",), "onnx": ("inputs",), "huggingface": ("seq_len", "head"), "keras": ("inputs",),
           "torch": ("inputs", "kwargs", "allow_uncounted", "input_dtypes")}
DOOR_NAMES = {"yaml": "a YAML spec", "onnx": "an ONNX model", "huggingface": "a Hugging Face config",
              "keras": "a Keras model JSON", "torch": "PyTorch code"}
WHAT_IT_SETS = {"inputs": "the input shapes", "seq_len": "the sequence length", "head": "the head",
                "kwargs": "the factory arguments", "allow_uncounted": "what an op without a rule does",
                "input_dtypes": "an input's integer type (SHAPE:int64, token ids)"}
INSTEAD = {("huggingface", "inputs"): ("a config's sequence length", "seq_len"),
           ("yaml", "seq_len"): ("a spec's input shape", "input")}
KEYWORDS = {"inputs": "input", "seq_len": "seq_len", "head": "head", "kwargs": "kwargs",
            "allow_uncounted": "allow_uncounted", "input_dtypes": "input"}     # each option's API keyword


def _importer(name: str) -> ModuleType:
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


# Doors whose files carry weights: read up to MODEL_CAP. Every other door reads text (a spec,
# a JSON config), held to the spec cap (--max-file-size).
MODEL_DOORS = ("onnx",)
TEXT_SUFFIXES = (".yaml", ".yml", ".json")


def _suffix(file: str) -> str:
    if file.startswith("<"):
        return ""
    return os.path.splitext(file)[1].lower()


def is_model_file(file: str, head: bytes) -> bool:
    """Does the name or the first bytes say this is a model file, with weights in it?"""
    suffix = _suffix(file)
    if suffix in TEXT_SUFFIXES:
        return False
    return any((suffix and suffix in _suffixes(name)) or _sniff(name, head) for name in MODEL_DOORS)


def read_source(source: str, max_spec_bytes: int = SPEC_CAP) -> tuple[str, Buffer]:
    """(file name, bytes) of a path or `-`: a model file up to MODEL_CAP, anything else up to
    `max_spec_bytes`."""
    return read_input(str(source), max_spec_bytes, is_model=is_model_file, hint="raise it with --max-file-size")


def choose_door(file: str, data: Buffer) -> tuple[str, Buffer | ParsedJSON]:
    """('yaml' or an importer's name, what to hand it): by extension first, then by content.
    A JSON file is parsed whole and its door chosen by its keys (never from a prefix: a
    config with sorted keys may name its `model_type` after the first 64 KiB); the door then
    gets the parsed document."""
    suffix = _suffix(file)
    if suffix in (".yaml", ".yml"):
        return "yaml", data
    claimed = [name for name in IMPORTERS if suffix and suffix in _suffixes(name)]
    # A mapped file (not bytes) is one a model door claimed by its name or first bytes: not JSON.
    if isinstance(data, bytes) and (suffix == ".json" or (not claimed and looks_like_json(data))):
        door = _json_door(file, data, strict=suffix == ".json")
        if door is not None:
            return door
    head = data[:HEAD]
    for name in claimed or IMPORTERS:
        if name not in JSON_DOORS and _sniff(name, head):
            return name, data
    if claimed:
        return claimed[0], data      # its own error will say what is wrong with the file
    return "yaml", data


# Doors reading JSON, each with the key its documents always have.
JSON_DOORS = {"huggingface": "model_type", "keras": "class_name"}


def _json_door(file: str, data: bytes, strict: bool) -> tuple[str, Buffer | ParsedJSON] | None:
    """The door of a JSON document by its keys; None when it is not JSON and need not be
    (`strict` is a .json file: it must be)."""
    try:
        document = load_json(data, file)
    except NotJSON:
        if strict:
            raise
        return None          # not JSON: a YAML flow mapping, say, which the YAML door reads
    if isinstance(document, dict):
        for name, key in JSON_DOORS.items():
            if key in document:
                return name, ParsedJSON(document)
        if "layers" in document:
            return "yaml", json_text(data, file).lstrip("\ufeff").encode("utf-8")  # JSON is YAML: a spec written as JSON
    raise SpecError("a JSON file that is neither a Hugging Face config.json (no 'model_type'), "
                    "a Keras model JSON (no 'class_name') nor a spec (no 'layers')", file)


def readable_suffixes() -> tuple[str, ...]:
    """File-name endings some front door claims (others are still read, told by content)."""
    return tuple(dict.fromkeys((".yaml", ".yml", *(s for name in IMPORTERS for s in _suffixes(name)))))


def _suffixes(name: str) -> tuple[str, ...]:
    try:
        suffixes: tuple[str, ...] = _importer(name).SUFFIXES
        return suffixes
    except ImportError:
        return ()


def _sniff(name: str, head: bytes) -> bool:
    try:
        module = _importer(name)
    except ImportError:
        return False
    # A sniff only looks at bytes; one that raises is a bug of ours (exit 3), never "not mine".
    return bool(module.sniff(head))


def read_model(source: str, options: ImportOptions | None = None,
               max_layers: int | None = None, overrides: Mapping[str, str] | None = None,
               max_spec_bytes: int = SPEC_CAP) -> Graph:
    """A path (or `-`) of any supported kind -> `Graph`; `overrides` are `--set` pairs;
    `max_spec_bytes` caps a spec's or config's (not a model file's) size."""
    from .yaml import MAX_LAYERS, graph_from_text
    max_layers = max_layers or MAX_LAYERS
    imported = import_code(source, options)
    if imported is not None:
        return graph_from_import(imported, source, max_layers, overrides)
    file, data = read_source(source, max_spec_bytes)
    door, content = choose_door(file, data)
    if door == "yaml":
        if not isinstance(content, bytes):   # a spec is text, read whole (only model files are mapped)
            raise AssertionError(f"the YAML door was handed {type(content).__name__}")
        refuse_options(door, options, file)
        graph = graph_from_text(decode_text(content, file), file, max_layers, overrides)
        if options is not None and options.inputs:
            from .yaml.build import with_input_shapes
            graph = with_input_shapes(graph, options.inputs)
        return graph
    if options is None:
        from .imported import ImportOptions
        options = ImportOptions()
    imported = import_file(door, content, file, options)
    return graph_from_import(imported, file, max_layers, overrides)


def import_code(source: str, options: ImportOptions | None) -> Imported | None:
    """A code target (`package.module:attribute`, `file.py:attribute`) through the PyTorch
    door; None when `source` is a file (an existing file is always a file)."""
    from .torch.target import is_code_target
    if not is_code_target(source):
        return None
    from .imported import ImportOptions
    from .torch import to_spec
    refuse_options("torch", options, source)
    imported: Imported = to_spec(source, options or ImportOptions())
    return imported


def refuse_options(door: str, options: ImportOptions | None, file: str) -> None:
    """An option the door does not read is an error, never ignored."""
    for key in options.given() if options is not None else ():
        if key not in OPTIONS.get(door, ()):
            doors = [DOOR_NAMES[d] for d, keys in OPTIONS.items() if key in keys]
            readers = ", ".join(doors[:-1]) + " or " + doors[-1] if len(doors) > 1 else doors[0]
            what, instead = INSTEAD.get((door, key), ("", ""))
            hint = f"; {what} is {option(instead)}" if what else ""
            raise SpecError(f"{option(KEYWORDS[key])} does not apply to {DOOR_NAMES.get(door, 'this file')}: it sets "
                            f"{WHAT_IT_SETS[key]} of {readers}{hint}", file)


def import_file(door: str, data: Buffer | ParsedJSON, file: str, options: ImportOptions | None) -> Imported:
    if options is None:
        from .imported import ImportOptions
        options = ImportOptions()
    refuse_options(door, options, file)
    try:
        module = _importer(door)
    except ImportError as exc:
        raise SpecError(f"cannot read this file: {exc}", file) from None
    imported: Imported = module.to_spec(data, file, options)
    return imported


def graph_from_import(imported: Imported, file: str, max_layers: int | None = None,
                      overrides: Mapping[str, str] | None = None) -> Graph:
    from .yaml import MAX_LAYERS, graph_from_mapping
    origin = ImportedOrigin(file, imported.spec, imported.where)
    graph = graph_from_mapping(imported.spec, file, max_layers or MAX_LAYERS, origin=origin, overrides=overrides)
    return graph._replace(notes=tuple(imported.notes))
