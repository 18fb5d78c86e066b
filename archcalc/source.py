"""Reading spec text and finding where a value stands in it.

Parsing uses libyaml's safe loader when it is present and never a full
loader. Source positions are not kept on the success path: when an error
needs one, the text is composed again and the offending value's path looked
up, so that correct specs pay nothing for good error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .errors import SpecError

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KeyOf(str):
    """A path step that points at a mapping's key rather than at its value."""


@dataclass(frozen=True)
class Source:
    """Where a spec came from: a file name for messages and its text for locations."""

    file: str
    text: str | None = None

    def error(self, message: str, path: tuple = ()) -> SpecError:
        line = column = None
        if self.text is not None and path:
            found = locate(self.text, path)
            if found:
                line, column = found
        return SpecError(message, self.file, line, column)


def parse_yaml(text: str, file: str) -> Any:
    try:
        return yaml.load(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise SpecError(f"invalid YAML: {problem}", file) from None
        raise SpecError(f"invalid YAML: {problem}", file, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", file) from None


def locate(text: str, path: tuple) -> tuple[int, int] | None:
    """1-based (line, column) of the node at `path`, or of its nearest ancestor."""
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError:
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
