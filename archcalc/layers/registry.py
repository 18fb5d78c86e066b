"""The registry: one `Rule` per layer type, and nothing else knows type names.

A rule holds the layer's argument schema (`bind` checks raw arguments against
it) and four pure functions of a `Call` (the bound arguments and the input
shapes): its output shape, its parameter count, its multiply-accumulates and
its FLOPs, all per sample. The analyzer multiplies by the batch.

Every rule states all three figures. A figure that is zero says why with
`zero("…")`: a compute layer that forgot its FLOPs must not count 0 silently
(fvcore's lesson), and a test fails on a rule that leaves one out.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, NamedTuple

from ..args import Arg
from ..errors import ArgumentError
from ..shapes import Shape, elements
from ..text import suggest


class Params(NamedTuple):
    learned: int = 0
    buffers: int = 0


NO_PARAMS = Params()


class PositionLimit(NamedTuple):
    """Positions a layer can tell apart: a learned table's rows (`learned`: a longer context
    has no row to read), or the range rotary or ALiBi positions were trained for (a longer
    context runs, untested)."""
    positions: int
    learned: bool
    source: str           # where the figure comes from, for messages: "max_positions: 1024"


class Call:
    """One application of a layer: its arguments, input shapes and (once known) output shape.
    A plain slotted class: one is made per distinct layer, and it is never compared."""

    __slots__ = ("args", "inputs", "output")

    def __init__(self, args: Mapping[str, Any], inputs: tuple[Shape, ...], output: Shape = ()):
        self.args, self.inputs, self.output = args, inputs, output

    @property
    def input(self) -> Shape:
        return self.inputs[0]

    def __getitem__(self, name: str) -> Any:
        return self.args[name]


class Kept(NamedTuple):
    """One tensor a layer's backward pass keeps from the forward pass (what autograd saves
    with standard PyTorch modules). `tensor` says which: the layer's input k (k >= 0), its
    output (OUTPUT), or a tensor of its own (None); inputs and outputs are the same tensors as
    other layers', so a training step counts each once. `bytes` per element: None for the
    activations' dtype, else fixed (a dropout mask 1, fp32 statistics 4, int64 indices 8)."""
    what: str
    elements: int                 # per sample (per batch when `whole_batch`)
    tensor: int | None = None
    bytes: int | None = None
    whole_batch: bool = False     # one for the whole batch (batchnorm's per-channel statistics)
    core: bool = False            # attention's probabilities and their masks: what selective
                                  # recompute (`--recompute attention`) rebuilds
    rebuild_macs: int = 0         # per sample, the MACs rebuilding it costs (selective recompute)


OUTPUT = -1
MASK_BYTES = 1          # a boolean per element
STAT_BYTES = 4          # normalisation statistics stay fp32 under mixed precision
INDEX_BYTES = 8         # int64 indices (embedding ids, max-pooling's argmax)


def keeps_input(call: "Call") -> tuple[Kept, ...]:
    return (Kept("input", elements(call.input), 0),)


def keeps_inputs(call: "Call") -> tuple[Kept, ...]:
    return tuple(Kept(f"input {k}", elements(shape), k) for k, shape in enumerate(call.inputs))


def keeps_inputs_and_output(call: "Call") -> tuple[Kept, ...]:
    return (*keeps_inputs(call), *keeps_output(call))


def keeps_output(call: "Call") -> tuple[Kept, ...]:
    return (Kept("output", elements(call.output), OUTPUT),)


def softmax_statistics(queries: int, heads: int) -> tuple[Kept, ...]:
    """What a fused (flash) attention kernel keeps for its backward pass instead of the
    probabilities: per query and head, the softmax's log-sum-exp in float32, from which it
    rebuilds them block by block (a dropout mask comes again from the random seed)."""
    return (Kept("softmax statistics", queries * heads, bytes=STAT_BYTES),)


def keeps_nothing(why: str) -> "Zero":
    """A backward pass that needs no tensor of the forward's (`keeps_nothing("a sum")`)."""
    return Zero(why, ())


