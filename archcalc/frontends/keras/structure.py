"""How a Keras model's layers are wired: a Sequential's list, a Functional model's calls put in
an order where each reads only what is computed (a topological sort, so a file listed in any
order costs time in proportion to its size), and models used as layers of another, inlined."""

from __future__ import annotations

import heapq
from typing import Any, Iterator

from ...errors import option
from ..imported import ImportOptions
from .fields import Fields, is_int, received
from .layers import translate
from .model import Layer, Translation

MODELS = ("Functional", "Model")          # Keras 3 and 2 spell a Functional model's class so


def read_layers(t: Translation, config: Fields, scope: str = "") -> list[Layer]:
    raw = config.items("layers")
    if not raw:
        raise config.error("a Keras model without layers")
    return [Layer(entry, i, t.file, scope) for i, entry in enumerate(raw)]


def call_layer(t: Translation, layer: Layer, reads: list[str], operands: list[Any] | None = None) -> str:
    """Translates one call of `layer` on the tensors named `reads` (`operands`: its positional
    arguments, None for a tensor, else the number); returns the spec name of its output."""
    if layer.kind == "Sequential" or layer.kind in MODELS:
        return _nested(t, layer, reads)
    return translate(t, layer, reads, operands or [None] * len(reads))


# -- inputs ------------------------------------------------------------------------------------

def _recorded_shape(layer: Layer) -> Any:
    config = layer.config.raw
    return config.get("batch_shape") or config.get("batch_input_shape") or layer.built_shape()


def resolve_given(t: Translation, names: list[str], options: ImportOptions) -> None:
    """`--input` shapes by the model's input names (`--input SHAPE`, key "", is the first); a
    name the model does not have is refused, listing those it has."""
    for key, shape in options.inputs.items():
        name = key or (names[0] if names else "")
        if name not in names:
            raise t.error(f"{option('input')} {key}: the model has no input of that name (its inputs: "
                          f"{', '.join(names) or 'none'})")
        if name in t.given:
            raise t.error(f"{option('input')}: input '{name}' given twice (as the first input and by name)")
        t.given[name] = shape


def declare_input(t: Translation, layer: Layer, spec_name: str) -> None:
    """The model input `layer` feeds, at its recorded shape, or at the one given with
    `--input NAME=SHAPE` (batch axis first, Keras's layout) when the model leaves it open."""
    recorded = _recorded_shape(layer)
    given = t.given.get(layer.name)
    if given is not None:
        if isinstance(recorded, list) and len(recorded) != len(given):
            raise t.error(f"{option('input')} {layer.name}: {len(given)} sizes for an input of rank {len(recorded)} "
                          f"({_shown(recorded)}, batch axis first)")
        if len(given) < 2:
            raise t.error(f"{option('input')} {layer.name}: give the batch axis and at least one more")
        if t.batch not in (None, given[0]):
            raise t.error(f"{option('input')} {layer.name}: batch {given[0]}, but another input has batch {t.batch}")
        t.batch = given[0]
        t.inputs[spec_name] = list(given[1:])
        return
    if not isinstance(recorded, list) or len(recorded) < 2 \
            or not all(is_int(n) and n >= 1 for n in recorded[1:]):
        raise t.error(f"input '{layer.name}' has no fixed shape (got {_shown(recorded)}); give it with "
                      f"{option('input')} {layer.name}=SHAPE, batch axis first in Keras's layout "
                      f"(e.g. {option('input')} {layer.name}=1,224,224,3)")
    t.inputs[spec_name] = list(recorded[1:])


def _shown(shape: Any) -> str:
    """A recorded shape as Keras prints it ([None, 224, 224, 3]), or what was found instead."""
    if isinstance(shape, list) and len(shape) <= 8 and all(n is None or is_int(n) for n in shape):
        return "[" + ", ".join("None" if n is None else received(n).removeprefix("integer ") for n in shape) + "]"
    return received(shape)


# -- Sequential ---------------------------------------------------------------------------------

def sequential(t: Translation, config: Fields, options: ImportOptions) -> str:
    layers = read_layers(t, config)
    first = layers[0]
    if first.kind == "InputLayer":
        model_input = first
        layers = layers[1:]
    else:                                   # Keras 2: the shape on the first layer, its input named so
        model_input = Layer({"class_name": "InputLayer", "config": {
            "name": f"{first.name}_input", "batch_input_shape": _recorded_shape(first)}}, 0, t.file)
    resolve_given(t, [model_input.name], options)
    declare_input(t, model_input, "input")
    previous = "input"
    for layer in layers:
        previous = call_layer(t, layer, [previous])
    return previous


