"""Capturing a module's graph: `torch.export` (non-strict), or FX symbolic tracing where
export cannot, as a list of `Op`s in execution order, each with the module path it runs in.

The user's code runs here (its forward, on meta tensors): what it raises is the model's
failure, reported as that (`TargetFailed`), not as a bug of ours.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .build import forward_arguments
from .values import Held


class Ref(NamedTuple):
    """A value computed by an earlier op (or a placeholder), by its node name."""
    name: str


class Op(NamedTuple):
    name: str                                  # the graph node's name
    target: str                                # the ATen op without namespace and overload: conv2d, add_
    args: tuple[Any, ...]                      # Refs where the op reads a graph value
    kwargs: dict[str, Any]
    stack: tuple[tuple[str, str, str], ...]    # (call key, module path, class name), outermost first
    out: Any                                   # the output's shape (a tuple of ints), or a tuple of them, or a value


class Captured(NamedTuple):
    method: str                                # "torch.export" or "FX symbolic trace"
    inputs: tuple[tuple[str, tuple[int, ...]], ...]   # the forward's tensor arguments, in order
    held: dict[str, Held]                      # placeholder name -> a parameter, buffer or constant
    ops: list[Op]
    outputs: tuple[Any, ...]                   # Refs of the graph's outputs
    unused: tuple[Held, ...]                   # parameters and buffers no op reads


class TargetFailed(Exception):
    """The user's code raised: the message names what and where."""


def shape_of(value: Any) -> Any:
    """A tensor's shape as ints, a list or tuple of them, or a plain value as it is."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        return tuple(int(n) for n in shape)
    if isinstance(value, (list, tuple)):
        return tuple(shape_of(v) for v in value)
    return value


def _op_name(target: Any) -> str:
    name = getattr(target, "__name__", str(target))
    packet = getattr(target, "overloadpacket", None)
    if packet is not None:
        name = packet.__name__
    return str(name).split(".")[-1]


def _stack(meta: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    stack = meta.get("nn_module_stack") or {}
    return tuple((str(key), str(path), str(kind).split(".")[-1]) for key, (path, kind) in stack.items() if path)


def capture(module: Any, example: tuple[Any, ...], names: list[str]) -> Captured:
    """The forward's graph. Its arguments go in by position while they are the forward's first
    ones, by name when one before them is left out (an encoder-decoder's `decoder_input_ids`
    after an optional `attention_mask`)."""
    import torch
    held = _held_tensors(module)
    leading = forward_arguments(module)[:len(names)]
    by_name = bool(leading) and names != leading
    try:
        if by_name:
            program = torch.export.export(module, (), dict(zip(names, example)), strict=False)
        else:
            program = torch.export.export(module, example, strict=False)
    except Exception as exc:    # the user's forward failed under export (any type): try FX
        export_error = f"{type(exc).__name__}: {_first_line(exc)}"
        if by_name:             # FX traces the forward's arguments in order: nothing to fall back on
            skipped = next(a for a, n in zip(leading, names) if a != n)
            raise TargetFailed(f"torch.export failed ({export_error}); FX symbolic tracing, the fallback, takes "
                               f"the forward's arguments in order, and '{skipped}' has no shape") from None
        return _fx_capture(module, example, names, held, export_error)
    return _from_export(program, held)


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0][:300] if lines else type(exc).__name__


def _held_tensors(module: Any) -> dict[str, Held]:
    """Every parameter and buffer by each of its names; one `key` per tensor object, so a
    `Parameter` registered under two names (tied weights) is one."""
    found: dict[str, Held] = {}
    for source, tensor in module.named_parameters(remove_duplicate=False):
        found[source] = Held(source, "parameter", id(tensor), shape_of(tensor), bool(tensor.requires_grad))
    for source, tensor in module.named_buffers(remove_duplicate=False):
        found[source] = Held(source, "buffer", id(tensor), shape_of(tensor), False)
    return found


def _from_export(program: Any, held: dict[str, Held]) -> Captured:
    from torch.export.graph_signature import InputKind
    signature = program.graph_signature
    placeholders: dict[str, Held] = {}
    user: list[str] = []
    for spec in signature.input_specs:
        if spec.kind == InputKind.USER_INPUT:
            user.append(spec.arg.name)
        elif spec.kind in (InputKind.PARAMETER, InputKind.BUFFER) and spec.target in held:
            placeholders[spec.arg.name] = held[spec.target]
        else:      # a constant tensor the forward made (lifted by export): no weights of the model's
            placeholders[spec.arg.name] = Held(str(spec.target or spec.arg.name), "constant", -1 - len(placeholders),
                                               (), False)
    ops: list[Op] = []
    inputs: list[tuple[str, tuple[int, ...]]] = []
    outputs: tuple[Any, ...] = ()
    for node in program.graph.nodes:
        if node.op == "placeholder":
            if node.name in placeholders:
                kept = placeholders[node.name]
                placeholders[node.name] = kept.view(shape_of(node.meta.get("val")))  if kept.kind == "constant" else kept
            elif node.name in user:
                inputs.append((node.name, shape_of(node.meta.get("val"))))
        elif node.op == "call_function":
            ops.append(_op(node))
        elif node.op == "output":
            outputs = tuple(_refs(node.args[0]))
    read = {a.name for op in ops for a in _flat(op.args) if isinstance(a, Ref)}
    unused = tuple(h for name, h in placeholders.items() if name not in read and h.kind != "constant")
    names = dict(zip(user, _forward_names(program, user)))
    return Captured("torch.export", tuple((names[n], s) for n, s in inputs), placeholders, ops, outputs, unused)


def _forward_names(program: Any, user: list[str]) -> list[str]:
    calls = getattr(program, "module_call_graph", None) or []
    names = list(getattr(calls[0].signature, "forward_arg_names", None) or []) if calls and calls[0].signature else []
    return names if len(names) == len(user) else user


def _refs(value: Any) -> Any:
    from torch.fx import Node
    if isinstance(value, Node):
        return Ref(value.name)
    if isinstance(value, (list, tuple)):
        return type(value)(_refs(v) for v in value)
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    return value


def _flat(values: Any) -> list[Any]:
    if isinstance(values, (list, tuple)) and not isinstance(values, Ref):
        return [v for item in values for v in _flat(item)]
    return [values]


def _op(node: Any) -> Op:
    return Op(node.name, _op_name(node.target), tuple(_refs(node.args)), dict(_refs(node.kwargs)),
              _stack(node.meta), shape_of(node.meta.get("val")))


def _fx_capture(module: Any, example: tuple[Any, ...], names: list[str], held: dict[str, Held],
                export_error: str) -> Captured:
    from .fx import trace
    return trace(module, example, names, held, export_error)