class Zero:
    """A figure that is zero for a stated reason: `macs=zero("it only moves data")`.

    In the `params` slot it returns `Params()`, elsewhere 0."""

    __slots__ = ("why", "value")

    def __init__(self, why: str, value: Any = 0):
        self.why, self.value = why, value

    def __call__(self, call: Call) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"zero({self.why!r})"


def zero(why: str) -> Zero:
    return Zero(why)


def one_flop_per_output(call: Call) -> int:
    return elements(call.output)


WEIGHTED_FLOPS_RULE = "2 per MAC, plus 1 per output element for the bias"


def weighted_flops(macs: Callable[[Call], int]) -> Callable[[Call], int]:
    """FLOPs of a weighted layer with a `bias` argument: WEIGHTED_FLOPS_RULE."""
    def flops(call: Call) -> int:
        return 2 * macs(call) + (elements(call.output) if call["bias"] else 0)
    return flops


def _count_words(low: int, high: int | None) -> str:
    if high is None:
        return f"{low} or more"
    return str(low) if low == high else f"{low} to {high}"


# (name, default) of every field of a rule after the seven every rule gives.
_RULE_OPTIONS = (
    ("flops_rule", ""), ("args", ()), ("min_inputs", 1), ("max_inputs", 1), ("aliases", ()),
    ("takes_activation", False),
    # Workload hooks (section "Workloads" of docs): None where a type has nothing to say.
    # MACs that multiply two activations (attention's scores and weighted values): a backward
    # pass computes them twice more, once per operand, whatever is trainable.
    ("product_macs", None),
    # Elements of the main weight another layer may share with `tied_to` (None: nothing to tie).
    ("weight_elements", None),
    # Elements of its weights one sample's pass reads, when fewer than all of them (an embedding
    # reads the rows of its ids); None: every weight is read. Bytes moved (a device's roofline).
    ("weights_read", None),
    # Elements one new token adds to the KV cache (causal self-attention: 2·kv_heads·head_dim).
    ("cache_per_token", None),
    # Positions of the KV cache kept after `context` tokens (None: all of them; a sliding
    # window: min(context, W)).
    ("cache_positions", None),
    # The positions the layer can address (a PositionLimit), None when unbounded.
    ("position_limit", None),
    # MACs to produce one new token with `context` tokens already cached (None: a layer on a
    # [T, C] sequence costs its MACs / T per position, any other its MACs).
    ("decode_macs", None),
    # What the backward pass keeps: a function of the call giving `Kept` records (every rule
    # states it; a test fails on one that does not). Attention's reads its `dropout`.
    ("saved", None),
    # Its field transfer (archcalc.fieldmaps): which input positions each output unit depends
    # on, as a function (call, input fields) -> output field. Every rule states it; a test
    # fails on one that does not.
    ("fields", None),
    # Attention kernels (`--attention`): the score matrix's elements per sample, which an eager
    # kernel materialises at inference, and what a fused (flash) kernel keeps for the backward
    # pass instead of the probabilities (the `core` tensors of `saved`).
    ("scores", None),
    ("fused_saved", None),
)