# -- Functional ---------------------------------------------------------------------------------

class _Call:
    """One call of a layer in a Functional model: its place in the listing orders the sort;
    `operands` are its positional arguments, each a tensor (None) or a number."""

    __slots__ = ("layer", "index", "reads", "operands")

    def __init__(self, layer: Layer, index: int, reads: list[tuple[str, int]], operands: list[Any]):
        self.layer, self.index, self.reads, self.operands = layer, index, reads, operands


def functional(t: Translation, config: Fields, options: ImportOptions, feeds: list[str] | None = None) -> str:
    """The calls of a Functional model's layers, each once what it reads is computed. Its inputs
    become the spec's inputs, or, for a model nested in another, the tensors `feeds` it is
    called on. Returns the spec name of its output."""
    layers = read_layers(t, config, t.scope)
    produced: dict[tuple[str, int], str] = {}      # (Keras layer, call index) -> spec name
    inputs = [layer for layer in layers if layer.kind == "InputLayer"]
    if feeds is not None and len(feeds) != len(inputs):
        raise config.error(f"a nested model with {len(inputs)} inputs called on {len(feeds)} tensors")
    order = [ref[0] for ref in _references(config, "input_layers")]
    if feeds is None:
        resolve_given(t, [layer.name for layer in inputs], options)
    for i, layer in enumerate(inputs):
        if (layer.name, 0) in produced:
            raise t.error(f"two input layers are named '{layer.name}'", layer.where)
        if feeds is None:
            spec_name = t.name(layer.name)
            declare_input(t, layer, spec_name)
        else:
            spec_name = feeds[order.index(layer.name) if layer.name in order else i]
        produced[(layer.name, 0)] = spec_name
    calls = _calls(layers, produced)
    last = None
    for call in _in_order(t, calls, produced):
        reads = [produced[ref] for ref in call.reads]
        produced[(call.layer.name, call.index)] = last = call_layer(t, call.layer, reads, call.operands)
    outputs = _references(config, "output_layers")
    if len(outputs) > 1:
        raise config.error(f"{len(outputs)} outputs: models with several outputs have no rule")
    if outputs:
        source, index, _ = outputs[0]
        if (source, index) not in produced:
            raise config.error(f"the output '{source}' is never computed")
        return produced[(source, index)]
    if last is None:
        raise config.error("a Functional model without layers between its inputs and outputs")
    return last


def _calls(layers: list[Layer], produced: dict[tuple[str, int], str]) -> list[_Call]:
    calls: list[_Call] = []
    seen = set(name for name, _ in produced)
    for layer in layers:
        if layer.kind == "InputLayer":
            continue
        if layer.name in seen:
            raise layer.entry.error(f"two layers are named '{layer.name}'")
        seen.add(layer.name)
        for index, node in enumerate(layer.entry.items("inbound_nodes", [])):
            calls.append(_Call(layer, index, *_tensors_read(layer, index, node)))
    return calls


def _in_order(t: Translation, calls: list[_Call], produced: dict[tuple[str, int], str]) -> Iterator[_Call]:
    """The calls, each after the calls whose outputs it reads and after its layer's earlier
    calls (the first call owns the weights); among those ready, the one listed first, so a
    file already in order keeps its order (which the peak-memory figure follows)."""
    producer = {(call.layer.name, call.index): i for i, call in enumerate(calls)}
    waiting_on = [0] * len(calls)
    readers: list[list[int]] = [[] for _ in calls]
    for i, call in enumerate(calls):
        needs = set()
        for ref in call.reads:
            if ref in producer:
                needs.add(producer[ref])
            elif ref not in produced:
                raise call.layer.entry.error(f"reads '{ref[0]}' (call {received(ref[1]).removeprefix('integer ')}), "
                                             "which is never computed")
        if call.index > 0:
            needs.add(i - 1)
        waiting_on[i] = len(needs)
        for need in needs:
            readers[need].append(i)
    ready = [i for i, n in enumerate(waiting_on) if n == 0]
    heapq.heapify(ready)
    done = 0
    while ready:
        i = heapq.heappop(ready)
        done += 1
        yield calls[i]
        for reader in readers[i]:
            waiting_on[reader] -= 1
            if waiting_on[reader] == 0:
                heapq.heappush(ready, reader)
    if done < len(calls):
        stuck = next(call for i, call in enumerate(calls) if waiting_on[i] > 0)
        raise stuck.layer.entry.error("reads a tensor computed from its own output: the layers form a cycle")


