"""Block expansion: the spec's `layers` (with blocks, `repeat`, `$args` and
`activation:` shorthands) become a flat list of `Node`s.

Names are scoped: a layer `c1` inside the second repetition of block use
`layer1` is `layer1.1.c1`. Input references are resolved when a scope ends,
so a layer may name one written after it; whether that makes a cycle is the
graph's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...args import describe
from ...errors import ArgumentError
from ...graph import MODEL_INPUT, Node
from ...layers import all_type_names, find_rule
from ...layers.registry import Rule, suggest
from .parse import KeyOf, YamlOrigin

COMMON_KEYS = ("type", "name", "inputs", "repeat", "trainable")
BLOCK_INPUT = "in"
MAX_BLOCK_DEPTH = 64
MAX_LAYERS = 10_000_000


@dataclass
class Block:
    name: str
    args: dict[str, Any]          # defaults; None means the use must give it
    layers: list
    path: tuple


# The helpers below are plain slotted classes rather than dataclasses: they are
# internal, and building dataclasses costs import time on every command.

class _Scope:
    __slots__ = ("names", "counters")

    def __init__(self):
        self.names: dict = {}      # local name -> full name or _Ref
        self.counters: dict = {}


class _Ref:
    """A name written in `inputs`, resolved when its scope is complete."""
    __slots__ = ("scope", "name", "path")

    def __init__(self, scope: _Scope, name: str, path: tuple):
        self.scope, self.name, self.path = scope, name, path


class _Draft:
    """A layer whose inputs wait for names written after it."""
    __slots__ = ("name", "type", "args", "inputs", "trainable", "blocks", "path")

    def __init__(self, name, type, args, inputs, trainable, blocks, path):
        self.name, self.type, self.args, self.inputs = name, type, args, inputs
        self.trainable, self.blocks, self.path = trainable, blocks, path


def _arguments_key(entry: dict):
    """Equal layer arguments share one validated args object (and so, in the analysis,
    one set of figures): the key is the entry without its per-use fields, or the
    entry's identity when a value (a list) cannot be hashed."""
    key = tuple([item for item in entry.items() if item[0] not in ("name", "inputs", "repeat", "trainable")])
    try:
        hash(key)
    except TypeError:
        return id(entry)
    return key


def read_blocks(raw: Any, origin: YamlOrigin) -> dict[str, Block]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise origin.error(f"'blocks' must be a mapping of block names, got {describe(raw)}", ("blocks",))
    blocks = {}
    for name, body in raw.items():
        path = ("blocks", name)
        if not isinstance(name, str) or not name.isidentifier():
            raise origin.error(f"block name {name!r} must be an identifier", path)
        if find_rule(name):
            raise origin.error(f"block name '{name}' is already a layer type", (*path[:-1], KeyOf(name)))
        if isinstance(body, list):
            body = {"layers": body}
        if not isinstance(body, dict):
            raise origin.error(f"block '{name}' must be a mapping with 'layers', got {describe(body)}", path)
        for key in body:
            if key not in ("args", "layers", "description"):
                raise origin.error(f"unknown key '{key}' in block '{name}'"
                                   + suggest(str(key), ("args", "layers")), (*path, KeyOf(key)))
        layers = body.get("layers")
        if not isinstance(layers, list) or not layers:
            raise origin.error(f"block '{name}' needs a non-empty 'layers' list", path)
        args = body.get("args") or {}
        if isinstance(args, list) and all(isinstance(a, str) for a in args):
            args = {a: None for a in args}
        if not isinstance(args, dict) or not all(isinstance(a, str) for a in args):
            raise origin.error(f"'args' of block '{name}' must map argument names to defaults", (*path, "args"))
        blocks[name] = Block(name, dict(args), layers, path)
    return blocks


