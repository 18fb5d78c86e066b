"""Expansion: the spec's `layers` (with blocks, `repeat`, `if:`, `$args`, expressions,
`activation:` shorthands, tied, shared and expert weights) become a flat list of `Node`s.

Names are scoped: a layer `c1` inside the second repetition of block use
`layer1` is `layer1.1.c1`. Input references are resolved when expansion ends,
so a layer may name one written after it; whether that makes a cycle is the
graph's business. The other jobs live beside this module: counting for the
bomb guard (count.py), values and expressions (values.py, expressions.py),
block declarations (blocks.py).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, TypeAlias, cast

from ...args import describe
from ...errors import ArgumentError, SpecError, SpecErrors
from ...graph import MODEL_INPUT, Node, Origin
from ...layers import RULES, all_type_names, find_rule
from ...layers.registry import Rule
from ...text import suggest
from .blocks import Block
from .count import MAX_BLOCK_DEPTH, LayerCounter, find_unknown_type
from .keys import content_key, typed_items
from .parse import KeyOf
from .values import bind_block_values, substitute

# Keys every entry may have besides its type's arguments (see docs/spec-format.md).
ENTRY_KEYS = ("type", "name", "inputs", "repeat", "trainable", "if", "tied_to", "shares", "shared",
              "experts", "top_k", "router_bias", "shared_experts")
EXPERT_KEYS = ("top_k", "router_bias", "shared_experts")
BLOCK_INPUT = "in"
MAX_LAYERS = 10_000_000
MAX_ERRORS = 20              # independent mistakes reported in one run
TYPO_CHECK_ABOVE = 100_000   # layers beyond which literal type names are checked before expanding
EDGES_PER_LAYER = 4          # inputs read per layer, on average, before a spec counts as a bomb
ROUTER_TYPE = "dense"       # the experts' router, as the spec language defines it


Path = tuple[Any, ...]            # keys and indices from the document's root to a value
Entry = dict[str, Any]            # one entry of a `layers` list, as written
Name: TypeAlias = "str | _Ref"    # a layer's full name, or a reference resolved when expansion ends


# Internal helpers are plain slotted classes rather than dataclasses: building
# dataclasses costs import time on every command.

class _Scope:
    """The names one list of entries defines: local name -> full name (or a _Ref). A block's
    scope has the scope of its use as parent: a name it does not define is looked up there
    (a decoder block reading the encoder's output, for instance)."""
    __slots__ = ("names", "counters", "left_out", "parent")

    def __init__(self, parent: "_Scope | None" = None):
        self.parent = parent
        self.names: dict[str, Name] = {}
        self.counters: dict[str, int] = {}
        self.left_out: dict[str, Path] = {}       # names of entries an `if:` left out -> their path


class _Ref:
    """A name written in `inputs` or `tied_to`, resolved when expansion ends."""
    __slots__ = ("scope", "name", "path", "reader")

    def __init__(self, scope: _Scope, name: str, path: Path, reader: str):
        self.scope, self.name, self.path, self.reader = scope, name, path, reader


class _Context:
    """Where an entry is expanded: name prefix, enclosing block uses, the values `$names`
    see, and how its weights are held (frozen, shared with repetition 0, expert copies)."""
    __slots__ = ("prefix", "trainable", "enclosing", "stack", "values", "copies", "shares")

    def __init__(self, prefix: str = "", trainable: bool = True, enclosing: tuple[tuple[str, str], ...] = (),
                 stack: tuple[str, ...] = (), values: Mapping[str, Any] | None = None,
                 copies: tuple[int, int] = (1, 1), shares: tuple[str, str] | None = None):
        self.prefix, self.trainable, self.enclosing, self.stack = prefix, trainable, enclosing, stack
        self.values, self.copies, self.shares = values, copies, shares

    def but(self, **changes: Any) -> "_Context":
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return _Context(**fields)

    def shared_name(self, full: str) -> str | None:
        """The name this layer has in repetition 0, when its weights are shared with it."""
        if self.shares is None:
            return None
        current, first = self.shares
        return first + full[len(current):]


class _Read:
    """An entry's own keys, checked once per entry object."""
    __slots__ = ("type", "block", "rule", "repeat", "trainable", "tied_to", "shared", "experts")

    def __init__(self, type: str, block: Block | None, rule: Rule | None, repeat: int, trainable: bool,
                 tied_to: str | None, shared: bool, experts: Experts | None):
        self.type, self.block, self.rule, self.repeat = type, block, rule, repeat
        self.trainable, self.tied_to, self.shared, self.experts = trainable, tied_to, shared, experts


class Experts(NamedTuple):
    """A mixture-of-experts entry's keys."""

    experts: int             # E copies held
    top_k: int               # copies a token runs
    router_bias: bool
    shared: int              # `shared_experts`: copies every token runs, held once each


class _Fields:
    """A node's fields while a reference in them waits to be resolved (`Expander._add`)."""
    __slots__ = ("name", "type", "args", "inputs", "trainable", "blocks", "where", "tied_to", "shares", "copies")

    def __init__(self, name: str, type: str, args: Mapping[str, Any], inputs: list[str | _Ref], trainable: bool,
                 blocks: tuple[tuple[str, str], ...], where: tuple[Any, ...], tied_to: str | _Ref | None,
                 shares: str | _Ref | None, copies: tuple[int, int]):
        self.name, self.type, self.args, self.inputs, self.trainable = name, type, args, inputs, trainable
        self.blocks, self.where, self.tied_to, self.shares, self.copies = blocks, where, tied_to, shares, copies

    def node(self) -> Node:
        """The Node, once every reference is a name."""
        # cast: `Expander.expand` has replaced every _Ref by the name it resolves to.
        return Node(name=self.name, type=self.type, args=self.args, inputs=cast("tuple[str, ...]", tuple(self.inputs)),
                    trainable=self.trainable, blocks=self.blocks, where=self.where,
                    tied_to=cast("str | None", self.tied_to), shares=cast("str | None", self.shares),
                    copies=self.copies)


class _Waiting(NamedTuple):
    """A reference in a node's fields, resolved when expansion ends."""

    fields: _Fields
    field: str               # "inputs", "tied_to" or "shares"
    slot: int                # the input's position; -1 for the other two fields
    ref: _Ref


class Expander:
    def __init__(self, origin: Origin, blocks: dict[str, Block], max_layers: int = MAX_LAYERS,
                 input_names: tuple[str, ...] = (MODEL_INPUT,), values: Mapping[str, Any] | None = None):
        self.origin = origin
        self.input_names = input_names
        self.blocks = blocks
        self.max_layers = max_layers
        self.values = dict(values) if values else None      # the spec's `args`, after --set
        self.errors: list[SpecError] = []   # mistakes in top-level entries, gathered to report together
        self.nodes: list[Node | _Fields] = []    # Nodes, and the fields of those whose references wait
        self.pending: list[_Waiting] = []
        # Repetitions of a block see the same entries with the same values: substitution,
        # reading, validation and block values are done once per distinct object and shared.
        # Each cache keeps its key objects alive, so an id() is never reused while cached.
        self._substituted: dict[tuple[int, int], Any] = {}    # (id(raw entry), id(values)) -> (raw, values, entry)
        self._conditions: dict[tuple[int, int], Any] = {}     # (id(raw entry), id(values)) -> (raw, values, keep?)
        self._read: dict[Any, Any] = {}           # id(entry) -> (entry, _Read); its items -> _Read
        self._plain: dict[str, Entry] = {}          # a layer written as its type name -> its one mapping
        self._bound: dict[Any, Any] = {}          # id(entry) or equal-content key -> (entry, bound args)
        self._block_values: dict[tuple[int, int], Any] = {}   # (id(entry), id(values)) -> (entry, values, block values)

    # -- public ---------------------------------------------------------
    def expand(self, layers: Any) -> list[Node]:
        if not isinstance(layers, list) or not layers:
            raise self.origin.error("'layers' must be a non-empty list", ("layers",))
        # Counted before anything is built, so nested repeats cannot exhaust memory.
        total, edges = LayerCounter(self.blocks, ENTRY_KEYS).count(layers, self.values)
        if total > TYPO_CHECK_ABOVE:   # a long expansion: a misspelt type is worth finding first
            typo = find_unknown_type(layers, self.blocks, find_rule)
            if typo is not None:
                path, kind = typo
                raise self.origin.error(f"unknown layer type '{kind}'"
                                        + suggest(kind, [*all_type_names(), *self.blocks]), path)
        if total > self.max_layers:
            raise self.origin.error(f"the spec expands to {total:,} layers, more than the limit of "
                                    f"{self.max_layers:,} (raise it with --max-layers)", ("layers",))
        if edges > EDGES_PER_LAYER * self.max_layers:
            raise self.origin.error(f"the spec expands to {edges:,} input connections, more than the limit of "
                                    f"{EDGES_PER_LAYER * self.max_layers:,} ({EDGES_PER_LAYER} per allowed layer)",
                                    ("layers",))
        self._scope(layers, ("layers",), self.input_names[0], _Context(values=self.values))
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else SpecErrors(self.errors)
        for waiting in self.pending:
            target = self._resolve(waiting.ref)
            if waiting.field == "inputs":
                waiting.fields.inputs[waiting.slot] = target
            else:
                setattr(waiting.fields, waiting.field, target)
        return [node if isinstance(node, Node) else node.node() for node in self.nodes]

    # -- scopes ---------------------------------------------------------
    def _scope(self, entries: list[Any], path: Path, first_input: Name, context: _Context,
               parent: _Scope | None = None) -> Name:
        scope = _Scope(parent)
        if context.enclosing:
            scope.names[BLOCK_INPUT] = first_input
        else:
            for name in self.input_names:
                scope.names[name] = name
        previous = first_input
        for index, raw in enumerate(entries):
            if context.enclosing:
                previous = self._entry(raw, (*path, index), scope, previous, context)
                continue
            # Top-level entries are independent enough to report every mistake in one run: a
            # faulty entry passes its input on, so later entries still find the names they read.
            try:
                previous = self._entry(raw, (*path, index), scope, previous, context)
            except SpecError as exc:
                self.errors.append(exc)
                if len(self.errors) >= MAX_ERRORS:
                    raise SpecErrors(self.errors) from None
                written = raw.get("name") if isinstance(raw, dict) else None
                if isinstance(written, str) and written not in scope.names:
                    scope.names[written] = previous
        return previous

    def _entry(self, raw: Any, path: Path, scope: _Scope, previous: Name, context: _Context) -> Name:
        entry = self._normalise(raw, path)
        values = context.values
        if "if" in entry and not self._keeps(raw, entry, path, values):
            left_out = entry.get("name")
            if isinstance(left_out, str):
                scope.left_out.setdefault(left_out, path)
            return previous          # left out, and not otherwise evaluated
        if values is not None:
            key = (id(raw), id(values))
            if key not in self._substituted:
                self._substituted[key] = (raw, values, substitute(entry, values, path, self.origin))
            entry = self._substituted[key][2]
        read = self._read_once(entry, path)

        count = scope.counters[read.type] = scope.counters.get(read.type, 0) + 1
        name = entry.get("name") or f"{read.type}_{count}"
        if name in scope.names:
            raise self.origin.error(f"duplicate layer name '{context.prefix}{name}'", (*path, "name"))
        scope.left_out.pop(name, None)
        if context.trainable and not read.trainable:      # (most entries change nothing: no copy)
            context = context.but(trainable=False)
        inputs = self._input_refs(entry.get("inputs"), scope, previous, path, context.prefix + name)
        tied = _Ref(scope, read.tied_to, (*path, "tied_to"), context.prefix + name) if read.tied_to else None
        same = _Ref(scope, entry["shares"], (*path, "shares"), context.prefix + name) if "shares" in entry else None

        for r in range(read.repeat):
            local = f"{name}.{r}" if "repeat" in entry else name
            here = context
            if read.shared and r > 0:
                first = f"{context.prefix}{name}.0"
                here = context.but(shares=(f"{context.prefix}{local}", context.shared_name(first) or first))
            if read.experts:
                inputs = self._route(read.experts, entry, local, inputs, path, here)
                here = here.but(copies=_times(here.copies, read.experts))
            if read.block:
                output = self._use_block(read.block, entry, local, inputs, path, here, scope)
            elif read.rule is not None:
                output = self._layer(read.rule, entry, local, inputs, path, here, tied, same)
            else:                      # _read_entry gives every entry a block or a rule
                raise AssertionError(f"entry {path} has neither a block nor a rule")
            scope.names[local] = output
            inputs = [output]
        scope.names[name] = inputs[0]
        return inputs[0]

    def _read_once(self, entry: dict[str, Any], path: tuple[Any, ...]) -> _Read:
        known = self._read.get(id(entry))
        if known is not None:
            return known[1]
        # Entries written alike (a flat spec's ten thousand `{type: dense, units: 8}`) are
        # read once: by content where every value can be hashed.
        content = typed_items(entry)
        read = self._read.get(content) if content is not None else None
        if read is None:
            read = self._read_entry(entry, path)
            if content is not None:
                self._read[content] = read
        self._read[id(entry)] = (entry, read)
        return read

    def _keeps(self, raw: Any, entry: Entry, path: Path, values: Mapping[str, Any] | None) -> bool:
        key = (id(raw), id(values))
        if key not in self._conditions:
            condition = substitute(entry["if"], values or {}, (*path, "if"), self.origin)
            if not isinstance(condition, bool):
                raise self.origin.error(f"'if' must be true or false, got {describe(condition)}", (*path, "if"))
            self._conditions[key] = (raw, values, condition)
        return self._conditions[key][2]

    def _read_entry(self, entry: Entry, path: Path) -> _Read:
        type_name = entry.get("type")
        if not isinstance(type_name, str):
            raise self.origin.error(f"layer 'type' must be a string, got {describe(type_name)}", (*path, "type"))
        block = self.blocks.get(type_name)
        rule = None if block else find_rule(type_name)
        if block is not None:
            kind = block.name
        elif rule is not None:
            kind = rule.type
        else:
            raise self.origin.error(f"unknown layer type '{type_name}'"
                                    + suggest(type_name, [*all_type_names(), *self.blocks]), (*path, "type"))
        if "name" in entry:
            name = entry["name"]
            if not isinstance(name, str) or not name or "." in name:
                raise self.origin.error(f"layer name must be a non-empty string without '.', got {describe(name)}",
                                        (*path, "name"))
            if name in self.input_names or name in (MODEL_INPUT, BLOCK_INPUT):
                raise self.origin.error(f"'{name}' is reserved for the model's or block's input", (*path, "name"))
        repeat = entry.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            raise self.origin.error(f"'repeat' must be an integer >= 1, got {describe(repeat)}", (*path, "repeat"))
        trainable = self._flag(entry, "trainable", True, path)
        shared = self._flag(entry, "shared", False, path)
        tied_to = entry.get("tied_to")
        if tied_to is not None:
            if not isinstance(tied_to, str) or not tied_to:
                raise self.origin.error(f"'tied_to' must name a layer, got {describe(tied_to)}", (*path, "tied_to"))
            if rule is None or rule.weight_elements is None:
                what = f"block '{type_name}'" if block is not None else f"a {kind} layer"
                raise self.origin.error(f"'tied_to' needs a layer with a weight to share; {what} has none",
                                        (*path, "tied_to"))
        if "shares" in entry and (block is not None or not isinstance(entry["shares"], str)):
            raise self.origin.error(f"'shares' names the layer whose weights this one uses, on a layer, got "
                                    f"{describe(entry['shares'])}", (*path, "shares"))
        experts = self._experts(entry, path)
        return _Read(kind, block, rule, repeat, trainable, tied_to, shared, experts)

    def _flag(self, entry: Entry, key: str, default: bool, path: Path) -> bool:
        value = entry.get(key, default)
        if not isinstance(value, bool):
            raise self.origin.error(f"'{key}' must be true or false, got {describe(value)}", (*path, key))
        return value

    def _experts(self, entry: dict[str, Any], path: tuple[Any, ...]) -> Experts | None:
        """A mixture-of-experts entry's keys, checked; None for an entry without `experts`."""
        if "experts" not in entry:
            for key in EXPERT_KEYS:
                if key in entry:
                    raise self.origin.error(f"'{key}' goes with 'experts'", (*path, KeyOf(key)))
            return None

        def number(key: str, default: int | None, minimum: int) -> int:
            value = entry.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise self.origin.error(f"'{key}' must be an integer >= {minimum}, got {describe(value)}",
                                        (*path, key))
            return value
        experts, top_k = number("experts", None, 1), number("top_k", 1, 1)
        shared = number("shared_experts", 0, 0)
        if top_k > experts:
            raise self.origin.error(f"'top_k' {top_k} is more than the {experts} experts", (*path, "top_k"))
        return Experts(experts, top_k, self._flag(entry, "router_bias", False, path), shared)

    def _normalise(self, raw: Any, path: Path) -> Entry:
        if isinstance(raw, str):
            # One mapping per distinct name (`- relu` ten thousand times): its checks run once.
            entry = self._plain.get(raw)
            if entry is None:
                entry = self._plain[raw] = {"type": raw}
            return entry
        if not isinstance(raw, dict):
            raise self.origin.error(f"a layer must be a type name or a mapping, got {describe(raw)}", path)
        if "type" not in raw:
            raise self.origin.error("layer has no 'type'", path)
        return raw

    def _input_refs(self, declared: Any, scope: _Scope, previous: Name, path: Path, reader: str) -> list[Name]:
        if declared is None:
            return [previous]
        if isinstance(declared, str):
            declared = [declared]
        if not isinstance(declared, list) or not declared or not all(isinstance(n, str) for n in declared):
            raise self.origin.error(f"'inputs' must be a list of layer names, got {describe(declared)}",
                                    (*path, "inputs"))
        return [_Ref(scope, n, (*path, "inputs", i), reader) for i, n in enumerate(declared)]

    # -- plain layers ---------------------------------------------------
    def _layer(self, rule: Rule, entry: Entry, local: str, inputs: list[Name], path: Path, context: _Context,
               tied: _Ref | None, same: _Ref | None = None) -> str:
        full = context.prefix + local
        args = self._bound_arguments(rule, entry, path, full)
        try:
            rule.check_inputs(len(inputs))
        except ArgumentError as exc:
            raise self.origin.error(f"layer '{full}' ({rule.type}) {exc}",
                                    (*path, "inputs") if "inputs" in entry else path) from None
        self._add(_Fields(full, rule.type, args, list(inputs), context.trainable, context.enclosing, path,
                          tied_to=tied, shares=same or context.shared_name(full), copies=context.copies))
        activation = entry.get("activation")
        if activation in (None, "linear"):   # Keras's name for "no activation"
            return full
        act_rule = find_rule(activation) if isinstance(activation, str) else None
        if act_rule is None or act_rule.family != "activation":
            raise self.origin.error(f"'activation' must name an activation layer type, got {describe(activation)}",
                                    (*path, "activation"))
        act_name = f"{full}_{act_rule.type}"
        if act_rule.type not in self._bound:
            self._bound[act_rule.type] = (None, self._bind(act_rule, {}, path, act_name))
        self._add(_Fields(act_name, act_rule.type, self._bound[act_rule.type][1], [full], context.trainable,
                          context.enclosing, path, tied_to=None, shares=None, copies=context.copies))
        return act_name

    def _bound_arguments(self, rule: Rule, entry: Entry, path: Path, full: str) -> dict[str, Any]:
        """Equal arguments share one bound object (and so, in the analysis, one set of figures):
        the key is the entry's identity, then its content without the per-use keys."""
        known = self._bound.get(id(entry))
        if known is None:
            key = content_key(entry)
            if key not in self._bound:
                self._bound[key] = (entry, self._bind(rule, entry, path, full))
            known = self._bound[id(entry)] = (entry, self._bound[key][1])
        return known[1]

    def _bind(self, rule: Rule, entry: Mapping[str, Any], path: Path, full: str) -> dict[str, Any]:
        extra = set(ENTRY_KEYS) | ({"activation"} if rule.takes_activation else set())
        raw = {key: value for key, value in entry.items() if key not in extra}
        try:
            return rule.bind(raw, label=f"{rule.type} layer '{full}'", also_known=extra)
        except ArgumentError as exc:
            where = path if exc.key is None else (*path, KeyOf(exc.key) if exc.unknown else exc.key)
            raise self.origin.error(str(exc), where) from None

    def _add(self, fields: _Fields) -> None:
        """Keep a node's fields while a reference waits to be resolved; otherwise the Node at once."""
        waits = len(self.pending)
        for slot, ref in enumerate(fields.inputs):
            if isinstance(ref, _Ref):
                self.pending.append(_Waiting(fields, "inputs", slot, ref))
        for field, named in (("tied_to", fields.tied_to), ("shares", fields.shares)):
            if isinstance(named, _Ref):
                self.pending.append(_Waiting(fields, field, -1, named))
        self.nodes.append(fields if len(self.pending) > waits else fields.node())

    # -- experts --------------------------------------------------------
    def _route(self, experts: Experts, entry: Entry, local: str, inputs: list[Name], path: Path,
               context: _Context) -> list[Name]:
        """Adds the router (a dense layer C -> E) that reads what the experts read."""
        if len(inputs) != 1:
            raise self.origin.error(f"experts take 1 input, got {len(inputs)}", (*path, "inputs"))
        rule = RULES[ROUTER_TYPE]
        full = f"{context.prefix}{local}.router"
        args = self._bind(rule, {"units": experts.experts, "bias": experts.router_bias}, path, full)
        self._add(_Fields(full, rule.type, args, list(inputs), context.trainable, context.enclosing, path,
                          tied_to=None, shares=context.shared_name(full), copies=context.copies))
        return inputs

    # -- blocks ---------------------------------------------------------
    def _use_block(self, block: Block, entry: Entry, local: str, inputs: list[Name], path: Path, context: _Context,
                   scope: _Scope) -> Name:
        full = context.prefix + local
        if block.name in context.stack:
            chain = " -> ".join((*context.stack, block.name))
            raise self.origin.error(f"block '{block.name}' uses itself ({chain})", (*path, "type"))
        if len(context.stack) >= MAX_BLOCK_DEPTH:
            raise self.origin.error(f"blocks are nested more than {MAX_BLOCK_DEPTH} deep", path)
        if len(inputs) != 1:
            raise self.origin.error(f"block use '{full}' takes 1 input, got {len(inputs)}", (*path, "inputs"))
        key = (id(entry), id(context.values))
        if key not in self._block_values:
            values = bind_block_values(block, entry, context.values or {}, ENTRY_KEYS, path, full, self.origin)
            self._block_values[key] = (entry, context.values, values)
        values = self._block_values[key][2]
        inner = context.but(prefix=full + ".", enclosing=(*context.enclosing, (full, block.name)),
                            stack=(*context.stack, block.name), values=values)
        return self._scope(block.layers, (*block.path, "layers"), inputs[0], inner, parent=scope)

    def _resolve(self, ref: _Ref) -> str:
        scope = ref.scope
        target = scope.names.get(ref.name)
        while target is None and scope.parent is not None and ref.name not in scope.left_out:
            scope = scope.parent
            target = scope.names.get(ref.name)
        if target is None:
            if ref.name in scope.left_out:
                raise self.origin.error(f"layer '{ref.reader}' reads '{ref.name}', which its 'if:' left out",
                                        ref.path)
            raise self.origin.error(f"undefined input '{ref.name}'" + suggest(ref.name, ref.scope.names), ref.path)
        if isinstance(target, _Ref):
            return self._resolve(target)
        return target


def _times(copies: tuple[int, int], experts: Experts) -> tuple[int, int]:
    """Copies held and run once an entry is made experts: E + shared held, k + shared run."""
    held, run = copies
    return held * (experts.experts + experts.shared), run * (experts.top_k + experts.shared)
