"""Expansion: the spec's `layers` (with blocks, `repeat`, `if:`, `$args`, expressions,
`activation:` shorthands, tied, shared and expert weights) become a flat list of `Node`s.

Names are scoped: a layer `c1` inside the second repetition of block use
`layer1` is `layer1.1.c1`. This module walks the entries; the other jobs live beside
it: an entry's own keys (entries.py), binding arguments (binding.py), names and their
resolution (references.py), counting for the bomb guard (count.py), values and
expressions (values.py, expressions.py), block declarations (blocks.py).
"""

from __future__ import annotations

from typing import Any, Mapping

from ...args import describe
from ...errors import ArgumentError, SpecError, SpecErrors
from ...graph import MODEL_INPUT, Node, Origin
from ...layers import RULES, all_type_names, find_rule
from ...layers.registry import Rule
from ...text import suggest
from .binding import ArgumentBinder
from .blocks import Block
from .count import MAX_BLOCK_DEPTH, LayerCounter, find_unknown_type
from .entries import BLOCK_INPUT, ENTRY_KEYS, Entry, EntryReader, Experts, Path
from .memo import IdentityMemo
from .references import Fields, Name, Nodes, Ref, Scope
from .values import bind_block_values, substitute

MAX_LAYERS = 10_000_000
MAX_ERRORS = 20              # independent mistakes reported in one run
TYPO_CHECK_ABOVE = 100_000   # layers beyond which literal type names are checked before expanding
EDGES_PER_LAYER = 4          # inputs read per layer, on average, before a spec counts as a bomb
ROUTER_TYPE = "dense"       # the experts' router, as the spec language defines it


# Internal helpers are plain slotted classes rather than dataclasses: building
# dataclasses costs import time on every command.

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


