"""The registry: one `Rule` per layer type, and nothing else knows type names.

A rule holds the layer's argument schema and four pure functions of a
`Call` (the validated arguments and the input shapes): its output shape,
its parameter count, its multiply-accumulates and its FLOPs, all per sample.
The analyzer multiplies by the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..args import Arg
from ..shapes import Shape, elements


@dataclass(frozen=True)
class Params:
    learned: int = 0
    buffers: int = 0


@dataclass(frozen=True)
class Call:
    """One application of a layer: its arguments, input shapes and (once known) output shape."""

    args: Mapping[str, Any]
    inputs: tuple[Shape, ...]
    output: Shape = ()

    @property
    def input(self) -> Shape:
        return self.inputs[0]

    def __getitem__(self, name: str) -> Any:
        return self.args[name]


def no_params(call: Call) -> Params:
    return Params()


def no_macs(call: Call) -> int:
    return 0


def no_flops(call: Call) -> int:
    return 0


def one_flop_per_output(call: Call) -> int:
    return elements(call.output)


WEIGHTED_FLOPS_RULE = "2 per MAC, plus 1 per output element for the bias"


def weighted_flops(macs: Callable[[Call], int]) -> Callable[[Call], int]:
    """FLOPs of a weighted layer with a `bias` argument: WEIGHTED_FLOPS_RULE."""
    def flops(call: Call) -> int:
        return 2 * macs(call) + (elements(call.output) if call["bias"] else 0)
    return flops


@dataclass(frozen=True)
class Rule:
    type: str
    family: str
    summary: str
    output_shape: Callable[[Call], Shape]
    args: tuple[Arg, ...] = ()
    params: Callable[[Call], Params] = no_params
    macs: Callable[[Call], int] = no_macs
    flops: Callable[[Call], int] = no_flops
    flops_rule: str = "none: it moves or selects data without arithmetic"
    min_inputs: int = 1
    max_inputs: int | None = 1
    aliases: tuple[str, ...] = ()
    takes_activation: bool = False
    arg_names: frozenset = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "arg_names", frozenset(a.name for a in self.args))


RULES: dict[str, Rule] = {}
ALIASES: dict[str, str] = {}


def register(rule: Rule) -> Rule:
    for name in (rule.type, *rule.aliases):
        if name in RULES or name in ALIASES:
            raise ValueError(f"layer type {name!r} registered twice")
    RULES[rule.type] = rule
    for alias in rule.aliases:
        ALIASES[alias] = rule.type
    return rule


def find_rule(type_name: str) -> Rule | None:
    return RULES.get(ALIASES.get(type_name, type_name))


def all_type_names() -> list[str]:
    return sorted([*RULES, *ALIASES])
