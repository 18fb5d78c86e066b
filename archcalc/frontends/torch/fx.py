"""The fallback capture: FX symbolic tracing, where `torch.export` cannot capture a forward.

FX records calls of leaf modules (`nn.Conv2d`, `nn.ReLU`, …), of functions and of tensor
methods. Each becomes the `Op` the ATen op of the same computation would be, so the same
handlers read both: a leaf module by its class (`LEAVES`), a function or method by its name,
which is the ATen op's for the ones archcalc maps. Values (sizes, for instance) come from
running the traced graph on the meta tensors.
"""

from __future__ import annotations

from typing import Any, Callable

from .capture import Captured, Op, Ref, TargetFailed, shape_of
from .values import Held

VARARGS = ("view", "reshape", "permute", "expand", "repeat")     # methods that take sizes one by one


def _conv(m: Any) -> tuple[str, list[Any]]:
    return f"conv{len(m.kernel_size)}d", ["weight", "bias", list(m.stride), _padding(m.padding), list(m.dilation),
                                          m.groups]


def _padding(padding: Any) -> Any:
    return padding if isinstance(padding, str) else list(padding)


def _pool(kind: str) -> Callable[[Any], tuple[str, list[Any]]]:
    def read(m: Any) -> tuple[str, list[Any]]:
        axes = len(m.kernel_size) if isinstance(m.kernel_size, tuple) else int(kind[-2])
        stride = m.stride if m.stride is not None else m.kernel_size
        extra = [m.dilation, m.ceil_mode] if kind.startswith("max") else [m.ceil_mode]
        return kind, [_per_axis(m.kernel_size, axes), _per_axis(stride, axes), _per_axis(m.padding, axes), *extra]
    return read


def _per_axis(value: Any, axes: int) -> list[int]:
    return list(value) if isinstance(value, (tuple, list)) else [value] * axes


LEAVES: dict[str, Callable[[Any], tuple[str, list[Any]]]] = {
    "Conv1d": _conv, "Conv2d": _conv, "Conv3d": _conv,
    "Linear": lambda m: ("linear", ["weight", "bias"]),
    "BatchNorm1d": lambda m: ("batch_norm", ["weight", "bias", "running_mean", "running_var", False, m.momentum, m.eps]),
    "BatchNorm2d": lambda m: ("batch_norm", ["weight", "bias", "running_mean", "running_var", False, m.momentum, m.eps]),
    "LayerNorm": lambda m: ("layer_norm", [list(m.normalized_shape), "weight", "bias", m.eps]),
    "GroupNorm": lambda m: ("group_norm", [m.num_groups, "weight", "bias", m.eps]),
    "MaxPool2d": _pool("max_pool2d"), "AvgPool2d": _pool("avg_pool2d"),
    "AdaptiveAvgPool2d": lambda m: ("adaptive_avg_pool2d", [_per_axis(m.output_size, 2)]),
    "ReLU": lambda m: ("relu", []), "ReLU6": lambda m: ("hardtanh", [0.0, 6.0]), "GELU": lambda m: ("gelu", [m.approximate]),
    "SiLU": lambda m: ("silu", []), "Sigmoid": lambda m: ("sigmoid", []), "Tanh": lambda m: ("tanh", []),
    "Hardswish": lambda m: ("hardswish", []), "Hardsigmoid": lambda m: ("hardsigmoid", []),
    "Softmax": lambda m: ("softmax", [m.dim]), "Dropout": lambda m: ("dropout", [m.p, False]),
    "Flatten": lambda m: ("flatten", [m.start_dim, m.end_dim]), "Identity": lambda m: ("alias", []),
}


def trace(module: Any, example: tuple[Any, ...], names: list[str], held: dict[str, Held],
          export_error: str) -> Captured:
    import torch
    try:
        graph_module = torch.fx.symbolic_trace(module)
    except Exception as exc:     # the user's forward, traced: whatever it raises is the model's
        raise TargetFailed(f"torch.export failed ({export_error}) and so did FX symbolic tracing "
                           f"({type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''})") from None
    results: dict[str, Any] = {}

    def run_node(self: Any, node: Any) -> Any:
        results[node.name] = value = torch.fx.Interpreter.run_node(self, node)
        return value

    Recorder = type("Recorder", (torch.fx.Interpreter,), {"run_node": run_node})

    from torch._subclasses.fake_tensor import FakeTensorMode
    with torch.no_grad(), FakeTensorMode(allow_non_fake_inputs=True) as mode:    # shapes only, no arithmetic
        Recorder(graph_module).run(*(mode.from_tensor(x) for x in example))
    placeholders: dict[str, Held] = {}
    ops: list[Op] = []
    inputs: list[tuple[str, tuple[int, ...]]] = []
    outputs: tuple[Any, ...] = ()
    for node in graph_module.graph.nodes:
        stack = tuple((str(k), str(path), getattr(kind, "__name__", str(kind)))
                      for k, (path, kind) in (node.meta.get("nn_module_stack") or {}).items() if path)
        out = shape_of(results.get(node.name))
        if node.op == "placeholder":
            inputs.append((str(node.target), out))
        elif node.op == "get_attr":
            found = held.get(str(node.target))
            placeholders[node.name] = found if found is not None else Held(str(node.target), "constant", -1, out, False)
        elif node.op == "call_module":
            ops.extend(_leaf(graph_module, node, stack, out, held, placeholders))
        elif node.op in ("call_function", "call_method"):
            ops.append(_call(node, stack, out))
        elif node.op == "output":
            outputs = tuple(_refs(node.args[0]) if isinstance(node.args[0], (list, tuple)) else [_refs(node.args[0])])
    note = f"torch.export could not capture the forward ({export_error}); FX symbolic tracing did."
    captured = Captured("FX symbolic trace", tuple(zip(names, (s for _, s in inputs))), placeholders, ops, outputs, ())
    return captured._replace(method=f"FX symbolic trace ({note})")


def _refs(value: Any) -> Any:
    from torch.fx import Node
    if isinstance(value, Node):
        return Ref(value.name)
    if isinstance(value, (list, tuple)):
        return type(value)(_refs(v) for v in value)
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    return value


def _leaf(graph_module: Any, node: Any, stack: Any, out: Any, held: dict[str, Held],
          placeholders: dict[str, Held]) -> list[Op]:
    module = graph_module.get_submodule(str(node.target))
    kind = type(module).__name__
    read = LEAVES.get(kind)
    if read is None:      # no mapping: an op named by its class, which no handler takes (an error naming it)
        return [Op(node.name, kind, tuple(_refs(node.args)), {}, stack, out)]
    target, arguments = read(module)
    args: list[Any] = list(_refs(node.args))
    for value in arguments:
        if isinstance(value, str) and value in ("weight", "bias", "running_mean", "running_var"):
            source = f"{node.target}.{value}"
            if source in held:
                placeholders[f"fx:{source}"] = held[source]
                args.append(Ref(f"fx:{source}"))
            else:
                args.append(None)
        else:
            args.append(value)
    return [Op(node.name, target, tuple(args), {}, stack, out)]


def _call(node: Any, stack: Any, out: Any) -> Op:
    name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
    args = list(_refs(node.args))
    if node.op == "call_method" and name in VARARGS and len(args) > 1 and not isinstance(args[1], (list, tuple)):
        args = [args[0], list(args[1:])]
    if name in ("iadd", "add"):
        name = "add"
    elif name in ("imul", "mul"):
        name = "mul"
    elif name == "truediv":
        name = "div"
    return Op(node.name, str(name), tuple(args), dict(_refs(node.kwargs)), stack, out)


__all__ = ["TargetFailed"]