class Expander:
    def __init__(self, origin: Origin, blocks: dict[str, Block], max_layers: int = MAX_LAYERS,
                 input_names: tuple[str, ...] = (MODEL_INPUT,), values: Mapping[str, Any] | None = None):
        self.origin = origin
        self.input_names = input_names
        self.blocks = blocks
        self.max_layers = max_layers
        self.values = dict(values) if values else None      # the spec's `args`, after --set
        self.errors: list[SpecError] = []   # mistakes in top-level entries, gathered to report together
        self.nodes = Nodes(origin)
        self.entries = EntryReader(origin, blocks, input_names)
        self.binder = ArgumentBinder(origin)
        # Per (raw entry, values) pair, for the repetitions of a block that see both again.
        self._substituted: IdentityMemo[Entry] = IdentityMemo()
        self._conditions: IdentityMemo[bool] = IdentityMemo()
        self._block_values: IdentityMemo[dict[str, Any]] = IdentityMemo()

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
        return self.nodes.finish()

    # -- scopes ---------------------------------------------------------
    def _scope(self, entries: list[Any], path: Path, first_input: Name, context: _Context,
               parent: Scope | None = None) -> Name:
        scope = Scope(parent)
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

    def _entry(self, raw: Any, path: Path, scope: Scope, previous: Name, context: _Context) -> Name:
        entry = self.entries.normalise(raw, path)
        values = context.values
        if "if" in entry and not self._keeps(raw, entry, path, values):
            left_out = entry.get("name")
            if isinstance(left_out, str):
                scope.left_out.setdefault(left_out, path)
            return previous          # left out, and not otherwise evaluated
        if values is not None:
            known = self._substituted.get(raw, values)
            entry = known if known is not None else self._substituted.put(
                substitute(entry, values, path, self.origin), raw, values)
        read = self.entries.read(entry, path)

        count = scope.counters[read.type] = scope.counters.get(read.type, 0) + 1
        name = entry.get("name") or f"{read.type}_{count}"
        # `name: "denselayer{i}"` names each repetition itself (denselayer1, …) beside the
        # others, as frameworks number modules; otherwise repetitions are `name.0`, `name.1`, …
        numbered = "{i}" in name
        locals_ = [name.replace("{i}", str(read.start + r)) if numbered
                   else f"{name}.{read.start + r}" if "repeat" in entry else name for r in range(read.repeat)]
        for taken in ([*locals_] if numbered else [name]):
            if taken in scope.names:
                raise self.origin.error(f"duplicate layer name '{context.prefix}{taken}'", (*path, "name"))
        scope.left_out.pop(name, None)
        if context.trainable and not read.trainable:      # (most entries change nothing: no copy)
            context = context.but(trainable=False)
        inputs = self._input_refs(entry.get("inputs"), scope, previous, path, context.prefix + name)
        tied = Ref(scope, read.tied_to, (*path, "tied_to"), context.prefix + name) if read.tied_to else None
        same = Ref(scope, entry["shares"], (*path, "shares"), context.prefix + name) if "shares" in entry else None

        for r, local in enumerate(locals_):
            here = context
            if read.shared and r > 0:
                first = f"{context.prefix}{locals_[0]}"
                here = context.but(shares=(f"{context.prefix}{local}", context.shared_name(first) or first))
            if read.experts:
                inputs = self._route(read.experts, entry, local, inputs, path, here)
                here = here.but(copies=_times(here.copies, read.experts))
            if read.block:
                output = self._use_block(read.block, entry, local, inputs, path, here, scope)
            elif read.rule is not None:
                output = self._layer(read.rule, entry, local, inputs, path, here, tied, same)
            else:                      # EntryReader gives every entry a block or a rule
                raise AssertionError(f"entry {path} has neither a block nor a rule")
            scope.names[local] = output
            inputs = [output]
        if not numbered:
            scope.names[name] = inputs[0]
        return inputs[0]

    def _keeps(self, raw: Any, entry: Entry, path: Path, values: Mapping[str, Any] | None) -> bool:
        keep = self._conditions.get(raw, values)
        return keep if keep is not None else self._conditions.put(self._condition(entry, path, values), raw, values)

    def _condition(self, entry: Entry, path: Path, values: Mapping[str, Any] | None) -> bool:
        condition = substitute(entry["if"], values or {}, (*path, "if"), self.origin)
        if not isinstance(condition, bool):
            raise self.origin.error(f"'if' must be true or false, got {describe(condition)}", (*path, "if"))
        return condition

    def _input_refs(self, declared: Any, scope: Scope, previous: Name, path: Path, reader: str) -> list[Name]:
        if declared is None:
            return [previous]
        if isinstance(declared, str):
            declared = [declared]
        if not isinstance(declared, list) or not declared or not all(isinstance(n, str) for n in declared):
            raise self.origin.error(f"'inputs' must be a list of layer names, got {describe(declared)}",
                                    (*path, "inputs"))
        return [Ref(scope, n, (*path, "inputs", i), reader) for i, n in enumerate(declared)]

    # -- plain layers ---------------------------------------------------
    def _layer(self, rule: Rule, entry: Entry, local: str, inputs: list[Name], path: Path, context: _Context,
               tied: Ref | None, same: Ref | None = None) -> str:
        full = context.prefix + local
        args = self.binder.arguments(rule, entry, path, full)
        try:
            rule.check_inputs(len(inputs))
        except ArgumentError as exc:
            raise self.origin.error(f"layer '{full}' ({rule.type}) {exc}",
                                    (*path, "inputs") if "inputs" in entry else path) from None
        self.nodes.add(Fields(full, rule.type, args, list(inputs), context.trainable, context.enclosing, path,
                              tied_to=tied, shares=same or context.shared_name(full), copies=context.copies))
        activation = entry.get("activation")
        if activation in (None, "linear"):   # Keras's name for "no activation"
            return full
        act_rule = find_rule(activation) if isinstance(activation, str) else None
        if act_rule is None or act_rule.family != "activation":
            raise self.origin.error(f"'activation' must name an activation layer type, got {describe(activation)}",
                                    (*path, "activation"))
        act_name = f"{full}_{act_rule.type}"
        args = self.binder.activation(act_rule, path, act_name)
        self.nodes.add(Fields(act_name, act_rule.type, args, [full], context.trainable, context.enclosing, path,
                              tied_to=None, shares=None, copies=context.copies))
        return act_name

    # -- experts --------------------------------------------------------
    def _route(self, experts: Experts, entry: Entry, local: str, inputs: list[Name], path: Path,
               context: _Context) -> list[Name]:
        """Adds the router (a dense layer C -> E) that reads what the experts read."""
        if len(inputs) != 1:
            raise self.origin.error(f"experts take 1 input, got {len(inputs)}", (*path, "inputs"))
        rule = RULES[ROUTER_TYPE]
        full = f"{context.prefix}{experts.router}" if experts.router else f"{context.prefix}{local}.router"
        args = self.binder.bind(rule, {"units": experts.experts, "bias": experts.router_bias}, path, full)
        self.nodes.add(Fields(full, rule.type, args, list(inputs), context.trainable, context.enclosing, path,
                              tied_to=None, shares=context.shared_name(full), copies=context.copies))
        return inputs

    # -- blocks ---------------------------------------------------------
    def _use_block(self, block: Block, entry: Entry, local: str, inputs: list[Name], path: Path, context: _Context,
                   scope: Scope) -> Name:
        full = context.prefix + local
        if block.name in context.stack:
            chain = " -> ".join((*context.stack, block.name))
            raise self.origin.error(f"block '{block.name}' uses itself ({chain})", (*path, "type"))
        if len(context.stack) >= MAX_BLOCK_DEPTH:
            raise self.origin.error(f"blocks are nested more than {MAX_BLOCK_DEPTH} deep", path)
        if len(inputs) != 1:
            raise self.origin.error(f"block use '{full}' takes 1 input, got {len(inputs)}", (*path, "inputs"))
        outer = context.values
        values = self._block_values.get(entry, outer)
        if values is None:
            values = self._block_values.put(
                bind_block_values(block, entry, outer or {}, ENTRY_KEYS, path, full, self.origin), entry, outer)
        enclosing = context.enclosing if block.namespace else (*context.enclosing, (full, block.name))
        inner = context.but(prefix=full + ".", enclosing=enclosing,
                            stack=(*context.stack, block.name), values=values)
        return self._scope(block.layers, (*block.path, "layers"), inputs[0], inner, parent=scope)


def _times(copies: tuple[int, int], experts: Experts) -> tuple[int, int]:
    """Copies held and run once an entry is made experts: E + shared held, k + shared run."""
    held, run = copies
    return held * (experts.experts + experts.shared), run * (experts.top_k + experts.shared)
