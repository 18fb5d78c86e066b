"""Building the model on the meta device: no weights are allocated, none are read, nothing
runs on a GPU. The example inputs are meta tensors of the shapes given."""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from ...errors import SpecError
from ..imported import FIRST_INPUT


LATE_NOTE = ("The factory computes with tensors, so it could not run on the meta device: it ran on the CPU with "
             "each weight moved to the meta device as it was registered (allocated, never filled).")


def instantiate(target: Any, kwargs: Mapping[str, Any], source: str) -> tuple[Any, bool]:
    """The `nn.Module` a target names, and whether it had to be built late (LATE_NOTE): a module
    object as it is, a class or factory called with `kwargs` under `torch.device("meta")`."""
    import torch
    if isinstance(target, torch.nn.Module):
        if kwargs:
            raise SpecError("--kwargs: the target is a module object, not a class or factory to call", source)
        return target, False
    if not callable(target):
        raise SpecError(f"the target is a {type(target).__name__}, not an nn.Module, a module class or a factory",
                        source)
    late = False
    try:
        with torch.device("meta"):
            module = target(**kwargs)
    except TypeError as exc:
        raise SpecError(f"calling the target failed: TypeError: {exc}", source) from None
    except Exception:      # the factory computes with tensors (RegNet's widths): build it again, see below
        with weights_on_meta():
            module = target(**kwargs)
        late = True
    if not isinstance(module, torch.nn.Module):
        raise SpecError(f"the target returned a {type(module).__name__}, not an nn.Module", source)
    return module, late


@contextmanager
def weights_on_meta() -> Iterator[None]:
    """Construction on the CPU with every parameter and buffer moved to the meta device as it is
    registered: for a factory that computes with tensors (`.tolist()` of a meta tensor has no
    data). Each weight is allocated empty, never initialised with data, then dropped."""
    import torch
    module_class = torch.nn.Module
    register_parameter, register_buffer = module_class.register_parameter, module_class.register_buffer

    def parameter_on_meta(self: Any, name: str, param: Any) -> None:
        if param is not None and param.device.type != "meta":
            param = torch.nn.Parameter(param.to("meta"), requires_grad=param.requires_grad)
        register_parameter(self, name, param)

    def buffer_on_meta(self: Any, name: str, tensor: Any, persistent: bool = True) -> None:
        if tensor is not None and tensor.device.type != "meta":
            tensor = tensor.to("meta")
        register_buffer(self, name, tensor, persistent)

    setattr(module_class, "register_parameter", parameter_on_meta)
    setattr(module_class, "register_buffer", buffer_on_meta)
    try:
        yield
    finally:
        setattr(module_class, "register_parameter", register_parameter)
        setattr(module_class, "register_buffer", register_buffer)


def forward_arguments(module: Any) -> list[str]:
    """The names of the forward's positional arguments, in order (none when it has no signature)."""
    try:
        parameters = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def example_inputs(module: Any, shapes: Mapping[str, tuple[int, ...]], source: str,
                   dtypes: Mapping[str, str]) -> tuple[list[str], tuple[Any, ...]]:
    """The forward's tensor arguments (names, meta tensors) from `--input [NAME=]SHAPE[:DTYPE]`,
    in the forward's order (the model's own layout, batch first); an argument left out keeps its
    default (capture passes the others by name).
    float32 unless `dtypes` says int64 or int32 (token ids, which an embedding reads)."""
    import torch
    if not shapes:
        raise SpecError("a PyTorch model needs its input shape: --input SHAPE (batch first, e.g. 1,3,224,224) "
                        "or --input NAME=SHAPE per forward argument", source)
    names = forward_arguments(module)
    given: dict[str, tuple[int, ...]] = {}
    kinds: dict[str, Any] = {}
    for key, shape in shapes.items():
        name = key if key != FIRST_INPUT else (names[0] if names else "input")
        if key != FIRST_INPUT and key not in names:
            raise SpecError(f"--input {key}: forward has no argument of that name (its arguments: "
                            f"{', '.join(names) or 'none'})", source)
        if name in given:
            raise SpecError(f"--input: '{name}' given twice (as the first input and by name)", source)
        given[name] = shape
        if key in dtypes:
            kinds[name] = getattr(torch, dtypes[key])
    order = [n for n in names if n in given] or list(given)
    # On the module's own device: a module object built on the CPU keeps its weights there, and
    # export traces with fake tensors either way, so no forward runs and no weight is read.
    device = next((p.device for p in module.parameters()), torch.device("meta"))
    tensors = tuple(torch.zeros(given[n], dtype=kinds[n], device=device) if n in kinds
                    else torch.empty(given[n], device=device) for n in order)
    return order, tensors
