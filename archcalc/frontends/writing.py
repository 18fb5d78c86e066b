"""Writing an imported model out as a readable YAML spec (`archcalc import`)."""

from __future__ import annotations

from .imported import Imported


def spec_to_yaml(imported: Imported, source: str, version: str) -> str:
    """The spec with the source, the tool and the importer's notes as comments on top.
    Layers are written one per line (flow style), blocks and settings as blocks."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def represent_list(dumper, data):
        # A layer, a shape or an argument list on one line; the list of layers one per line.
        flow = all(not isinstance(item, (dict, list)) for item in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    def represent_dict(dumper, data):
        flow = all(not isinstance(v, dict) and not (isinstance(v, list) and any(isinstance(i, dict) for i in v))
                   for v in data.values()) and "layers" not in data
        return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)

    _Dumper.add_representer(list, represent_list)
    _Dumper.add_representer(dict, represent_dict)
    lines = [f"# Imported from {source} by archcalc {version}.",
             *(f"# {line}" for note in imported.notes for line in note.splitlines())]
    body = yaml.dump(imported.spec, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)
    return "\n".join(lines) + "\n" + body
