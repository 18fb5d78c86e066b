"""The YAML door's parser, and finding where a value stands in the text.

Parsing uses libyaml's safe loader when it is present and never a full
loader. Source positions are not kept on the success path: when an error
needs one, the text is composed again and the offending value's path looked
up, so that correct specs pay nothing for good error messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple, NoReturn

import yaml

from ...errors import SpecError

if TYPE_CHECKING:       # the stubs cannot say which of the two this build of PyYAML has
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_PLAIN_SCALARS = {f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null", "timestamp")}


# A scalar constructor as PyYAML calls it: (loader, node) -> the value.
Constructor = Callable[[Any, "yaml.Node"], Any]


class SafeLoader(_BaseLoader):
    """libyaml's safe loader, narrowed to what a spec may hold: strings, integers, floats,
    booleans, null, lists and mappings. Dates stay strings (`description: 2023-02-30` is
    text), every other tag is an error at its location, duplicate keys are refused (YAML
    would silently keep the last), and a scalar that its tag cannot read is an error at its
    location rather than a Python exception."""

    # Implicit resolvers without the timestamp: a date-looking value is a string.
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }
    yaml_constructors = dict(_BaseLoader.yaml_constructors)

    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Scalars without PyYAML's bookkeeping of every constructed node (which exists for
        aliased lists and mappings, and for recursion): a scalar is immutable and cannot contain
        itself, so building it again where an alias repeats it gives the same value. Scalars are
        most nodes of a spec, and the bookkeeping was a quarter of parsing a flat one."""
        if node.__class__ is yaml.ScalarNode:
            if node.tag == _STR:
                return node.value
            if node.tag in _PLAIN_SCALARS:    # (`!!map x` goes the long way, to its error)
                return self.yaml_constructors[node.tag](self, node)
        return super().construct_object(node, deep)

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        """A plain scalar's tag depends on its text alone (a spec loader has no path resolvers):
        found once per distinct text. A spec repeats the same few words and numbers, and trying
        each implicit resolver's pattern every time was a tenth of parsing a flat spec."""
        if kind is not yaml.ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]  # unannotated in PyYAML's stubs
        tag = self._plain_tags.get(value)
        if tag is None:
            tag = self._plain_tags[value] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]  # as above
        return tag

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise _at(node, f"invalid YAML: tag {node.tag!r} needs a mapping")
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                raise _at(node=key_node, message=f"duplicate key '{str(key)[:80]}'")
            seen.add(key)
        return super().construct_mapping(node, deep)


def _at(node: yaml.Node, message: str) -> SpecError:
    mark = node.start_mark
    return SpecError(message, None, mark.line + 1, mark.column + 1)


def _checked(tag: str, construct: Constructor) -> Constructor:
    """A scalar constructor whose failures become errors at the value's location."""
    def run(loader: SafeLoader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except SpecError:
            raise
        except (ValueError, KeyError, IndexError, TypeError, OverflowError, AttributeError):
            shown = node.value if isinstance(node.value, str) else ""
            raise _at(node, f"invalid YAML: {shown[:40]!r} is not a valid {tag.rsplit(':', 1)[-1]}") from None
    return run


def _refuse(loader: SafeLoader, node: yaml.Node) -> NoReturn:
    raise _at(node, f"invalid YAML: tag {node.tag!r} is not allowed in a spec "
                    "(only strings, numbers, booleans, null, lists and mappings)")


# Strings are left as libyaml builds them: reading one cannot fail but as a located YAML
# error (`!!str [1]`), and they are most scalars of a spec (keys included).
for _tag in ("int", "float", "bool", "null"):
    _full = f"tag:yaml.org,2002:{_tag}"
    SafeLoader.yaml_constructors[_full] = _checked(_full, _BaseLoader.yaml_constructors[_full])
# An explicit `!!timestamp` asks for a date, which no spec value is (a date written plainly
# stays a string: the implicit resolver is gone), so it is refused like the other tags.
for _tag in ("binary", "set", "omap", "pairs", "timestamp"):
    SafeLoader.yaml_constructors[f"tag:yaml.org,2002:{_tag}"] = _refuse
SafeLoader.yaml_constructors[None] = _refuse


def _sequence(loader: SafeLoader, node: yaml.Node) -> Any:
    if not isinstance(node, yaml.SequenceNode):
        raise _at(node, f"invalid YAML: tag {node.tag!r} needs a list")
    return _BaseLoader.yaml_constructors["tag:yaml.org,2002:seq"](loader, node)


SafeLoader.yaml_constructors["tag:yaml.org,2002:seq"] = _sequence


def _check_acyclic(data: Any, file: str) -> None:
    """An anchor used inside itself (`a: &r [*r]`) builds a list that contains itself: refuse it
    before anything walks it. Shared (aliased) values are visited once, so this is linear."""
    done: set[int] = set()
    on_path: set[int] = set()
    stack = [(data, False)]
    while stack:
        value, leaving = stack.pop()
        if leaving:
            on_path.discard(id(value))
            done.add(id(value))
            continue
        if not isinstance(value, (list, dict)) or id(value) in done:
            continue
        if id(value) in on_path:
            raise SpecError("invalid YAML: an anchor is used inside itself (a recursive alias)", file)
        on_path.add(id(value))
        stack.append((value, True))
        stack.extend((child, False) for child in (value.values() if isinstance(value, dict) else value))


class KeyOf(str):
    """A path step that points at a mapping's key rather than at its value."""


class YamlOrigin(NamedTuple):
    """Where a spec came from: a file name for messages and its text for locations.

    A `where` is the path of keys and indices from the document's root to a value;
    it is turned into a line and column only when an error needs one."""

    file: str
    text: str | None = None

    def error(self, message: str, where: tuple[Any, ...] | None = ()) -> SpecError:
        line = column = None
        if self.text is not None and where:
            found = locate(self.text, where)
            if found:
                line, column = found
        return SpecError(message, self.file, line, column)


def parse_yaml(text: str, file: str) -> Any:
    try:
        data = yaml.load(text, Loader=SafeLoader)
        if "*" in text:         # without an alias no value can contain itself: the walk is skipped
            _check_acyclic(data, file)
        return data
    except SpecError as exc:
        exc.file = file
        raise
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply", file) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        problem += _explain(problem, text, mark)
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


def _explain(problem: str, text: str, mark: yaml.Mark | None) -> str:
    """YAML's own words, said plainly: what the mistake most likely is."""
    char = text[mark.index] if mark is not None and 0 <= mark.index < len(text) else ""
    if "cannot start any token" in problem and char == "\t":
        return " (a tab: indent with spaces)"
    if "expected ',' or ']'" in problem:
        return " (a list opened with [ is not closed, or two items lack a comma between them)"
    if "expected ',' or '}'" in problem:
        return " (a mapping opened with { is not closed, or a key lacks its ': ' or a comma)"
    if "expected key" in problem or "expected '-' indicator" in problem or "mapping values are not allowed" in problem:
        return " (the indentation does not line up: keys of one mapping start in one column, and ': ' needs a space)"
    if "could not find expected ':'" in problem:
        return " (a key without ': ', or a value that needs quotes)"
    return ""


def locate(text: str, path: tuple[Any, ...]) -> tuple[int, int] | None:
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
