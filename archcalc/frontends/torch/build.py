"""Building the model on the meta device: no weights are allocated, none are read, nothing
runs on a GPU. The example inputs are meta tensors of the shapes given."""

from __future__ import annotations

import inspect
from typing import Any, Mapping

from ...errors import SpecError
from ..imported import FIRST_INPUT


def instantiate(target: Any, kwargs: Mapping[str, Any], source: str) -> Any:
    """The `nn.Module` a target names: a module object as it is, a class or factory called with
    `kwargs` under `torch.device("meta")`."""
    import torch
    if isinstance(target, torch.nn.Module):
        if kwargs:
            raise SpecError("--kwargs: the target is a module object, not a class or factory to call", source)
        return target
    if not callable(target):
        raise SpecError(f"the target is a {type(target).__name__}, not an nn.Module, a module class or a factory",
                        source)
    try:
        with torch.device("meta"):
            module = target(**kwargs)
    except TypeError as exc:
        raise SpecError(f"calling the target failed: TypeError: {exc}", source) from None
    if not isinstance(module, torch.nn.Module):
        raise SpecError(f"the target returned a {type(module).__name__}, not an nn.Module", source)
    return module


def example_inputs(module: Any, shapes: Mapping[str, tuple[int, ...]], source: str) -> tuple[list[str], tuple[Any, ...]]:
    """The forward's tensor arguments (names, meta tensors) from `--input [NAME=]SHAPE`, in the
    forward's order; every input must be given (the model's own layout, batch first)."""
    import torch
    if not shapes:
        raise SpecError("a PyTorch model needs its input shape: --input SHAPE (batch first, e.g. 1,3,224,224) "
                        "or --input NAME=SHAPE per forward argument", source)
    try:
        parameters = [p for p in inspect.signature(module.forward).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters]
    given: dict[str, tuple[int, ...]] = {}
    for key, shape in shapes.items():
        name = key if key != FIRST_INPUT else (names[0] if names else "input")
        if key != FIRST_INPUT and key not in names:
            raise SpecError(f"--input {key}: forward has no argument of that name (its arguments: "
                            f"{', '.join(names) or 'none'})", source)
        if name in given:
            raise SpecError(f"--input: '{name}' given twice (as the first input and by name)", source)
        given[name] = shape
    order = [n for n in names if n in given] or list(given)
    for position, name in enumerate(order):
        if names and names.index(name) != position:
            missing = names[position]
            raise SpecError(f"--input: forward's argument '{missing}' comes before '{name}' and has no shape", source)
    tensors = tuple(torch.empty(given[n], device="meta") for n in order)
    return order, tensors
