"""The YAML door's parser, and finding where a value stands in the text.

Parsing uses libyaml's safe loader when it is present and never a full
loader. Source positions are not kept on the success path: when an error
needs one, the text is composed again and the offending value's path looked
up, so that correct specs pay nothing for good error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ...errors import SpecError

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseLoader):
    """libyaml's safe loader, refusing duplicate keys (YAML would silently keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                mark = key_node.start_mark
                raise SpecError(f"duplicate key '{key}'", None, mark.line + 1, mark.column + 1)
            seen.add(key)
        return super().construct_mapping(node, deep)


class KeyOf(str):
    """A path step that points at a mapping's key rather than at its value."""


@dataclass(frozen=True)
class YamlOrigin:
    """Where a spec came from: a file name for messages and its text for locations.

    A `where` is the path of keys and indices from the document's root to a value;
    it is turned into a line and column only when an error needs one."""

    file: str
    text: str | None = None

    def error(self, message: str, where: tuple | None = ()) -> SpecError:
        line = column = None
        if self.text is not None and where:
            found = locate(self.text, where)
            if found:
                line, column = found
        return SpecError(message, self.file, line, column)


def parse_yaml(text: str, file: str) -> Any:
    try:
        return yaml.load(text, Loader=SafeLoader)
    except SpecError as exc:
        exc.file = file
        raise
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply", file) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise SpecError(f"invalid YAML: {problem}", file) from None
        raise SpecError(f"invalid YAML: {problem}", file, mark.line + 1, mark.column + 1) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        raise SpecError(f"invalid YAML: {exc.reason} ({ord(exc.character) if isinstance(exc.character, str) else exc.character:#x})",
                        file, line, column) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {str(exc).splitlines()[0]}", file) from None


def locate(text: str, path: tuple) -> tuple[int, int] | None:
    """1-based (line, column) of the node at `path`, or of its nearest ancestor."""
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    best = node
    for step in path:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(step):
                    node = key if isinstance(step, KeyOf) else value
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                break
            node = node.value[step]
        else:
            break
        best = node
    if best is None:
        return None
    return best.start_mark.line + 1, best.start_mark.column + 1
