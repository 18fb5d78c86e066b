"""The YAML front door: spec text or a parsed mapping -> `Graph`."""

from __future__ import annotations

import os
from typing import Any, Mapping

from ...graph import Graph, Origin
from .build import build_graph
from .expand import MAX_LAYERS as MAX_LAYERS   # re-exported: read_model defaults to it
from ...gcpause import without_gc
from .parse import YamlOrigin, parse_yaml

# Parsing a large spec allocates millions of small objects that the cyclic collector would
# scan over and over, finding nothing to free: paused, as for expansion and analysis.
_parse = without_gc(parse_yaml)

SUFFIXES = (".yaml", ".yml")


def default_name(file: str) -> str:
    if file == "<stdin>":
        return "stdin"
    return "model" if file.startswith("<") else os.path.splitext(os.path.basename(file))[0]


def graph_from_text(text: str, file: str = "<string>", max_layers: int = MAX_LAYERS,
                    overrides: Mapping[str, str] | None = None) -> Graph:
    origin = YamlOrigin(file, text)
    return build_graph(_parse(text, file), origin, default_name(file), max_layers, overrides)


def graph_from_mapping(data: Mapping[str, Any], file: str = "<spec>", max_layers: int = MAX_LAYERS,
                       origin: Origin | None = None, overrides: Mapping[str, str] | None = None) -> Graph:
    """A spec already parsed (or written by an importer). `origin` places errors; by default
    they carry the file name only."""
    return build_graph(data, origin or YamlOrigin(file), default_name(file), max_layers, overrides)