class Expander:
    def __init__(self, origin: YamlOrigin, blocks: dict[str, Block], max_layers: int = MAX_LAYERS,
                 input_names: tuple[str, ...] = (MODEL_INPUT,)):
        self.origin = origin
        self.input_names = input_names
        self.blocks = blocks
        self.max_layers = max_layers
        self.drafts: list = []          # Nodes, and _Drafts whose inputs wait for a name
        self.pending: list[tuple[_Draft, int, _Ref]] = []
        self._counted: dict = {}
        # Repetitions of a block see the same entries with the same values: substitution,
        # validation and block arguments are done once per distinct object and shared.
        # Cached values hold on to their key objects, so an id() is never reused while cached.
        # `_validated` maps entry ids, equal-content keys and activation type names to args.
        self._substituted: dict = {}
        self._validated: dict = {}
        self._block_values: dict = {}
        self._read: dict = {}

    # -- public ---------------------------------------------------------
    def expand(self, layers: Any) -> list[Node]:
        if not isinstance(layers, list) or not layers:
            raise self.origin.error("'layers' must be a non-empty list", ("layers",))
        # Counted before anything is built, so nested repeats cannot exhaust memory.
        total = self._count(layers, None, ())
        if total > self.max_layers:
            raise self.origin.error(f"the spec expands to {total:,} layers, more than the limit of "
                                    f"{self.max_layers:,} (raise it with --max-layers)", ("layers",))
        self._scope(layers, ("layers",), prefix="", first_input=self.input_names[0], trainable=True,
                    enclosing=(), stack=(), values=None)
        for draft, position, ref in self.pending:
            draft.inputs[position] = self._resolve(ref)
        return [Node(d.name, d.type, d.args, tuple(d.inputs), d.trainable, d.blocks, d.path)
                if isinstance(d, _Draft) else d for d in self.drafts]

    # -- counting -------------------------------------------------------
    def _count(self, entries, values, stack) -> int:
        """Layers `entries` expand to. Lenient: malformed entries count 1 and are
        reported by the expansion itself."""
        def pick(v):   # a `$arg` replaced by its value, as the expansion will
            return values.get(v[1:], v) if values and isinstance(v, str) and v.startswith("$") else v

        total = 0
        for raw in entries if isinstance(entries, list) else ():
            entry = {"type": raw} if isinstance(raw, str) else raw if isinstance(raw, dict) else {}
            repeat = pick(entry.get("repeat", 1))
            repeat = repeat if isinstance(repeat, int) and not isinstance(repeat, bool) and repeat > 0 else 1
            kind = pick(entry.get("type"))
            block = self.blocks.get(kind) if isinstance(kind, str) else None
            if block is None or block.name in stack or len(stack) >= MAX_BLOCK_DEPTH:
                each = 1 + (pick(entry.get("activation")) not in (None, "linear"))
            else:
                inner = {**block.args, **{k: pick(v) for k, v in entry.items() if k not in COMMON_KEYS}}
                # Only scalar arguments can change a count (repeat, activation, nested uses).
                key = (block.name, tuple(sorted((k, repr(v)) for k, v in inner.items()
                                                if isinstance(v, (int, float, str, bool, type(None))))))
                if key not in self._counted:
                    self._counted[key] = self._count(block.layers, inner, (*stack, block.name))
                each = self._counted[key]
            total += repeat * each
        return total

    # -- scopes ---------------------------------------------------------
    def _scope(self, entries, path, prefix, first_input, trainable, enclosing, stack, values):
        scope = _Scope()
        if enclosing:
            scope.names[BLOCK_INPUT] = first_input
        else:
            for name in self.input_names:
                scope.names[name] = name
        previous = first_input
        for index, raw in enumerate(entries):
            previous = self._entry(raw, (*path, index), scope, prefix, previous, trainable,
                                   enclosing, stack, values)
        return previous

    def _entry(self, raw, path, scope, prefix, previous, trainable, enclosing, stack, values):
        entry = self._normalise(raw, path)
        if values is not None:
            key = (id(raw), id(values))
            if key not in self._substituted:
                self._substituted[key] = (raw, values, self._substitute(entry, values, path))
            entry = self._substituted[key][2]
        if id(entry) not in self._read:
            self._read[id(entry)] = (entry, self._read_entry(entry, path))
        type_name, block, rule, repeat, frozen = self._read[id(entry)][1]

        count = scope.counters[type_name] = scope.counters.get(type_name, 0) + 1
        name = entry.get("name") or f"{type_name}_{count}"
        if name in scope.names:
            raise self.origin.error(f"duplicate layer name '{prefix}{name}'", (*path, "name"))
        trainable = trainable and frozen
        inputs = self._input_refs(entry.get("inputs"), scope, previous, path)

        for r in range(repeat):
            local = f"{name}.{r}" if "repeat" in entry else name
            if block:
                output = self._use_block(block, entry, local, inputs, path, prefix, trainable, enclosing, stack)
            else:
                output = self._layer(rule, entry, local, inputs, path, prefix, trainable, enclosing)
            scope.names[local] = output
            inputs = [output]
        scope.names[name] = inputs[0]
        return inputs[0]

    def _read_entry(self, entry, path) -> tuple:
        """(type name, block, rule, repeat, trainable) of an entry, checked once per entry object."""
        type_name = entry.get("type")
        if not isinstance(type_name, str):
            raise self.origin.error(f"layer 'type' must be a string, got {describe(type_name)}", (*path, "type"))
        block = self.blocks.get(type_name)
        rule = None if block else find_rule(type_name)
        if block is None and rule is None:
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
        frozen = entry.get("trainable", True)
        if not isinstance(frozen, bool):
            raise self.origin.error(f"'trainable' must be true or false, got {describe(frozen)}", (*path, "trainable"))
        return type_name, block, rule, repeat, frozen

    def _normalise(self, raw, path) -> dict:
        if isinstance(raw, str):
            return {"type": raw}
        if not isinstance(raw, dict):
            raise self.origin.error(f"a layer must be a type name or a mapping, got {describe(raw)}", path)
        if "type" not in raw:
            raise self.origin.error("layer has no 'type'", path)
        return raw

    def _input_refs(self, declared, scope, previous, path) -> list:
        if declared is None:
            return [previous]
        if isinstance(declared, str):
            declared = [declared]
        if not isinstance(declared, list) or not declared or not all(isinstance(n, str) for n in declared):
            raise self.origin.error(f"'inputs' must be a list of layer names, got {describe(declared)}",
                                    (*path, "inputs"))
        return [_Ref(scope, n, (*path, "inputs", i)) for i, n in enumerate(declared)]

    # -- plain layers ---------------------------------------------------
    def _layer(self, rule: Rule, entry, local, inputs, path, prefix, trainable, enclosing):
        full = prefix + local
        known = self._validated.get(id(entry))
        if known is None:    # a new entry object: maybe equal to one validated before
            key = _arguments_key(entry)
            if key not in self._validated:
                self._validated[key] = (entry, self._arguments(rule, entry, path, full))
            known = self._validated[id(entry)] = (entry, self._validated[key][1])
        args = known[1]
        try:
            rule.check_inputs(len(inputs))
        except ArgumentError as exc:
            raise self.origin.error(f"layer '{full}' ({rule.type}) {exc}",
                                    (*path, "inputs") if "inputs" in entry else path) from None
        self._add(_Draft(full, rule.type, args, list(inputs), trainable, enclosing, path))
        activation = entry.get("activation")
        if activation in (None, "linear"):   # Keras's name for "no activation"
            return full
        act_rule = find_rule(activation) if isinstance(activation, str) else None
        if act_rule is None or act_rule.family != "activation":
            raise self.origin.error(f"'activation' must name an activation layer type, got {describe(activation)}",
                                    (*path, "activation"))
        act_name = f"{full}_{act_rule.type}"
        if act_rule.type not in self._validated:
            self._validated[act_rule.type] = (None, self._arguments(act_rule, {}, path, act_name))
        self._add(_Draft(act_name, act_rule.type, self._validated[act_rule.type][1], [full], trainable,
                         enclosing, path))
        return act_name

    def _arguments(self, rule: Rule, entry, path, full) -> dict:
        extra = set(COMMON_KEYS) | ({"activation"} if rule.takes_activation else set())
        raw = {key: value for key, value in entry.items() if key not in extra}
        try:
            return rule.bind(raw, label=f"{rule.type} layer '{full}'", also_known=extra)
        except ArgumentError as exc:
            where = path if exc.key is None else (*path, KeyOf(exc.key) if exc.unknown else exc.key)
            raise self.origin.error(str(exc), where) from None

    def _add(self, draft: _Draft):
        """Keep a draft while an input waits to be resolved; otherwise the final Node at once."""
        waiting = False
        for position, ref in enumerate(draft.inputs):
            if isinstance(ref, _Ref):
                self.pending.append((draft, position, ref))
                waiting = True
        self.drafts.append(draft if waiting else Node(draft.name, draft.type, draft.args, tuple(draft.inputs),
                                                      draft.trainable, draft.blocks, draft.path))

    # -- blocks ---------------------------------------------------------
    def _use_block(self, block: Block, entry, local, inputs, path, prefix, trainable, enclosing, stack):
        full = prefix + local
        if block.name in stack:
            chain = " -> ".join((*stack, block.name))
            raise self.origin.error(f"block '{block.name}' uses itself ({chain})", (*path, "type"))
        if len(stack) >= MAX_BLOCK_DEPTH:
            raise self.origin.error(f"blocks are nested more than {MAX_BLOCK_DEPTH} deep", path)
        if len(inputs) != 1:
            raise self.origin.error(f"block use '{full}' takes 1 input, got {len(inputs)}", (*path, "inputs"))
        if id(entry) not in self._block_values:
            self._block_values[id(entry)] = (entry, self._arguments_of_block(block, entry, path, full))
        values = self._block_values[id(entry)][1]
        return self._scope(block.layers, (*block.path, "layers"), prefix=full + ".", first_input=inputs[0],
                           trainable=trainable, enclosing=(*enclosing, (full, block.name)),
                           stack=(*stack, block.name), values=values)

    def _arguments_of_block(self, block: Block, entry, path, full) -> dict:
        values = dict(block.args)
        for key, value in entry.items():
            if key in COMMON_KEYS:
                continue
            if key not in block.args:
                raise self.origin.error(f"unknown argument '{key}' for block '{block.name}'"
                                        + suggest(str(key), block.args), (*path, KeyOf(key)))
            values[key] = value
        for key, value in values.items():
            if value is None:
                raise self.origin.error(f"block use '{full}' needs argument '{key}'", path)
        return values

    def _substitute(self, value, values, path, done=None):
        """`$arg` strings replaced by their values. YAML aliases make one object appear in
        many places; `done` substitutes each object once, so an alias bomb stays linear."""
        done = {} if done is None else done
        if isinstance(value, str) and value.startswith("$"):
            key = value[1:]
            if key not in values:
                raise self.origin.error(f"undefined block argument '{value}'" + suggest(key, values), path)
            return values[key]
        if not isinstance(value, (dict, list)):
            return value
        if id(value) not in done:
            if isinstance(value, dict):
                done[id(value)] = {k: self._substitute(v, values, (*path, k), done) for k, v in value.items()}
            else:
                done[id(value)] = [self._substitute(v, values, (*path, i), done) for i, v in enumerate(value)]
        return done[id(value)]

    def _resolve(self, ref: _Ref) -> str:
        target = ref.scope.names.get(ref.name)
        if target is None:
            raise self.origin.error(f"undefined input '{ref.name}'" + suggest(ref.name, ref.scope.names), ref.path)
        if isinstance(target, _Ref):
            return self._resolve(target)
        return target
