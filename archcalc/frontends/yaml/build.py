"""The YAML door's builder: a parsed spec mapping -> a checked `Graph`.

Importers hand their translations to the same builder, so a model file and
the spec `archcalc import` writes for it are analysed by one path.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ...args import MAX_INTEGER, describe, describe_number
from ...errors import UsageError, option
from ...gcpause import without_gc
from ...dtypes import BITS, parse_dtype
from ...errors import ArgumentError
from ...errors import SpecError
from ...graph import MAX_BATCH, MODEL_INPUT, Graph, Node, Origin
from ...layers.registry import find_rule
from ...text import suggest
from ...units import parse_quantity
from .blocks import read_blocks
from .expand import MAX_LAYERS, Expander
from .parse import KeyOf
from .values import derive_args, read_overrides, substitute

TOP_LEVEL_KEYS = ("name", "description", "args", "input", "inputs", "batch", "dtype", "blocks", "layers",
                  "budget", "workload")
BUDGET_KEYS = ("params", "macs", "flops", "memory", "kv_cache", "train_memory")
MEMORY_BUDGETS = ("memory", "kv_cache", "train_memory")


@without_gc
def build_graph(data: Any, origin: Origin, default_name: str, max_layers: int = MAX_LAYERS,
                overrides: Mapping[str, str] | None = None) -> Graph:
    """`overrides` are `--set NAME=VALUE` pairs for the spec's `args`."""
    if data is None:
        raise origin.error("the spec is empty (it needs 'input' and 'layers')")
    if not isinstance(data, Mapping):
        raise origin.error(f"a spec must be a mapping with 'input' and 'layers', got {describe(data)}")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise origin.error(f"unknown top-level key '{key}'" + suggest(str(key), TOP_LEVEL_KEYS), (KeyOf(key),))
    if "input" in data and "inputs" in data:
        raise origin.error("give either 'input' or 'inputs', not both", (KeyOf("inputs"),))
    for key in ("input", "layers"):
        if key not in data and not (key == "input" and "inputs" in data):
            raise origin.error(f"missing required key '{key}'")

    values = derive_args(read_overrides(read_args(data.get("args"), origin), overrides or {}), overrides or {}, origin)
    if values:      # `$name` stands anywhere: the input's shape, the batch, a budget …
        data = {key: value if key in ("args", "blocks", "layers") else substitute(value, values, (key,), origin)
                for key, value in data.items()}
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise origin.error(f"'name' must be a non-empty string, got {describe(name)}", ("name",))
    inputs = read_inputs(data, origin)
    batch = data.get("batch", 1)
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
        raise origin.error(f"'batch' must be an integer from 1 to 2^31, got {describe(batch)}", ("batch",))
    try:
        dtype = parse_dtype(data.get("dtype", "float32"))
    except ArgumentError as exc:
        raw = data.get("dtype")
        raise origin.error(str(exc) + (suggest(raw, BITS) if isinstance(raw, str) else ""), ("dtype",)) from None

    expander = Expander(origin, read_blocks(data.get("blocks"), origin), max_layers,
                        input_names=tuple(n for n, _ in inputs), values=values)
    nodes = tuple(expander.expand(data["layers"]))
    return Graph(name=name, inputs=inputs, nodes=nodes, batch=batch, dtype=dtype,
                 budget=read_budget(data.get("budget"), origin), origin=origin,
                 warnings=channels_last_warnings(inputs, nodes), context=read_workload(data.get("workload"), origin))


def read_workload(raw: Any, origin: Origin) -> int | None:
    """`workload: {context: T}`: the context length of the decoding figures."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise origin.error(f"'workload' must be a mapping such as {{context: 2048}}, got {describe(raw)}",
                           ("workload",))
    for key in raw:
        if key != "context":
            raise origin.error(f"unknown workload key '{str(key)[:40]}' (use context)", ("workload", KeyOf(key)))
    context = raw.get("context")
    if isinstance(context, bool) or not isinstance(context, int) or not 1 <= context <= MAX_INTEGER:
        raise origin.error(f"'context' must be an integer >= 1, got {describe(context)}", ("workload", "context"))
    return context


def read_args(raw: Any, origin: Origin) -> dict[str, Any]:
    """The spec's `args`: names and default values usable as `$name` everywhere."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise origin.error(f"'args' must map argument names to values, got {describe(raw)}", ("args",))
    for key in raw:
        if not isinstance(key, str) or not key.isidentifier():
            raise origin.error(f"argument name {describe(key)} must be an identifier", ("args", KeyOf(key)))
    return dict(raw)