class Rule:
    """Everything archcalc knows about one layer type. Built once per type at import and never
    changed; a plain slotted class rather than a frozen dataclass, whose generated code would
    cost every command's start-up about 1 ms (benchmarks/bench_startup.py)."""

    __slots__ = ("type", "family", "summary", "output_shape", "params", "macs", "flops",
                 *(name for name, _ in _RULE_OPTIONS), "arg_names")
    type: str
    family: str
    summary: str
    output_shape: Callable[[Call], Shape]
    params: Callable[[Call], Params]
    macs: Callable[[Call], int]
    flops: Callable[[Call], int]
    flops_rule: str
    args: tuple[Arg, ...]
    min_inputs: int
    max_inputs: int | None
    aliases: tuple[str, ...]
    takes_activation: bool
    product_macs: Callable[[Call], int] | None
    weight_elements: Callable[[Call], int] | None
    weights_read: Callable[[Call], int] | None
    cache_per_token: Callable[[Call], int] | None
    cache_positions: Callable[[Call, int], int] | None
    position_limit: Callable[[Call], PositionLimit | None] | None
    decode_macs: Callable[[Call, int], int] | None
    saved: Callable[[Call], tuple[Kept, ...]] | None
    fields: Callable[..., Any] | None
    scores: Callable[[Call], int] | None
    fused_saved: Callable[[Call], tuple[Kept, ...]] | None
    arg_names: frozenset[str]

    def __init__(self, type: str, family: str, summary: str, output_shape: Callable[[Call], Shape],
                 params: Callable[[Call], Params], macs: Callable[[Call], int], flops: Callable[[Call], int],
                 **options: Any):
        unknown = options.keys() - {name for name, _ in _RULE_OPTIONS}
        if unknown:
            raise TypeError(f"Rule() got unknown fields {sorted(unknown)}")
        if isinstance(params, Zero) and params.value == 0:
            params = Zero(params.why, NO_PARAMS)
        self.type, self.family, self.summary = type, family, summary
        self.output_shape, self.params, self.macs, self.flops = output_shape, params, macs, flops
        for name, default in _RULE_OPTIONS:
            setattr(self, name, options.get(name, default))
        self.arg_names = frozenset(a.name for a in self.args)
        if not self.flops_rule:
            if not isinstance(flops, Zero):
                raise ValueError(f"rule {type!r} computes FLOPs but states no flops_rule")
            self.flops_rule = f"none: {flops.why}"

    def _replace(self, **changes: Any) -> Rule:
        """A copy with some fields changed (tests use it to break a rule on purpose)."""
        fields = {name: getattr(self, name) for name in self.__slots__ if name != "arg_names"}
        return Rule(**{**fields, **changes})

    def __repr__(self) -> str:
        return f"<Rule {self.type}>"

    @property
    def inputs_wanted(self) -> str:
        return _count_words(self.min_inputs, self.max_inputs)

    def bind(self, raw: Mapping[str, Any], n_inputs: int | None = None, *, label: str | None = None,
             also_known: Iterable[str] = ()) -> dict[str, Any]:
        """Raw arguments (without the entry's own keys such as `type` and `name`) -> validated
        arguments with defaults filled in. Raises `ArgumentError` without a location (its `.key`
        names the offending argument, or None); each front door adds its own. `label` names the
        layer in messages ("dense layer 'fc1'"); `also_known` are the front door's own keys, offered
        as suggestions for a misspelt one."""
        label = label or f"{self.type} layer"
        for key in raw:
            if key not in self.arg_names:
                raise ArgumentError(f"unknown argument '{key}' for {label}"
                                    + suggest(str(key), {*self.arg_names, *also_known}), key=key, unknown=True)
        bound = {}
        for arg in self.args:
            if arg.name not in raw:
                if arg.required:
                    raise ArgumentError(f"{label} needs argument '{arg.name}'")
                bound[arg.name] = None if arg.default is None else arg.validate(arg.default)
                continue
            try:
                bound[arg.name] = arg.validate(raw[arg.name])
            except ArgumentError as exc:
                raise ArgumentError(f"{label}: '{arg.name}': {exc}", key=arg.name) from None
        if n_inputs is not None:
            self.check_inputs(n_inputs)
        return bound

    def check_inputs(self, n: int) -> None:
        if n < self.min_inputs or (self.max_inputs is not None and n > self.max_inputs):
            raise ArgumentError(f"takes {self.inputs_wanted} inputs, got {n}", key="inputs")


RULES: dict[str, Rule] = {}
ALIASES: dict[str, str] = {}       # lower-case alias -> canonical type


def register(rule: Rule) -> Rule:
    for name in (rule.type, *rule.aliases):
        key = name.lower()
        if key in RULES or key in ALIASES:
            raise ValueError(f"layer type {name!r} registered twice")
    RULES[rule.type] = rule
    for alias in rule.aliases:
        ALIASES[alias.lower()] = rule.type
    return rule


def find_rule(type_name: str) -> Rule | None:
    """The rule of a type name or alias; PyTorch and Keras class names match in any case."""
    rule = RULES.get(type_name)
    if rule is None:
        key = type_name.lower()
        rule = RULES.get(ALIASES.get(key, key))
    return rule


def all_type_names() -> list[str]:
    return sorted(RULES)