def _history(raw: Any, where: Fields) -> tuple[str, int, int]:
    """(layer, call index, tensor index) of a reference to a tensor, checked."""
    if isinstance(raw, list) and len(raw) >= 3 and isinstance(raw[0], str) and is_int(raw[1]) and is_int(raw[2]):
        return raw[0], raw[1], raw[2]
    raise where.error(f"a tensor reference must be [layer name, call, tensor], got {received(raw)}")


def _keras3_tensor(raw: Any, where: Fields) -> tuple[str, int, int] | None:
    """Keras 3 writes a tensor as {"class_name": "__keras_tensor__", "config": {"keras_history": [...]}}."""
    if isinstance(raw, dict) and raw.get("class_name") == "__keras_tensor__":
        config = Fields(raw, where.where, "a tensor reference", where.file).mapping("config", "a tensor reference")
        return _history(config.value("keras_history"), where)
    return None


def _tensors_read(layer: Layer, call: int, node: Any) -> tuple[list[tuple[str, int]], list[int | float | None]]:
    """The tensors one call reads, in order (positional, then keyword tensors: MultiHeadAttention's
    value and key), as (layer, call index), and its positional operands (None for a tensor, else
    the number: `x + 3.0` in Keras 3 is an Add operation called on a tensor and 3.0); a call
    reading another output than a layer's first is refused."""
    where = layer.entry
    refs: list[tuple[str, int, int]] = []
    operands: list[int | float | None] = []
    if isinstance(node, dict):                       # Keras 3: {"args": [...], "kwargs": {...}}
        node_fields = Fields(node, where.where, f"call {call}", where.file)
        for arg in node_fields.items("args", []):
            for item in arg if isinstance(arg, list) else [arg]:
                ref = _keras3_tensor(item, where)
                if ref is not None:
                    refs.append(ref)
                    operands.append(None)
                elif isinstance(item, (dict, list)):
                    raise where.error(f"call {call} reads {received(item)}, which is not a Keras tensor")
                elif isinstance(item, (int, float)) and not isinstance(item, bool):
                    operands.append(item)
        kwargs = node_fields.value("kwargs", {})
        if not isinstance(kwargs, dict):
            raise where.error(f"call {call}'s kwargs must be a mapping, got {received(kwargs)}")
        keywords = [ref for ref in (_keras3_tensor(value, where) for value in kwargs.values()) if ref is not None]
        refs += keywords
        operands += [None] * len(keywords)
    elif isinstance(node, list):                     # Keras 2: [[name, node, index, kwargs], ...]
        for item in node:
            refs.append(_history(item, where))
            named = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
            refs += [_history(value, where) for value in named.values()
                     if isinstance(value, list) and value and isinstance(value[0], str)]
        operands = [None] * len(refs)
    else:
        raise where.error(f"call {call} must be a mapping (Keras 3) or a list (Keras 2), got {received(node)}")
    for source, index, tensor in refs:
        if tensor != 0:
            raise where.error(f"reads output {tensor} of '{source}': layers with several outputs have no rule")
    return [(source, index) for source, index, _ in refs], operands


def _references(config: Fields, key: str) -> list[tuple[str, int, int]]:
    """input_layers / output_layers: one [name, call, tensor] or a list of them."""
    raw = config.items(key, [])
    if not raw:
        return []
    if isinstance(raw[0], str):
        return [_history(raw, config)]
    return [_history(ref, config) for ref in raw]


# -- models used as layers ------------------------------------------------------------------------

def _nested(t: Translation, layer: Layer, reads: list[str]) -> str:
    """A model used as a layer of another: its layers inlined, under its name. Called again,
    every inner layer shares the first call's weights, as Keras does."""
    scope, frozen = t.scope, t.frozen
    t.scope, t.frozen = f"{scope}{layer.name}/", frozen or layer.config.raw.get("trainable") is False
    try:
        if layer.kind == "Sequential":
            if len(reads) != 1:
                raise layer.config.error(f"a nested Sequential called on {len(reads)} tensors")
            previous = reads[0]
            for inner in read_layers(t, layer.config, t.scope):
                if inner.kind != "InputLayer":
                    previous = call_layer(t, inner, [previous])
            return previous
        return functional(t, layer.config, ImportOptions(), feeds=reads)
    finally:
        t.scope, t.frozen = scope, frozen
