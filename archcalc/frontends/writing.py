"""Writing an imported model out as a readable YAML spec (`archcalc import`)."""

from __future__ import annotations

from typing import Any

from ..text import shown
from .imported import Imported

# What PyYAML writes as itself even in a double-quoted string (allow_unicode: it counts them
# printable): the bidi controls, which `shown` escapes.
_BIDI = "[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def spec_to_yaml(imported: Imported, source: str, version: str) -> str:
    """The spec with the source, the tool and the importer's notes as comments on top.
    Layers are written one per line (flow style), blocks and settings as blocks."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
        # A layer, a shape or an argument list on one line; the list of layers one per line.
        flow = all(not isinstance(item, (dict, list)) for item in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    def represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
        flow = all(not isinstance(v, dict) and not (isinstance(v, list) and any(isinstance(i, dict) for i in v))
                   for v in data.values()) and "layers" not in data
        return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        # A name that `shown` would change is double-quoted, where every character can be written
        # as an escape: the spec keeps the exact name, and its text no control character, no bidi
        # control and no `::` or `##[` (below).
        style = '"' if shown(data) != data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    _Dumper.add_representer(list, represent_list)
    _Dumper.add_representer(dict, represent_dict)
    _Dumper.add_representer(str, represent_str)
    lines = [f"# Imported from {shown(source)} by archcalc {version}.",
             *(f"# {shown(line)}" for note in imported.notes for line in note.splitlines())]
    body = yaml.dump(imported.spec, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)
    # Every `::`, `##[` and bidi control left is inside a double-quoted string (represent_str).
    import re
    body = re.sub(_BIDI, lambda m: f"\\u{ord(m.group()):04x}", body)
    body = body.replace("::", ":\\x3a").replace("##[", "#\\x23[")
    return "\n".join(lines) + "\n" + body