def channels_last_warnings(inputs: tuple[tuple[str, tuple[int, ...]], ...], nodes: Sequence[Node]) -> tuple[str, ...]:
    """`[3, 224, 224]` before a 2-D convolution is almost surely channels-first."""
    shape = inputs[0][1]
    first = next((node for node in nodes if node.inputs and node.inputs[0] == inputs[0][0]), None)
    # A channels-first image has a large H in the middle: [1, 1, 100] (a noise vector) is not one.
    if first is None or len(shape) != 3 or shape[0] not in (1, 3, 4) or shape[-1] <= 4 or shape[1] <= 4:
        return ()
    rule = find_rule(first.type)
    if rule is None or rule.family != "conv" or "kernel" not in first.args or len(first.args["kernel"]) != 2:
        return ()
    return (f"input {list(shape)} looks channels-first; shapes are channels-last, [H, W, C] "
            f"(did you mean {[shape[1], shape[2], shape[0]]}?)",)


def _shape(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if (not isinstance(value, list) or not value
            or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_INTEGER for n in value)):
        return None
    return tuple(value)


def _check_sizes(value: Any, where: tuple[Any, ...], what: str, origin: Origin) -> None:
    """A size past 2^62 is refused as too large (at the size), not as "not a positive integer"."""
    scalar = not isinstance(value, list)
    for i, n in enumerate([value] if scalar else value):
        if isinstance(n, int) and not isinstance(n, bool) and n > MAX_INTEGER:
            raise origin.error(f"{what}: {describe_number(n)} is too large for a size (at most 2^62 = {MAX_INTEGER:,})",
                               where if scalar else (*where, i))


def read_inputs(data: Mapping[str, Any], origin: Origin) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """`input: [224, 224, 3]` (named `input`) or `inputs: {ids: [128], types: [128]}`, in order."""
    if "input" in data:
        shape = _shape(data["input"])
        if shape is None:
            _check_sizes(data["input"], ("input",), "'input'", origin)
            raise origin.error(f"'input' must be a list of positive integers such as [224, 224, 3], "
                               f"got {describe(data['input'])}", ("input",))
        return ((MODEL_INPUT, shape),)
    raw = data["inputs"]
    if not isinstance(raw, Mapping) or not raw:
        raise origin.error(f"'inputs' must map input names to shapes, such as {{ids: [128]}}, "
                           f"got {describe(raw)}", ("inputs",))
    inputs = []
    for key, value in raw.items():
        if not isinstance(key, str) or not key or "." in key:
            raise origin.error(f"input name must be a non-empty string without '.', got {describe(key)}",
                               ("inputs", KeyOf(key)))
        shape = _shape(value)
        if shape is None:
            _check_sizes(value, ("inputs", key), f"input '{key}'", origin)
            raise origin.error(f"input '{key}' must be a list of positive integers, got {describe(value)}",
                               ("inputs", key))
        inputs.append((key, shape))
    return tuple(inputs)


def read_budget(raw: Any, origin: Origin) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise origin.error(f"'budget' must be a mapping, got {describe(raw)}", ("budget",))
    budget = {}
    for key, value in raw.items():
        if key not in BUDGET_KEYS:
            raise origin.error(f"unknown budget '{key}'" + suggest(str(key), BUDGET_KEYS), ("budget", KeyOf(key)))
        try:
            budget[key] = parse_quantity(value, memory=key in MEMORY_BUDGETS)
        except UsageError as exc:
            raise origin.error(f"budget '{key}': {exc}", ("budget", key)) from None
    return budget


def with_input_shapes(graph: Graph, shapes: Mapping[str, tuple[int, ...]]) -> Graph:
    """The graph with `--input` shapes in place of its inputs' (the key "" is the first input),
    each channels-last without the batch axis, of the rank the spec gives it."""
    from ..imported import FIRST_INPUT
    declared = dict(graph.inputs)
    new = dict(declared)
    for key, shape in shapes.items():
        name = graph.inputs[0][0] if key == FIRST_INPUT else key
        if name not in declared:
            raise _input_error(graph, None, f"{option('input')} {key}: the spec has no input of that name (its inputs: "
                                            f"{', '.join(declared)})")
        if key == FIRST_INPUT and name in shapes:
            raise _input_error(graph, name, f"{option('input')}: input '{name}' given twice (as the first input and by name)")
        if len(shape) != len(declared[name]):
            raise _input_error(graph, name, f"{option('input')} {'' if key == FIRST_INPUT else key + '='}"
                               f"{','.join(map(str, shape))}: input '{name}' is {list(declared[name])}, "
                               f"{len(declared[name])} sizes channels-last without the batch axis "
                               f"({option('batch')} sets the batch); got {len(shape)}")
        new[name] = tuple(shape)
    inputs = tuple(new.items())
    return graph._replace(inputs=inputs, warnings=channels_last_warnings(inputs, graph.nodes))


def _input_error(graph: Graph, name: str | None, message: str) -> SpecError:
    """Placed at the input's shape in the spec (`input:` or its entry under `inputs:`); a
    place not found gives the document's start, which says nothing."""
    nowhere = graph.origin.error(message, (KeyOf("\0"),))
    for where in ((("inputs", name),) if name else ()) + (("input",), ("inputs",)):
        error = graph.origin.error(message, where)
        if (error.line, error.column) != (nowhere.line, nowhere.column):
            return error
    return graph.origin.error(message)
